// The two images of a scenario: the `from` side's full runtime image and the `to` side's
// build stage (target `build`: the compiled tree at /usr/src/postfix, with make). Both come
// from the normal Dockerfile rendering; an image already built from the same Dockerfile,
// source and target (label org.postfix-matrix.recipe) is reused.
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { UpgradeSide } from "../../core/upgrade/model.js";
import type { Renderer } from "../../core/render/dockerfile.js";
import { RECIPE_LABEL, recipeHash } from "../../run/run-matrix.js";
import { buildContext } from "../docker/context.js";
import { BuildFailed, type Builder, type Engine } from "../docker/engine.js";
import type { BuildEvent } from "../docker/progress.js";
import type { ResolvedSource } from "../source/resolve.js";

export interface SideBuild {
  kind: "built" | "cached" | "failed";
  seconds: number;
  message?: string;
  step?: string;
  lastLines?: string[];
  logFile: string;
  dockerfile: string;
}

export interface ImageOptions {
  engine: Engine;
  render: Renderer;
  builder: Builder;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** Builds (or reuses) one side's image; never throws for a failed build, it reports it. */
export async function buildSide(
  side: UpgradeSide, which: "from" | "to", source: ResolvedSource, dir: string, o: ImageOptions,
): Promise<SideBuild> {
  const target = which === "to" ? "build" : undefined;
  const text = o.render(side.recipe);
  await mkdir(dir, { recursive: true });
  const dockerfile = path.join(dir, `${which}.Dockerfile`);
  await writeFile(dockerfile, text);
  const logFile = path.join(dir, `${which}-build.log`);
  // The target is part of what the image is: a build-stage image never passes for a runtime one.
  const hash = recipeHash(target ? `${text}\n# target: ${target}\n` : text, source);
  const tag = `[${side.cell.id}]`;
  const existing = await o.engine.inspectImage(side.image);
  if (existing && existing.labels[RECIPE_LABEL] === hash) {
    o.log(`${tag} cached: ${side.image}`);
    return { kind: "cached", seconds: 0, logFile, dockerfile };
  }
  const log = createWriteStream(logFile);
  const t0 = Date.now();
  o.log(`${tag} building ${side.image}${target ? ` (stage ${target})` : ""}`);
  const onEvent = (e: BuildEvent) => {
    if (e.kind === "log") log.write(`${e.text}\n`);
    else if (e.kind === "step") log.write(`# ${e.state}: ${e.name}${e.error ? ` -- ${e.error}` : ""}\n`);
    else if (e.kind === "error") log.write(`ERROR: ${e.message}\n`);
  };
  try {
    await o.engine.build({
      context: buildContext(text, [{ name: side.recipe.tarball, path: source.path }]),
      tag: side.image,
      builder: o.builder,
      ...(target ? { target } : {}),
      labels: {
        [RECIPE_LABEL]: hash,
        "org.postfix-matrix.cell": side.cell.id,
        "org.postfix-matrix.postfix-version": side.recipe.version,
        "org.postfix-matrix.role": which === "from" ? "upgrade-from" : "upgrade-to-build",
      },
      onEvent,
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const seconds = (Date.now() - t0) / 1000;
    o.log(`${tag} built in ${seconds.toFixed(1)} s`);
    return { kind: "built", seconds, logFile, dockerfile };
  } catch (e) {
    const seconds = (Date.now() - t0) / 1000;
    const f = e instanceof BuildFailed ? e : new BuildFailed((e as Error).message, undefined, []);
    o.log(`${tag} BUILD FAILED after ${seconds.toFixed(1)} s${f.step ? ` at ${f.step}` : ""}: ${f.message}`);
    return { kind: "failed", seconds, message: f.message, ...(f.step ? { step: f.step } : {}), lastLines: f.lastLines, logFile, dockerfile };
  } finally {
    await new Promise((res) => log.end(res));
  }
}

/**
 * A named volume holding the `to` build tree (as /usr/src/postfix has it in the build stage,
 * timestamps kept so `make upgrade` compiles nothing) plus the build stage's make as `.pm-make`.
 * Filled by a short-lived helper container on the engine itself: no host path, no image layer.
 */
export async function treeVolume(engine: Engine, toImage: string, name: string): Promise<{ name: string; remove: () => Promise<void> }> {
  await engine.docker.createVolume({ Name: name, Labels: { "org.postfix-matrix.role": "upgrade-tree" } });
  const remove = async () => {
    try {
      await engine.docker.getVolume(name).remove({ force: true });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  };
  try {
    const helper = await engine.docker.createContainer({
      Image: toImage,
      Cmd: ["sh", "-c", "cp -a /usr/src/postfix/. /pm-tree/ && cp /usr/bin/make /pm-tree/.pm-make && test -s /pm-tree/.runtime-packages"],
      Labels: { "org.postfix-matrix.role": "upgrade-tree-copy" },
      HostConfig: { Binds: [`${name}:/pm-tree`] },
    });
    try {
      await helper.start();
      const r = (await helper.wait()) as { StatusCode: number };
      if (r.StatusCode !== 0) {
        const out = await helper.logs({ stdout: true, stderr: true, follow: false });
        throw new Error(`copying the build tree out of ${toImage} failed (exit ${r.StatusCode}): ${demux(out as unknown as Buffer).slice(-500)}`);
      }
    } finally {
      await helper.remove({ force: true });
    }
  } catch (e) {
    await remove();
    throw e;
  }
  return { name, remove };
}

/** The Engine API's multiplexed log stream (non-TTY containers) as text. */
export function demux(buf: Buffer): string {
  if (!Buffer.isBuffer(buf)) return String(buf);
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0)) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return i === 0 ? buf.toString("utf8") : Buffer.concat(out).toString("utf8");
}
