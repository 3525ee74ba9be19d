// `run` and `verify`: the matrix built and verified cell by cell, a live view or plain lines
// while it runs, then the table, the details of what failed, and the reports. Loaded only
// when one of them runs: it brings the Docker and testcontainers modules.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvironmentError, ExitCode, InterruptedError, PushRefusedError } from "../errors.js";
import { cellPassed } from "../core/outcome.js";
import { formatPlan, planCells } from "../core/plan/plan.js";
import { jsonReport, junitReport } from "../core/report/machine.js";
import { formatDetails, formatTable } from "../core/report/table.js";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";
import type { Engine } from "../io/docker/engine.js";
import { defaultCacheDir } from "../io/source/cache.js";
import { VerifyCache } from "../io/verify/cache.js";
import { acquireRunLock } from "../run/lock.js";
import { runMatrix } from "../run/run-matrix.js";
import { onInterrupt } from "./interrupt.js";
import type { PublishFlags } from "./publish-options.js";
import { checkPublishing, preparePublishing, publish } from "./publish-run.js";
import { commonRunOptions } from "./run-options.js";
import { resolveEngines, type EngineEndpoint } from "../io/docker/engine-endpoint.js";
import { defaultConcurrency, engineDefaultConcurrency } from "./concurrency.js";
import { checkPoolFlags, checkSshVerify, runPooled } from "./pool-run.js";
import { load } from "./load.js";
import { LiveView, wantsLiveView } from "./view/live.js";
import { PlainView } from "./view/plain.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

export interface RunFlags extends PublishFlags {
  out: string;
  only?: string[];
  /** -j; without it, what the engine's (or each pool engine's) CPUs and memory allow. */
  concurrency?: number;
  builder: "buildkit" | "classic";
  /** --engine, given once per engine of a pool. */
  engine?: string[];
  bootstrapMissing?: boolean;
  verify: boolean;
  failFast?: boolean;
  reverify?: boolean;
  dryRun?: boolean;
  /** `--shard K/N`. */
  shard?: string;
}

/** `push: true`: the `push` command (existing images, cached verification, then push). */
export type RunMode = { build: boolean; push?: boolean };

export async function runCommand(file: string, o: RunFlags, mode: RunMode): Promise<number> {
  const p = await load(file, o.only, o.shard);
  const endpoints = await resolveEngines(o.engine);
  if (endpoints.length > 1) checkPoolFlags(o, mode, endpoints.length);
  checkSshVerify(endpoints, o.verify);
  // Bad --to or --tag-template: exit 2 before anything else, dry run included.
  const tags = checkPublishing(p, o, Boolean(mode.push));
  if (o.dryRun) {
    if (!mode.push) process.stdout.write(`${formatPlan(planCells(p.cells), p.cells.length)}\n`);
    if (tags) process.stdout.write(`${[...tags].map(([id, tag]) => `${id} -> ${o.to}:${tag}`).join("\n")}\n`);
    return ExitCode.ok;
  }
  // One run per output folder: two would write the same logs and reports over each other.
  const lock = await acquireRunLock(path.join(o.out, p.matrix.name), { command: mode.build ? "run" : "verify", note: log });
  try {
    if (endpoints.length > 1) return await runPooled(p, o, endpoints);
    return await runLocked(p, o, mode, endpoints[0]);
  } finally {
    await lock.release();
  }
}

