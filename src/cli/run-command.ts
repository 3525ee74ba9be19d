// `run` and `verify`: the matrix built and verified cell by cell, a live view or plain lines
// while it runs, then the table, the details of what failed, and the reports. Loaded only
// when one of them runs: it brings the Docker and testcontainers modules.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { EnvironmentError, ExitCode, InterruptedError } from "../errors.js";
import { cellPassed } from "../core/outcome.js";
import { formatPlan, planCells } from "../core/plan/plan.js";
import { makeRenderer } from "../core/render/dockerfile.js";
import { jsonReport, junitReport } from "../core/report/machine.js";
import { formatDetails, formatTable } from "../core/report/table.js";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";
import { loadTemplates } from "../io/fs/templates.js";
import { defaultCacheDir } from "../io/source/cache.js";
import { defaultResolveOptions } from "../io/source/resolve.js";
import { VerifyCache } from "../io/verify/cache.js";
import { runMatrix } from "../run/run-matrix.js";
import { onInterrupt } from "./interrupt.js";
import { load } from "./load.js";
import { LiveView, wantsLiveView } from "./view/live.js";
import { PlainView } from "./view/plain.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

export interface RunFlags {
  out: string;
  only?: string[];
  concurrency: number;
  builder: "buildkit" | "classic";
  bootstrapMissing?: boolean;
  verify: boolean;
  failFast?: boolean;
  reverify?: boolean;
  dryRun?: boolean;
}

export async function runCommand(file: string, o: RunFlags, mode: { build: boolean }): Promise<number> {
  const p = await load(file, o.only);
  if (o.dryRun) {
    process.stdout.write(`${formatPlan(planCells(p.cells), p.cells.length)}\n`);
    return ExitCode.ok;
  }
  const started = new Date();
  const view = wantsLiveView(process.stderr, process.env) ? new LiveView(process.stderr) : new PlainView(log);
  const { signal, registry } = onInterrupt((l) => view.note(l), "verification containers");
  view.note(`${p.matrix.name}: ${p.cells.length} cells, ${o.concurrency} at a time, ${o.builder}`);
  let run: Awaited<ReturnType<typeof runMatrix>>;
  try {
    run = await runMatrix(p, {
      engine: new DockerodeEngine(),
      render: makeRenderer(await loadTemplates()),
      outDir: o.out,
      concurrency: o.concurrency,
      builder: o.builder,
      bootstrapMissing: Boolean(o.bootstrapMissing),
      verify: o.verify,
      build: mode.build,
      failFast: Boolean(o.failFast),
      sources: defaultResolveOptions(),
      observer: view,
      signal,
      registry,
      verifyCache: new VerifyCache(path.join(defaultCacheDir(), "verify")),
      reverify: Boolean(o.reverify),
    });
  } finally {
    view.close();
    // Whatever ended the run, no verification container is left behind.
    await registry.stopAll();
  }
  const { results } = run;
  if (run.interrupted) {
    process.stdout.write(`${formatTable(results)}\n`);
    throw new InterruptedError();
  }
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
  // A base image or source that could not be had: the machine is not ready (exit 3).
  const [first, ...more] = run.environment;
  if (first) throw more.length === 0 ? first : new EnvironmentError([first, ...more].map((e) => e.message).join("\n"), first.hint);
  return results.every(cellPassed) ? ExitCode.ok : ExitCode.cellsFailed;
}
