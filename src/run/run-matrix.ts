// The run: every cell built and verified under a concurrency limit, keep-going by default.
// Bad input or a missing base image (without --bootstrap-missing) builds nothing; otherwise
// each cell waits only for its own base image and source. Cells that share a compile run as
// a chain: the first compiles, the others start once its compile step is done and take it
// from the build cache.
import path from "node:path";
import pLimit from "p-limit";
import { InterruptedError, type PostfixMatrixError } from "../errors.js";
import type { PreparedCell, PreparedMatrix } from "../core/prepare.js";
import { compileChains } from "../core/plan/plan.js";
import type { Renderer } from "../core/render/dockerfile.js";
import { cellDir, writeDockerfiles } from "./dockerfiles.js";
import { type CheckSpec, checksFor } from "../core/verify/checks.js";
import { RECIPE_LABEL, recipeHash } from "../core/recipe/identity.js";
import { expectedSha256 } from "../core/source/releases.js";
import { BUILT_HERE, type CacheSource, findInRegistry, pullCell, verificationFromLabel } from "./registry-cache.js";
import { buildImage } from "../io/docker/build-image.js";
import type { Builder, Engine } from "../io/docker/engine.js";
import type { ResolveOptions, ResolvedSource, resolveSource } from "../io/source/resolve.js";
import { startPrerequisites } from "./prerequisites.js";
import { checkBuilderFor } from "./podman.js";
import { type ContainerRegistry, verifyImage } from "../io/verify/verify.js";
import type { VerifyCache } from "../io/verify/cache.js";
import { cellPassed, type CellResult } from "../core/outcome.js";
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
  /** --cache-from: cells whose recipe the registry has are pulled, not built. */
  cacheFrom?: CacheSource;
  /** Labels a cell's image gets besides the recipe's own (OCI annotations). */
  labels?: (c: PreparedCell) => Record<string, string>;
  /** `push`: take verification results only from the cache (a cell verified nowhere is not verified now). */
  verifyCachedOnly?: boolean;
  /** For tests: how a missing base image is made and a source is had. */
  bootstrap?: (ref: string) => Promise<void>;
  resolve?: typeof resolveSource;
  /** Each cell's result as soon as it is final (a pool worker passes them on one by one). */
  onResult?: (r: CellResult) => void;
}

/** Every cell's result, in matrix order; after an interrupt, what finished (the rest marked so). */
export interface MatrixRun {
  results: CellResult[];
  interrupted: boolean;
  /** A base image or source that could not be had: its cells failed, the machine is not ready. */
  environment: PostfixMatrixError[];
}

export async function runMatrix(p: PreparedMatrix, o: RunOptions): Promise<MatrixRun> {
  await o.engine.ping();
  if (o.build) checkBuilderFor([{ name: o.engine.endpoint, info: await o.engine.info() }], o.builder);
  const dockerfiles = await writeDockerfiles(p, o.render, o.outDir, { builder: o.builder });
  const note = (l: string) => o.observer.note(l);
  const pulls =
    o.build && o.cacheFrom ? await findInRegistry(p.cells, dockerfiles, { engine: o.engine, cache: o.cacheFrom, note }) : undefined;
  const prereqs = o.build
    ? await startPrerequisites(
        p.cells.filter((c) => !pulls?.has(c.cell.id)).map((c) => ({ baseImage: c.recipe.baseImage, release: c.cell.postfix })),
        { ...o, note },
      )
    : undefined;
  for (const c of p.cells) o.observer.cellState(c.cell.id, "queued");
  const limit = pLimit(Math.max(1, o.concurrency));
  const state = { stop: false };
  const results = new Map<string, CellResult>();
  const one = async (c: PreparedCell, onCompiled?: () => void) => {
    // Waiting for a base image or a source holds no slot: ready cells build meanwhile.
    const pull = pulls?.get(c.cell.id);
    const source = pull !== undefined ? undefined : await prereqs?.ready(c.recipe.baseImage, c.recipe.version).catch((e: Error) => e);
    const df = dockerfiles.get(c.cell.id)!;
    const r = await limit(() =>
      runCell(c, df, pull ?? source, p.matrix.name, o, state, onCompiled).catch((e: unknown) => crashed(c, df, p.matrix.name, o, e)),
    );
    results.set(c.cell.id, r);
    o.onResult?.(r);
    if (o.failFast && !cellPassed(r)) state.stop = true;
    return r;
  };
  await Promise.all(compileChains(p.cells).map((chain) => runChain(chain, one)));
  return { results: p.cells.map((c) => results.get(c.cell.id)!), interrupted: o.signal.aborted, environment: prereqs?.failures() ?? [] };
}

