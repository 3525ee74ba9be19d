// The run: base images and sources first (bad input or a missing base builds nothing),
// then every cell built and verified under a concurrency limit, keep-going by default.
// Cells that share a compile run as a chain: the first compiles, the others start after it
// and reuse its stages from the build cache.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { InterruptedError } from "../errors.js";
import type { PreparedCell, PreparedMatrix } from "../core/prepare.js";
import { compileChains } from "../core/plan/plan.js";
import type { RenderOptions, Renderer } from "../core/render/dockerfile.js";
import { checksFor } from "../core/verify/checks.js";
import { buildContext } from "../io/docker/context.js";
import { BuildFailed, type Builder, type Engine } from "../io/docker/engine.js";
import type { ResolveOptions, ResolvedSource } from "../io/source/resolve.js";
import { ensureBaseImages, resolveSources } from "./prerequisites.js";
import { ContainerRegistry, verifyImage } from "../io/verify/verify.js";
import type { VerifyCache } from "../io/verify/cache.js";
import type { BuildEvent } from "../io/docker/progress.js";
import { cellPassed, type CellResult } from "./outcome.js";
import type { RunObserver } from "./observer.js";

export interface RunOptions {
  engine: Engine;
  render: Renderer;
  outDir: string;
  concurrency: number;
  builder: Builder;
  bootstrapMissing: boolean;
  verify: boolean;
  build: boolean;
  failFast: boolean;
  sources: ResolveOptions;
  observer: RunObserver;
  signal: AbortSignal;
  registry: ContainerRegistry;
  verifyCache?: VerifyCache;
  reverify?: boolean;
}

export const RECIPE_LABEL = "org.postfix-matrix.recipe";

export function cellDir(outDir: string, matrixName: string, cellId: string): string {
  return path.join(outDir, matrixName, cellId);
}

/** Writes every cell's Dockerfile; returns the paths. */
export async function writeDockerfiles(
  p: PreparedMatrix, render: Renderer, outDir: string, opts: RenderOptions = {},
): Promise<Map<string, { path: string; text: string }>> {
  const out = new Map<string, { path: string; text: string }>();
  for (const c of p.cells) {
    const dir = cellDir(outDir, p.matrix.name, c.cell.id);
    await mkdir(dir, { recursive: true });
    const text = render(c.recipe, opts);
    const file = path.join(dir, "Dockerfile");
    await writeFile(file, text);
    out.set(c.cell.id, { path: file, text });
  }
  return out;
}

export async function runMatrix(p: PreparedMatrix, o: RunOptions): Promise<CellResult[]> {
  await o.engine.ping();
  const dockerfiles = await writeDockerfiles(p, o.render, o.outDir, { builder: o.builder });
  const note = (l: string) => o.observer.note(l);
  if (o.build) await ensureBaseImages(p.cells.map((c) => c.recipe.baseImage), { ...o, note });
  const sources = o.build ? await resolveSources(p.cells.map((c) => c.cell.postfix), { ...o, note }) : new Map<string, ResolvedSource>();
  for (const c of p.cells) o.observer.cellState(c.cell.id, "queued");
  const limit = pLimit(Math.max(1, o.concurrency));
  const state = { stop: false };
  const results = new Map<string, CellResult>();
  const one = (c: PreparedCell) =>
    limit(async () => {
      const r = await runCell(c, dockerfiles.get(c.cell.id)!, sources, p.matrix.name, o, state);
      results.set(c.cell.id, r);
      if (o.failFast && !cellPassed(r)) state.stop = true;
      return r;
    });
  await Promise.all(
    // The rest of a chain starts after its first cell, so they find its compile in the cache.
    // Each still reports its own outcome, even after a failed compile (keep-going).
    compileChains(p.cells).map(async ([leader, ...followers]) => {
      await one(leader!);
      await Promise.all(followers.map(one));
    }),
  );
  const ordered = p.cells.map((c) => results.get(c.cell.id)!);
  if (o.signal.aborted) throw Object.assign(new InterruptedError(), { results: ordered });
  return ordered;
}

