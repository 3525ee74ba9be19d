// The two images of a scenario: the `from` side's full runtime image and the `to` side's
// build stage (target `build`: the compiled tree at /usr/src/postfix, with make). Both come
// from the normal Dockerfile rendering and the one image builder, so an image already built
// from the same Dockerfile, source and target is reused.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { LocalBuildOutcome } from "../../core/outcome.js";
import type { Renderer } from "../../core/render/dockerfile.js";
import { ROLE_LABEL } from "../../core/recipe/identity.js";
import type { UpgradeSide } from "../../core/upgrade/model.js";
import { buildImage } from "../docker/build-image.js";
import type { Builder, Engine } from "../docker/engine.js";
import type { ResolvedSource } from "../source/resolve.js";

export interface SideBuild {
  build: LocalBuildOutcome;
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
  side: UpgradeSide,
  which: "from" | "to",
  source: ResolvedSource,
  dir: string,
  o: ImageOptions,
): Promise<SideBuild> {
  const target = which === "to" ? "build" : undefined;
  const text = o.render(side.recipe);
  await mkdir(dir, { recursive: true });
  const dockerfile = path.join(dir, `${which}.Dockerfile`);
  await writeFile(dockerfile, text);
  const logFile = path.join(dir, `${which}-build.log`);
  const tag = `[${side.cell.id}]`;
  const build = await buildImage(
    {
      image: side.image,
      dockerfile: text,
      cellId: side.cell.id,
      version: side.recipe.version,
      source: { path: source.path, sha256: source.sha256, name: side.recipe.tarball },
      ...(target ? { target } : {}),
      role: which === "from" ? "upgrade-from" : "upgrade-to-build",
      logFile,
    },
    {
      engine: o.engine,
      builder: o.builder,
      ...(o.signal ? { signal: o.signal } : {}),
      onBuilding: () => o.log(`${tag} building ${side.image}${target ? ` (stage ${target})` : ""}`),
    },
  );
  if (build.kind === "cached") o.log(`${tag} cached: ${side.image}`);
  else if (build.kind === "built") o.log(`${tag} built in ${build.seconds.toFixed(1)} s`);
  else o.log(`${tag} BUILD FAILED after ${build.seconds.toFixed(1)} s${build.step ? ` at ${build.step}` : ""}: ${build.message}`);
  return { build, logFile, dockerfile };
}

/** Seconds a side's build took (0 when reused). */
export const buildSeconds = (b: LocalBuildOutcome): number => (b.kind === "cached" ? 0 : b.seconds);

/**
 * A named volume holding the `to` build tree (as /usr/src/postfix has it in the build stage,
 * timestamps kept so `make upgrade` compiles nothing) plus the build stage's make as `.pm-make`.
 * Filled by a short-lived helper container on the engine itself: no host path, no image layer.
 */
export async function treeVolume(engine: Engine, toImage: string, name: string): Promise<{ name: string; remove: () => Promise<void> }> {
  await engine.createVolume(name, { [ROLE_LABEL]: "upgrade-tree" });
  const remove = () => engine.removeVolume(name);
  try {
    const r = await engine.runHelper({
      image: toImage,
      cmd: ["sh", "-c", "cp -a /usr/src/postfix/. /pm-tree/ && cp /usr/bin/make /pm-tree/.pm-make && test -s /pm-tree/.runtime-packages"],
      labels: { [ROLE_LABEL]: "upgrade-tree-copy" },
      binds: [`${name}:/pm-tree`],
    });
    if (r.exitCode !== 0) throw new Error(`copying the build tree out of ${toImage} failed (exit ${r.exitCode}): ${r.output.slice(-500)}`);
  } catch (e) {
    await remove();
    throw e;
  }
  return { name, remove };
}
