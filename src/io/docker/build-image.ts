// The one image builder, for matrix cells and upgrade sides alike: an image already built
// from the same recipe (label) is reused; otherwise it is built with its log written to a
// file, and any failure comes back as a `failed` outcome, never as a thrown error.
import { createWriteStream } from "node:fs";
import type { LocalBuildOutcome } from "../../core/outcome.js";
import { isCompileStep } from "../../core/render/dockerfile.js";
import { imageLabels, RECIPE_LABEL, recipeHash } from "../../core/recipe/identity.js";
import { buildContext } from "./context.js";
import { BuildFailed, type Builder, type Engine } from "./engine.js";
import { type BuildEvent, LogLines } from "./progress.js";

export interface ImageSpec {
  /** The tag to build. */
  image: string;
  dockerfile: string;
  cellId: string;
  version: string;
  /** The verified release tarball and its name in the context. */
  source: { path: string; sha256: string; name: string };
  target?: string;
  role?: string;
  /** The recipe's compile key, as a label: where it is, the pool places that chain. */
  compileKey?: string;
  /** More labels (OCI annotations); the recipe labels come last and win. */
  labels?: Record<string, string>;
  logFile: string;
}

export interface BuildImageOptions {
  engine: Engine;
  builder: Builder;
  signal?: AbortSignal;
  /** Called once when a real build starts (not for a reused image). */
  onBuilding?: () => void;
  /** Called with each step's name the first time it starts. */
  onStep?: (name: string) => void;
  /** Called once the compile step is done (or found in the cache); not for a reused image. */
  onCompiled?: () => void;
}

export async function buildImage(spec: ImageSpec, o: BuildImageOptions): Promise<LocalBuildOutcome> {
  const hash = recipeHash(spec.dockerfile, spec.source.sha256, spec.target);
  const existing = await o.engine.inspectImage(spec.image);
  if (existing && existing.labels[RECIPE_LABEL] === hash) return { kind: "cached", imageId: existing.id, size: existing.size };
  o.onBuilding?.();
  const log = createWriteStream(spec.logFile);
  const t0 = Date.now();
  try {
    const { imageId, steps } = await o.engine.build({
      context: buildContext(spec.dockerfile, [{ name: spec.source.name, path: spec.source.path }]),
      tag: spec.image,
      builder: o.builder,
      ...(spec.target ? { target: spec.target } : {}),
      labels: {
        ...spec.labels,
        ...imageLabels({
          hash,
          cellId: spec.cellId,
          version: spec.version,
          ...(spec.role ? { role: spec.role } : {}),
          ...(spec.compileKey ? { compile: spec.compileKey } : {}),
        }),
      },
      onEvent: both(logWriter(log, o.onStep), compileWatcher(o.builder, o.onCompiled)),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const info = await o.engine.inspectImage(spec.image);
    // The image the tag named before is left without it: remove it unless something still uses it.
    if (existing && existing.id !== (info?.id ?? imageId)) await o.engine.removeUnusedImage(existing.id);
    return { kind: "built", imageId: info?.id ?? imageId, seconds: (Date.now() - t0) / 1000, size: info?.size ?? 0, steps };
  } catch (e) {
    const seconds = (Date.now() - t0) / 1000;
    if (o.signal?.aborted) return { kind: "failed", message: "interrupted", lastLines: [], seconds };
    const f = e instanceof BuildFailed ? e : new BuildFailed((e as Error).message, undefined, []);
    return { kind: "failed", message: f.message, ...(f.step ? { step: f.step } : {}), lastLines: f.lastLines, seconds };
  } finally {
    await new Promise((res) => log.end(res));
  }
}

/** Build events as log lines; each step announced once when it starts. */
function logWriter(log: NodeJS.WritableStream, onStep?: (name: string) => void): (e: BuildEvent) => void {
  const announced = new Set<string>();
  const lines = new LogLines();
  return (e) => {
    if (e.kind === "log") {
      const line = lines.add(e);
      if (line !== undefined) log.write(`${line}\n`);
    }
    if (e.kind === "error") log.write(`ERROR: ${e.message}\n`);
    else if (e.kind === "step") {
      log.write(
        `# ${e.state}: ${e.name}${e.seconds !== undefined ? ` (${e.seconds.toFixed(1)} s)` : ""}${e.error ? ` -- ${e.error}` : ""}\n`,
      );
      if (e.state === "started" && !announced.has(e.id) && !e.name.startsWith("[internal]")) {
        announced.add(e.id);
        onStep?.(e.name);
      }
    }
  };
}

const both =
  (...fns: ((e: BuildEvent) => void)[]) =>
  (e: BuildEvent) => {
    for (const f of fns) f(e);
  };

/**
 * Fires `onCompiled` when the compile step ends. BuildKit reports the step done; the classic
 * builder runs steps in turn and only says when each starts, so there the next step's start
 * is the compile's end.
 */
function compileWatcher(builder: Builder, onCompiled?: () => void): (e: BuildEvent) => void {
  let compiling = false;
  let fired = false;
  const fire = () => {
    fired = true;
    onCompiled?.();
  };
  return (e) => {
    if (fired || !onCompiled || e.kind !== "step") return;
    if (isCompileStep(e.name)) {
      if (e.state === "done" || e.state === "cached") fire();
      else if (e.state === "started") compiling = true;
    } else if (compiling && builder === "classic" && e.state === "started") {
      fire();
    }
  };
}
