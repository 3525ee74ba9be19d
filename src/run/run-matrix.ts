// The run: base images and sources first (bad input or a missing base builds nothing),
// then every cell built and verified under a concurrency limit, keep-going by default.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { EnvironmentError, InterruptedError } from "../errors.js";
import type { PreparedCell, PreparedMatrix } from "../core/prepare.js";
import type { Renderer } from "../core/render/dockerfile.js";
import { expectedSha256 } from "../core/source/releases.js";
import { checksFor } from "../core/verify/checks.js";
import { buildContext } from "../io/docker/context.js";
import { BuildFailed, type Builder, type Engine } from "../io/docker/engine.js";
import { resolveSource, type ResolveOptions, type ResolvedSource } from "../io/source/resolve.js";
import { bootstrapBaseImage } from "../io/base/bootstrap.js";
import { ContainerRegistry, verifyImage } from "../io/verify/verify.js";
import type { BuildEvent } from "../io/docker/progress.js";
import type { CellResult } from "./outcome.js";

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
  log: (line: string) => void;
  signal: AbortSignal;
  registry: ContainerRegistry;
}

export const RECIPE_LABEL = "org.postfix-matrix.recipe";

export function cellDir(outDir: string, matrixName: string, cellId: string): string {
  return path.join(outDir, matrixName, cellId);
}

/** Writes every cell's Dockerfile; returns the paths. */
export async function writeDockerfiles(p: PreparedMatrix, render: Renderer, outDir: string): Promise<Map<string, { path: string; text: string }>> {
  const out = new Map<string, { path: string; text: string }>();
  for (const c of p.cells) {
    const dir = cellDir(outDir, p.matrix.name, c.cell.id);
    await mkdir(dir, { recursive: true });
    const text = render(c.recipe);
    const file = path.join(dir, "Dockerfile");
    await writeFile(file, text);
    out.set(c.cell.id, { path: file, text });
  }
  return out;
}

export async function ensureBaseImages(cells: readonly PreparedCell[], o: Pick<RunOptions, "engine" | "bootstrapMissing" | "log" | "signal">): Promise<void> {
  const missing: string[] = [];
  for (const ref of [...new Set(cells.map((c) => c.recipe.baseImage))]) {
    if (await o.engine.imageExists(ref)) continue;
    if (!o.bootstrapMissing) {
      missing.push(ref);
      continue;
    }
    o.log(`base image ${ref} is missing: bootstrapping it from Debian's mirror`);
    const r = await bootstrapBaseImage(ref, { engine: o.engine, log: (l) => o.log(`  ${l}`), signal: o.signal });
    if (r.kind === "bootstrapped") o.log(`base image ${ref} bootstrapped in ${r.seconds.toFixed(1)} s`);
  }
  if (missing.length > 0) {
    throw new EnvironmentError(
      `base image${missing.length > 1 ? "s" : ""} missing and no registry is used: ${missing.join(", ")}`,
      `run \`postfix-matrix base bootstrap ${missing.join(" ")}\`, or pass --bootstrap-missing`,
    );
  }
}

export async function resolveSources(cells: readonly PreparedCell[], o: Pick<RunOptions, "sources" | "log">): Promise<Map<string, ResolvedSource>> {
  // Checksums first: an unknown version fails before anything is fetched.
  const requests = new Map<string, { version: string; sha256: string }>();
  for (const c of cells) requests.set(c.recipe.version, { version: c.recipe.version, sha256: expectedSha256(c.cell.postfix) });
  const out = new Map<string, ResolvedSource>();
  await Promise.all(
    [...requests.values()].map(async (req) => {
      const r = await resolveSource(req, o.sources);
      o.log(`source postfix ${r.version}: ${r.origin}${r.from ? ` (${r.from})` : ""}, sha256 ${r.sha256.slice(0, 12)}…`);
      out.set(req.version, r);
    }),
  );
  return out;
}