async function runLocked(
  p: Awaited<ReturnType<typeof load>>,
  flags: RunFlags,
  mode: RunMode,
  endpoint: EngineEndpoint | undefined,
): Promise<number> {
  const engine = endpoint ? useEngine(endpoint) : new DockerodeEngine();
  const o = { ...flags, concurrency: flags.concurrency ?? (await engineConcurrency(engine)) };
  const pub = await preparePublishing(p, o, Boolean(mode.push));
  const started = new Date();
  const view = wantsLiveView(process.stderr, process.env) ? new LiveView(process.stderr) : new PlainView(log);
  const { signal, registry } = onInterrupt((l) => view.note(l), "verification containers");
  view.note(`${p.matrix.name}: ${p.cells.length} cells, ${o.concurrency} at a time, ${o.builder}`);
  let run: Awaited<ReturnType<typeof runMatrix>>;
  try {
    run = await runMatrix(p, {
      ...(await commonRunOptions(o, { engine, observer: view, signal, registry })),
      verify: o.verify,
      build: mode.build,
      failFast: Boolean(o.failFast),
      verifyCache: new VerifyCache(path.join(defaultCacheDir(), "verify")),
      reverify: Boolean(o.reverify),
      labels: pub.labels,
      ...(pub.cacheFrom ? { cacheFrom: pub.cacheFrom } : {}),
      ...(mode.push ? { verifyCachedOnly: true } : {}),
    });
  } finally {
    view.close();
    // Whatever ended the run, no verification container is left behind.
    await registry.stopAll();
  }
  if (run.interrupted) {
    process.stdout.write(`${formatTable(run.results)}\n`);
    throw new InterruptedError();
  }
  const { results, refused } = await publish(run.results, p, engine, pub, log);
  const seconds = (Date.now() - started.getTime()) / 1000;
  const dir = path.join(o.out, p.matrix.name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "report.json"),
    `${JSON.stringify(jsonReport(p.matrix, results, { startedAt: started.toISOString(), seconds }), null, 2)}\n`,
  );
  await writeFile(path.join(dir, "report.xml"), junitReport(p.matrix.name, results));
  process.stdout.write(`\n${formatTable(results)}\n`);
  const details = formatDetails(results);
  if (details) process.stdout.write(`\n${details}\n`);
  process.stdout.write(`\nreports: ${path.join(dir, "report.json")}, ${path.join(dir, "report.xml")} (${seconds.toFixed(1)} s)\n`);
  // A base image or source that could not be had, or an engine that went away: the machine
  // is not ready (exit 3).
  const gone = results.every(cellPassed) ? undefined : await engineGone(engine, engine.lostConnection);
  const [first, ...more] = [...run.environment, ...(gone ? [gone] : [])];
  if (first) throw more.length === 0 ? first : new EnvironmentError([first, ...more].map((e) => e.message).join("\n"), first.hint);
  if (refused.length > 0) throw new PushRefusedError(refused.join("\n"), "pick another --tag-template, or --force to replace them");
  // Asked to push: a cell that was not pushed (not verified, say) is not done.
  const unpushed = pub.to !== undefined && results.some((r) => r.push?.kind !== "pushed");
  return results.every(cellPassed) && !unpushed ? ExitCode.ok : ExitCode.cellsFailed;
}

/** Cells at once without -j: what the engine's own CPUs and memory allow (it may be remote). */
async function engineConcurrency(engine: Engine): Promise<number> {
  const info = await engine.info().catch(() => undefined);
  // No answer: the run's first ping says why; the number does not matter then.
  return info ? engineDefaultConcurrency(info) : defaultConcurrency();
}

/** One engine named with --engine: testcontainers (verification) reads it from the environment. */
function useEngine(e: EngineEndpoint): DockerodeEngine {
  for (const [k, v] of Object.entries(e.env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return new DockerodeEngine(e);
}

/**
 * After cells failed: an engine that was lost during the run (even if it is back now), or
 * that no longer answers, is why (exit 3), not the cells.
 */
async function engineGone(engine: Engine, lostDuringRun: Error | undefined): Promise<EnvironmentError | undefined> {
  const e = lostDuringRun ?? (await unanswered(engine));
  if (!e) return undefined;
  return new EnvironmentError(
    `the Docker engine went away during the run, so the cells that still needed it failed: ${e.message}`,
    (e as EnvironmentError).hint ?? "start the engine again and re-run: finished cells are cached",
  );
}

/** Why the engine does not answer a ping within 10 s, or undefined when it does. */
async function unanswered(engine: Engine): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<Error>((res) => {
    timer = setTimeout(() => res(new Error(`no Docker engine answers (${engine.endpoint}) within 10 s`)), 10_000);
  });
  const pinged = engine.ping().then(
    () => undefined,
    (err: Error) => err,
  );
  try {
    return await Promise.race([pinged, silent]);
  } finally {
    clearTimeout(timer);
  }
}
