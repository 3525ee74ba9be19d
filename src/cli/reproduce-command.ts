// `reproduce`: each cell built as usual (or found built), then once more without any cache;
// the installed files are compared and every one that differs is named. Exit 1 when any does.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ExitCode } from "../errors.js";
import { formatReproduce, type ReproduceResult } from "../core/publish/reproduce-report.js";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";
import { acquireRunLock } from "../run/lock.js";
import { resolveSources } from "../run/prerequisites.js";
import { reproduceCell } from "../run/reproduce.js";
import { runMatrix } from "../run/run-matrix.js";
import { onInterrupt } from "./interrupt.js";
import { load } from "./load.js";
import { preparePublishing } from "./publish-run.js";
import type { RunFlags } from "./run-command.js";
import { defaultConcurrency } from "./concurrency.js";
import { commonRunOptions } from "./run-options.js";
import { PlainView } from "./view/plain.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function reproduceCommand(file: string, o: RunFlags): Promise<number> {
  const p = await load(file, o.only);
  const lock = await acquireRunLock(path.join(o.out, p.matrix.name), { command: "reproduce", note: log });
  try {
    const engine = new DockerodeEngine();
    const pub = await preparePublishing(p, {}, false);
    const view = new PlainView(log);
    const { signal, registry } = onInterrupt((l) => view.note(l), "containers");
    const common = await commonRunOptions(
      { ...o, concurrency: o.concurrency ?? defaultConcurrency() },
      { engine, observer: view, signal, registry },
    );
    const run = await runMatrix(p, { ...common, verify: false, build: true, failFast: false, labels: pub.labels });
    const released = await resolveSources(
      p.cells.map((c) => c.cell.postfix),
      { sources: common.sources, note: () => {} },
    );
    const results: ReproduceResult[] = [];
    for (const [i, c] of p.cells.entries()) {
      const first = run.results[i]!;
      if (first.build.kind === "failed") {
        results.push({ id: c.cell.id, image: c.image, outcome: { kind: "failed", message: `first build failed: ${first.build.message}` } });
        continue;
      }
      view.note(`${c.cell.id}: rebuilding without cache`);
      const dockerfile = await readFile(first.dockerfile, "utf8");
      const outcome = await reproduceCell(c, first.build.imageId, dockerfile, released.get(c.recipe.version)!, {
        engine,
        builder: o.builder,
        labels: pub.labels(c),
        signal,
      });
      results.push({ id: c.cell.id, image: c.image, outcome });
    }
    const dir = path.join(o.out, p.matrix.name);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "reproduce.json"), `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`${formatReproduce(results)}\n`);
    const same = results.every((r) => r.outcome.kind === "compared" && r.outcome.differing.length === 0);
    return same ? ExitCode.ok : ExitCode.cellsFailed;
  } finally {
    await lock.release();
  }
}