async function runCell(
  c: PreparedCell, df: { path: string; text: string }, sources: Map<string, ResolvedSource>, matrixName: string,
  o: RunOptions, state: { stop: boolean },
): Promise<CellResult> {
  const id = c.cell.id;
  const dir = cellDir(o.outDir, matrixName, id);
  const base = { id, image: c.image, values: c.cell.values, logFile: path.join(dir, "build.log"), dockerfile: df.path };
  if (state.stop || o.signal.aborted) {
    const message = o.signal.aborted ? "interrupted before it started" : "not started (--fail-fast)";
    o.observer.cellState(id, "failed", message);
    return { ...base, build: { kind: "failed", message, lastLines: [], seconds: 0 }, verify: { kind: "skipped", reason: "not built" } };
  }
  const build = o.build
    ? await buildCell(c, df.text, sources.get(c.recipe.version)!, base.logFile, o)
    : await existingImage(c, o);
  let verify: CellResult["verify"] = { kind: "skipped", reason: o.verify ? "not built" : "--no-verify" };
  if (build.kind !== "failed" && o.verify && !o.signal.aborted) {
    const checks = checksFor(c.recipe);
    const cached = o.reverify ? undefined : await o.verifyCache?.get(build.imageId, checks);
    if (cached) {
      verify = { kind: "verified", result: { ...cached, cached: true } };
    } else {
      o.observer.cellState(id, "verifying");
      try {
        const result = await verifyImage(c.image, checks, { registry: o.registry, tls: c.recipe.expect.tls, signal: o.signal });
        verify = { kind: "verified", result };
        await o.verifyCache?.put(build.imageId, checks, result);
      } catch (e) {
        verify = { kind: "error", message: o.signal.aborted ? "interrupted" : (e as Error).message };
      }
    }
  }
  const r: CellResult = { ...base, build, verify };
  o.observer.cellState(id, cellPassed(r) ? (build.kind === "cached" && verify.kind === "verified" && verify.result.cached ? "cached" : "passed") : "failed", summary(r));
  return r;
}

function summary(r: CellResult): string {
  if (r.build.kind === "failed") return `build failed${r.build.step ? ` at ${r.build.step}` : ""}: ${r.build.message}`;
  const built = r.build.kind === "built" ? `built in ${r.build.seconds.toFixed(1)} s` : "image cached";
  if (r.verify.kind === "error") return `${built}; verification could not run: ${r.verify.message}`;
  if (r.verify.kind === "skipped") return `${built}; not verified (${r.verify.reason})`;
  const failed = r.verify.result.checks.filter((c) => c.status === "fail");
  const how = r.verify.result.cached ? "results cached" : `in ${r.verify.result.seconds.toFixed(1)} s`;
  return failed.length
    ? `${built}; FAILED ${failed.map((f) => f.name).join(", ")}`
    : `${built}; ${r.verify.result.checks.length} checks passed (${how})`;
}

async function existingImage(c: PreparedCell, o: RunOptions): Promise<CellResult["build"]> {
  const info = await o.engine.inspectImage(c.image);
  if (!info) return { kind: "failed", message: `image ${c.image} does not exist: build it first (postfix-matrix run)`, lastLines: [], seconds: 0 };
  return { kind: "cached", imageId: info.id, size: info.size };
}

export function recipeHash(dockerfile: string, source: ResolvedSource): string {
  return createHash("sha256").update(dockerfile).update(source.sha256).digest("hex").slice(0, 32);
}

async function buildCell(c: PreparedCell, dockerfile: string, source: ResolvedSource, logFile: string, o: RunOptions): Promise<CellResult["build"]> {
  const id = c.cell.id;
  const hash = recipeHash(dockerfile, source);
  const existing = await o.engine.inspectImage(c.image);
  if (existing && existing.labels[RECIPE_LABEL] === hash) {
    return { kind: "cached", imageId: existing.id, size: existing.size };
  }
  o.observer.cellState(id, "building");
  const log = createWriteStream(logFile);
  const t0 = Date.now();
  const announced = new Set<string>();
  const onEvent = (e: BuildEvent) => {
    if (e.kind === "log") log.write(`${e.text}\n`);
    else if (e.kind === "step") {
      log.write(`# ${e.state}: ${e.name}${e.seconds !== undefined ? ` (${e.seconds.toFixed(1)} s)` : ""}${e.error ? ` -- ${e.error}` : ""}\n`);
      if (e.state === "started" && !announced.has(e.id) && !e.name.startsWith("[internal]")) {
        announced.add(e.id);
        o.observer.cellStep(id, e.name);
      }
    } else if (e.kind === "error") log.write(`ERROR: ${e.message}\n`);
  };
  try {
    const { imageId, steps } = await o.engine.build({
      context: buildContext(dockerfile, [{ name: c.recipe.tarball, path: source.path }]),
      tag: c.image,
      builder: o.builder,
      labels: { [RECIPE_LABEL]: hash, "org.postfix-matrix.cell": id, "org.postfix-matrix.postfix-version": c.recipe.version },
      onEvent,
      signal: o.signal,
    });
    const info = await o.engine.inspectImage(c.image);
    return { kind: "built", imageId: info?.id ?? imageId, seconds: (Date.now() - t0) / 1000, size: info?.size ?? 0, steps };
  } catch (e) {
    const seconds = (Date.now() - t0) / 1000;
    if (o.signal.aborted) return { kind: "failed", message: "interrupted", lastLines: [], seconds };
    const f = e instanceof BuildFailed ? e : new BuildFailed((e as Error).message, undefined, []);
    return { kind: "failed", message: f.message, ...(f.step ? { step: f.step } : {}), lastLines: f.lastLines, seconds };
  } finally {
    await new Promise((res) => log.end(res));
  }
}