export async function runMatrix(p: PreparedMatrix, o: RunOptions): Promise<CellResult[]> {
  await o.engine.ping();
  const dockerfiles = await writeDockerfiles(p, o.render, o.outDir);
  if (o.build) await ensureBaseImages(p.cells, o);
  const sources = o.build ? await resolveSources(p.cells, o) : new Map<string, ResolvedSource>();
  const limit = pLimit(Math.max(1, o.concurrency));
  let stop = false;
  const results = await Promise.all(
    p.cells.map((c) =>
      limit(async (): Promise<CellResult> => {
        const dir = cellDir(o.outDir, p.matrix.name, c.cell.id);
        const df = dockerfiles.get(c.cell.id)!;
        const base = { id: c.cell.id, image: c.image, values: c.cell.values, logFile: path.join(dir, "build.log"), dockerfile: df.path };
        if (stop || o.signal.aborted) {
          return { ...base, build: { kind: "failed", message: o.signal.aborted ? "interrupted before it started" : "not started (--fail-fast)", lastLines: [], seconds: 0 }, verify: { kind: "skipped", reason: "not built" } };
        }
        const build = o.build
          ? await buildCell(c, df.text, sources.get(c.recipe.version)!, base.logFile, o)
          : await existingImage(c, o);
        let verify: CellResult["verify"] = { kind: "skipped", reason: o.verify ? "not built" : "--no-verify" };
        if (build.kind !== "failed" && o.verify && !o.signal.aborted) {
          o.log(`[${c.cell.id}] verifying`);
          try {
            const result = await verifyImage(c.image, checksFor(c.recipe), { registry: o.registry, tls: c.recipe.expect.tls });
            verify = { kind: "verified", result };
            const failed = result.checks.filter((x) => x.status === "fail");
            o.log(`[${c.cell.id}] ${failed.length ? `FAILED ${failed.map((f) => f.name).join(", ")}` : `passed ${result.checks.length} checks`} in ${result.seconds.toFixed(1)} s`);
          } catch (e) {
            verify = { kind: "error", message: (e as Error).message };
            o.log(`[${c.cell.id}] verification could not run: ${(e as Error).message}`);
          }
        }
        const r: CellResult = { ...base, build, verify };
        if (o.failFast && (build.kind === "failed" || verify.kind === "error" || (verify.kind === "verified" && verify.result.checks.some((x) => x.status === "fail")))) stop = true;
        return r;
      }),
    ),
  );
  if (o.signal.aborted) throw Object.assign(new InterruptedError(), { results });
  return results;
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
    o.log(`[${id}] cached: ${c.image} already built from this Dockerfile and source`);
    return { kind: "cached", imageId: existing.id, size: existing.size };
  }
  const log = createWriteStream(logFile);
  const t0 = Date.now();
  const seen = new Set<string>();
  let steps = 0;
  o.log(`[${id}] building ${c.image}`);
  const onEvent = (e: BuildEvent) => {
    if (e.kind === "log") log.write(`${e.text}\n`);
    else if (e.kind === "step") {
      log.write(`# ${e.state}: ${e.name}${e.error ? ` -- ${e.error}` : ""}\n`);
      if ((e.state === "started" || e.state === "cached") && !seen.has(e.id) && /^\[.*\]|^(FROM|RUN|COPY)/.test(e.name)) {
        seen.add(e.id);
        steps++;
        if (e.state === "started") o.log(`[${id}] step ${steps}: ${e.name.slice(0, 110)}`);
      }
    } else if (e.kind === "error") log.write(`ERROR: ${e.message}\n`);
  };
  try {
    const { imageId } = await o.engine.build({
      context: buildContext(dockerfile, [{ name: c.recipe.tarball, path: source.path }]),
      tag: c.image,
      builder: o.builder,
      labels: { [RECIPE_LABEL]: hash, "org.postfix-matrix.cell": id, "org.postfix-matrix.postfix-version": c.recipe.version },
      onEvent,
      signal: o.signal,
    });
    const info = await o.engine.inspectImage(c.image);
    const seconds = (Date.now() - t0) / 1000;
    o.log(`[${id}] built in ${seconds.toFixed(1)} s, ${((info?.size ?? 0) / 1e6).toFixed(0)} MB`);
    return { kind: "built", imageId, seconds, size: info?.size ?? 0 };
  } catch (e) {
    const seconds = (Date.now() - t0) / 1000;
    const f = e instanceof BuildFailed ? e : new BuildFailed((e as Error).message, undefined, []);
    o.log(`[${id}] BUILD FAILED after ${seconds.toFixed(1)} s${f.step ? ` at ${f.step}` : ""}: ${f.message}`);
    return { kind: "failed", message: f.message, ...(f.step ? { step: f.step } : {}), lastLines: f.lastLines, seconds };
  } finally {
    await new Promise((res) => log.end(res));
  }
}