/**
 * The rest of a chain starts when its first cell's compile is done (or its build ends),
 * so they find the compile in the cache. Each still reports its own outcome (keep-going).
 */
async function runChain(
  [leader, ...followers]: PreparedCell[],
  one: (c: PreparedCell, onCompiled?: () => void) => Promise<CellResult>,
): Promise<void> {
  let release = () => {};
  const compiled = new Promise<void>((res) => {
    release = res;
  });
  const first = one(leader!, release);
  await Promise.race([compiled, first]);
  await Promise.all([first, ...followers.map((f) => one(f))]);
}

async function runCell(
  c: PreparedCell,
  df: { path: string; text: string },
  source: ResolvedSource | Error | string | undefined,
  matrixName: string,
  o: RunOptions,
  state: { stop: boolean },
  onCompiled?: () => void,
): Promise<CellResult> {
  const id = c.cell.id;
  const dir = cellDir(o.outDir, matrixName, id);
  const base = { id, image: c.image, values: c.cell.values, logFile: path.join(dir, "build.log"), dockerfile: df.path };
  if (state.stop || o.signal.aborted) {
    const message = o.signal.aborted ? "interrupted before it started" : "not started (--fail-fast)";
    o.observer.cellState(id, "failed", message);
    return { ...base, build: { kind: "failed", message, lastLines: [], seconds: 0 }, verify: { kind: "skipped", reason: "not built" } };
  }
  const build = await obtain(c, df.text, source, base.logFile, o, onCompiled);
  let verify: CellResult["verify"] = { kind: "skipped", reason: o.verify ? "not built" : "--no-verify" };
  if (build.kind !== "failed" && o.verify && !o.signal.aborted) {
    const checks = checksFor(c.recipe);
    const cached = o.reverify ? undefined : await cachedVerification(c, build, checks, o);
    if (cached) {
      verify = { kind: "verified", result: { ...cached, cached: true } };
    } else if (o.verifyCachedOnly) {
      verify = { kind: "skipped", reason: "no passing verification on record for this image: run it first" };
    } else {
      o.observer.cellState(id, "verifying");
      try {
        const result = await verifyImage(c.image, checks, {
          engine: o.engine,
          registry: o.registry,
          tls: c.recipe.expect.tls,
          signal: o.signal,
        });
        verify = { kind: "verified", result };
        await o.verifyCache?.put(build.imageId, checks, result);
      } catch (e) {
        verify = { kind: "error", message: e instanceof InterruptedError || o.signal.aborted ? "interrupted" : (e as Error).message };
      }
    }
  }
  const r: CellResult = { ...base, build, verify };
  o.observer.cellState(
    id,
    cellPassed(r) ? (build.kind !== "built" && verify.kind === "verified" && verify.result.cached ? "cached" : "passed") : "failed",
    summary(r),
  );
  return r;
}

/** A cell whose run threw (the engine went away between two calls): failed with why; the others go on. */
function crashed(c: PreparedCell, df: { path: string }, matrixName: string, o: RunOptions, e: unknown): CellResult {
  const message = e instanceof Error ? e.message : String(e);
  o.observer.cellState(c.cell.id, "failed", message);
  const logFile = path.join(cellDir(o.outDir, matrixName, c.cell.id), "build.log");
  const build = { kind: "failed" as const, message, lastLines: [], seconds: 0 };
  return {
    id: c.cell.id,
    image: c.image,
    values: c.cell.values,
    logFile,
    dockerfile: df.path,
    build,
    verify: { kind: "skipped", reason: "not built" },
  };
}

