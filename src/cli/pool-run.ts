// `run` over several engines (--engine given more than once, or POSTFIX_MATRIX_ENGINES):
// the coordinator places compile chains, one worker process per engine builds and verifies,
// then the usual table and reports, with the engine of every cell.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvironmentError, ExitCode, InterruptedError, UsageError } from "../errors.js";
import { cellPassed } from "../core/outcome.js";
import type { PreparedMatrix } from "../core/prepare.js";
import { jsonReport, junitReport } from "../core/report/machine.js";
import { formatDetails, formatTable } from "../core/report/table.js";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";
import type { EngineEndpoint } from "../io/docker/engine-endpoint.js";
import { forkWorker } from "../run/pool/fork-worker.js";
import { runPool } from "../run/pool/run-pool.js";
import { resolveSources } from "../run/prerequisites.js";
import { defaultResolveOptions } from "../io/source/resolve.js";
import { engineDefaultConcurrency } from "./concurrency.js";
import { onInterrupt } from "./interrupt.js";
import { withSourceDate } from "./renderer.js";
import type { RunFlags, RunMode } from "./run-command.js";
import { makeRenderer } from "../core/render/dockerfile.js";
import { loadTemplates } from "../io/fs/templates.js";
import { LiveView, wantsLiveView } from "./view/live.js";
import { PlainView } from "./view/plain.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** What a pool does not do (yet): refused before anything runs. */
export function checkPoolFlags(o: RunFlags, mode: RunMode, engines: number): void {
  const say = (what: string) =>
    new UsageError(`${what} with ${engines} engines: a pool only builds and verifies`, "use one --engine for it");
  if (!mode.build) throw say("verify");
  if (o.push || o.to) throw say("--push");
  if (o.cacheFrom || o.cacheTo) throw say("--cache-from/--cache-to");
}

/** testcontainers (verification) reaches engines over unix:// and tcp:// only, not ssh://. */
export function checkSshVerify(endpoints: readonly EngineEndpoint[], verify: boolean): void {
  const ssh = endpoints.filter((e) => e.host.startsWith("ssh://"));
  if (!verify || ssh.length === 0) return;
  throw new UsageError(
    `${ssh.map((e) => e.spec).join(", ")}: images on an ssh:// engine cannot be verified (testcontainers reaches engines over unix:// and tcp:// only)`,
    "add --no-verify, or forward the engine's socket (ssh -L /tmp/e.sock:/var/run/docker.sock user@host) and use unix:///tmp/e.sock",
  );
}

export async function runPooled(p: PreparedMatrix, o: RunFlags, endpoints: readonly EngineEndpoint[]): Promise<number> {
  const started = new Date();
  const view = wantsLiveView(process.stderr, process.env) ? new LiveView(process.stderr) : new PlainView(log);
  const { signal, registry } = onInterrupt((l) => view.note(l), "worker processes");
  view.note(`${p.matrix.name}: ${p.cells.length} cells on ${endpoints.length} engines, ${o.builder}`);
  let run: Awaited<ReturnType<typeof runPool>>;
  try {
    run = await runPool(p, {
      members: endpoints.map((e) => ({ name: e.name, host: e.host, env: e.env, engine: new DockerodeEngine(e) })),
      file: p.matrix.file,
      flags: {
        out: o.out,
        concurrency: o.concurrency ?? 1,
        builder: o.builder,
        bootstrapMissing: Boolean(o.bootstrapMissing),
        verify: o.verify,
        reverify: Boolean(o.reverify),
        failFast: Boolean(o.failFast),
      },
      concurrencyFor: (info) => o.concurrency ?? engineDefaultConcurrency(info),
      render: withSourceDate(makeRenderer(await loadTemplates())),
      observer: view,
      signal,
      startWorker: forkWorker,
      prepareSources: async () => {
        const note = (l: string) => view.note(l);
        await resolveSources(
          p.cells.map((c) => c.cell.postfix),
          { sources: { ...defaultResolveOptions(), log: note }, note },
        );
      },
    });
  } finally {
    view.close();
    await registry.stopAll();
  }
  process.stdout.write(`\n${formatTable(run.results)}\n`);
  if (run.interrupted) throw new InterruptedError();
  const seconds = (Date.now() - started.getTime()) / 1000;
  const dir = path.join(o.out, p.matrix.name);
  await mkdir(dir, { recursive: true });
  const report = jsonReport(p.matrix, run.results, { startedAt: started.toISOString(), seconds, engines: run.engines });
  await writeFile(path.join(dir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(dir, "report.xml"), junitReport(p.matrix.name, run.results));
  const details = formatDetails(run.results);
  if (details) process.stdout.write(`\n${details}\n`);
  for (const e of run.engines)
    process.stdout.write(
      `engine ${e.name}: ${e.cells} cells${e.transferred.length ? `, base images sent to it: ${e.transferred.join(", ")}` : ""}` +
        `${e.bootstrapped.length ? `, bootstrapped there: ${e.bootstrapped.join(", ")}` : ""}${e.lost ? `; LOST: ${e.lost}` : ""}\n`,
    );
  process.stdout.write(`reports: ${path.join(dir, "report.json")}, ${path.join(dir, "report.xml")} (${seconds.toFixed(1)} s)\n`);
  return exitCode(run);
}

/** 1: a cell failed; 3: the machine was not ready or no engine was left; 5: all passed, but an engine failed. */
function exitCode(run: Awaited<ReturnType<typeof runPool>>): number {
  const lost = run.engines.filter((e) => e.lost);
  const [first, ...more] = run.environment;
  if (first) throw more.length === 0 ? first : new EnvironmentError([first, ...more].map((e) => e.message).join("\n"), first.hint);
  if (run.results.every(cellPassed)) return lost.length > 0 ? ExitCode.engineLost : ExitCode.ok;
  if (lost.length === run.engines.length)
    throw new EnvironmentError(
      `every engine of the pool was lost: ${lost.map((e) => `${e.name}: ${e.lost}`).join("; ")}`,
      "start them again and re-run: finished cells are cached",
    );
  return ExitCode.cellsFailed;
}