function summary(r: CellResult): string {
  if (r.build.kind === "failed") return `build failed${r.build.step ? ` at ${r.build.step}` : ""}: ${r.build.message}`;
  const built =
    r.build.kind === "built"
      ? `built in ${r.build.seconds.toFixed(1)} s`
      : r.build.kind === "pulled"
        ? `pulled ${r.build.ref} in ${r.build.seconds.toFixed(1)} s`
        : "image cached";
  if (r.verify.kind === "error") return `${built}; verification could not run: ${r.verify.message}`;
  if (r.verify.kind === "skipped") return `${built}; not verified (${r.verify.reason})`;
  const failed = r.verify.result.checks.filter((c) => c.status === "fail");
  const how = r.verify.result.cached ? "results cached" : `in ${r.verify.result.seconds.toFixed(1)} s`;
  return failed.length
    ? `${built}; FAILED ${failed.map((f) => f.name).join(", ")}`
    : `${built}; ${r.verify.result.checks.length} checks passed (${how})`;
}

/** The cell's image: the one there (verify, push), pulled from the registry cache, or built. */
function obtain(
  c: PreparedCell,
  dockerfile: string,
  source: ResolvedSource | Error | string | undefined,
  logFile: string,
  o: RunOptions,
  onCompiled?: () => void,
): Promise<CellResult["build"]> {
  if (!o.build) return existingImage(c, dockerfile, o);
  if (source === BUILT_HERE) return existingImage(c, dockerfile, o);
  if (typeof source === "string" && o.cacheFrom) {
    o.observer.cellState(c.cell.id, "building", `pulling ${source}`);
    return pullCell(c, source, { engine: o.engine, cache: o.cacheFrom });
  }
  if (source instanceof Error || !source || typeof source === "string")
    return Promise.resolve({ kind: "failed", message: source instanceof Error ? source.message : "no source", lastLines: [], seconds: 0 });
  return buildCell(c, dockerfile, source, logFile, o, onCompiled);
}

/** A passing result for this image and these checks: from the local cache, or the label a pulled image carries. */
async function cachedVerification(c: PreparedCell, build: CellResult["build"], checks: CheckSpec[], o: RunOptions) {
  if (build.kind === "failed") return undefined;
  const local = await o.verifyCache?.get(build.imageId, checks);
  if (local || build.kind !== "pulled") return local;
  const info = await o.engine.inspectImage(c.image);
  const carried = info && verificationFromLabel(info.labels, checks);
  if (carried) await o.verifyCache?.put(build.imageId, checks, carried);
  return carried;
}

async function existingImage(c: PreparedCell, dockerfile: string, o: RunOptions): Promise<CellResult["build"]> {
  const info = await o.engine.inspectImage(c.image);
  if (!info)
    return { kind: "failed", message: `image ${c.image} does not exist: build it first (postfix-matrix run)`, lastLines: [], seconds: 0 };
  // push: an image from an older recipe is not what this matrix describes.
  if (o.verifyCachedOnly && info.labels[RECIPE_LABEL] !== recipeHash(dockerfile, expectedSha256(c.cell.postfix)))
    return { kind: "failed", message: `image ${c.image} was built from another recipe: run the matrix first`, lastLines: [], seconds: 0 };
  return { kind: "cached", imageId: info.id, size: info.size };
}

function buildCell(
  c: PreparedCell,
  dockerfile: string,
  source: ResolvedSource,
  logFile: string,
  o: RunOptions,
  onCompiled?: () => void,
): Promise<CellResult["build"]> {
  const id = c.cell.id;
  return buildImage(
    {
      image: c.image,
      dockerfile,
      cellId: id,
      version: c.recipe.version,
      compileKey: c.recipe.keys.compile,
      source: { path: source.path, sha256: source.sha256, name: c.recipe.tarball },
      ...(o.labels ? { labels: o.labels(c) } : {}),
      logFile,
    },
    {
      engine: o.engine,
      builder: o.builder,
      signal: o.signal,
      onBuilding: () => o.observer.cellState(id, "building"),
      onStep: (name) => o.observer.cellStep(id, name),
      ...(onCompiled ? { onCompiled } : {}),
    },
  );
}
