// `report merge` on real shard reports: a matrix run as two shards (runMatrix on the fake
// engine, reports written by jsonReport/junitReport as `run` writes them), then merged
// through the CLI into one report.json, report.xml and summary.md.
import { appendFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { CellResult } from "../../src/core/outcome.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { jsonReport, junitReport } from "../../src/core/report/machine.js";
import { selectShard } from "../../src/core/shard/select.js";
import { BuildFailed } from "../../src/io/docker/engine.js";
import { runMatrix } from "../../src/run/run-matrix.js";
import { cli } from "../cli/run-cli.js";
import { yamlOf } from "../core/helpers.js";
import { FakeEngine } from "../run/fake-engine.js";
import { fakeRunOptions } from "../run/fake-run.js";
import { readJunit } from "./junit-xml.js";

const matrix = prepareMatrix(
  yamlOf({
    name: "merge",
    axes: {
      os: ["debian:bookworm", "debian:trixie"],
      postfix: ["3.10.13"],
      options: [{ name: "a" }, { name: "b", install_directories: { command_directory: "/opt/sbin" } }, { name: "broken", opt: "-O1" }],
    },
  }),
  "matrices/merge.yaml",
);
const BROKEN_LOG = ["cc -O1 -c smtpd.c", "smtpd.c:1: error: `boom` | <here>", "make: *** [Makefile:1: smtpd.o] Error 1"];

async function runShard(index: number, dir: string): Promise<{ results: CellResult[]; dir: string }> {
  const engine = new FakeEngine(
    (tag) => {
      // As the real engine fails a build: the step, the error and the build's last lines.
      if (tag.endsWith("-broken")) throw new BuildFailed("make failed: exit code: 2", "[build 4/5] RUN make makefiles && make", BROKEN_LOG);
      return { compileMs: 2, totalMs: 4 };
    },
    ["debian:bookworm", "debian:trixie"],
  );
  const options = await fakeRunOptions(engine, {}, dir);
  const shard = { ...matrix, cells: selectShard(matrix.cells, { index, count: 2 }) };
  const run = await runMatrix(shard, options);
  // As `run` writes them.
  const out = path.join(dir, matrix.matrix.name);
  await mkdir(out, { recursive: true });
  const started = new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString();
  await writeFile(
    path.join(out, "report.json"),
    JSON.stringify(jsonReport(matrix.matrix, run.results, { startedAt: started, seconds: 30 }), null, 2),
  );
  await writeFile(path.join(out, "report.xml"), junitReport(matrix.matrix.name, run.results));
  return { results: run.results, dir: out };
}

let root: string;
let shards: { results: CellResult[]; dir: string }[];
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "pm-merge-"));
  shards = [];
  for (const k of [1, 2]) shards.push(await runShard(k, path.join(root, `reports-shard-${k}`)));
});

const summaryVar = process.env.GITHUB_STEP_SUMMARY;
afterEach(() => {
  if (summaryVar === undefined) delete process.env.GITHUB_STEP_SUMMARY;
  else process.env.GITHUB_STEP_SUMMARY = summaryVar;
});

const readJson = async (f: string) => JSON.parse(await readFile(f, "utf8")) as ReturnType<typeof jsonReport>;

describe("the shards", () => {
  it("are two real runs that split the matrix, with a failed build among them", () => {
    const ids = shards.flatMap((s) => s.results.map((r) => r.id));
    expect(ids.sort()).toEqual(matrix.cells.map((c) => c.cell.id).sort());
    for (const s of shards) expect(s.results.length).toBeGreaterThan(0);
    const failed = shards.flatMap((s) => s.results).filter((r) => r.build.kind === "failed");
    expect(failed.map((r) => r.id).sort()).toEqual(
      matrix.cells
        .filter((c) => c.cell.id.endsWith("-broken"))
        .map((c) => c.cell.id)
        .sort(),
    );
  });
});

describe("report merge", () => {
  it("merges both shards' reports into one, with JUnit and a step summary", async () => {
    const out = path.join(root, "merged");
    const stepSummary = path.join(root, "step-summary.md");
    await writeFile(stepSummary, "earlier step\n");
    process.env.GITHUB_STEP_SUMMARY = stepSummary;
    const r = await cli("report", "merge", path.join(root, "reports-shard-1"), path.join(root, "reports-shard-2"), "--out", out);
    expect(r.code, r.stderr).toBe(1); // a cell failed
    expect(r.stdout).toContain(`merged 2 reports of merge: ${matrix.cells.length} cells`);

    const all = shards.flatMap((s) => s.results);
    const merged = await readJson(path.join(out, "report.json"));
    const fromShards = (await Promise.all(shards.map((s) => readJson(path.join(s.dir, "report.json"))))).flatMap((j) => j.cells);
    expect(merged.cells.map((c) => c.id)).toEqual(all.map((x) => x.id).sort());
    for (const c of merged.cells) expect(c).toEqual(fromShards.find((x) => x.id === c.id));
    expect(merged.summary).toEqual({
      cells: all.length,
      passed: fromShards.filter((c) => c.passed).length,
      failed: fromShards.filter((c) => !c.passed).length,
    });
    expect(merged.startedAt).toBe("2026-01-01T00:01:00.000Z");
    expect(merged.seconds).toBe(90); // shard 1 starts at 00:01, shard 2 ends at 00:02:30

    // The merged JUnit holds exactly the shards' suites, case for case.
    const xml = readJunit(await readFile(path.join(out, "report.xml"), "utf8"));
    const shardSuites = (
      await Promise.all(shards.map(async (s) => readJunit(await readFile(path.join(s.dir, "report.xml"), "utf8"))))
    ).flatMap((d) => d.suites);
    expect(xml.suites.map((s) => s.name).sort()).toEqual(shardSuites.map((s) => s.name).sort());
    for (const s of xml.suites) expect(s).toEqual(shardSuites.find((x) => x.name === s.name));

    const md = await readFile(path.join(out, "summary.md"), "utf8");
    for (const c of merged.cells) expect(md).toMatch(new RegExp(`^\\| ${c.passed ? "✅" : "❌"} \\| \`${c.id}\` \\|`, "m"));
    expect(md).toContain("### Failures");
    for (const line of BROKEN_LOG) expect(md).toContain(`\n${line}\n`);
    expect(await readFile(stepSummary, "utf8")).toBe(`earlier step\n${md}`);
  });

  it("drops an identical copy (a report downloaded twice, or merged again)", async () => {
    const first = path.join(root, "merged-once");
    await cli("report", "merge", root, "--out", first);
    delete process.env.GITHUB_STEP_SUMMARY;
    const again = path.join(root, "merged-again");
    const r = await cli("report", "merge", first, path.join(root, "reports-shard-1"), "--out", again);
    expect(r.stderr).toBe("");
    expect((await readJson(path.join(again, "report.json"))).cells).toEqual((await readJson(path.join(first, "report.json"))).cells);
  });

  it("refuses two different results for one cell, naming both files", async () => {
    const bad = path.join(root, "conflict");
    const j = await readJson(path.join(shards[0]!.dir, "report.json"));
    j.cells[0]!.logFile = "elsewhere.log";
    await mkdir(bad, { recursive: true });
    await writeFile(path.join(bad, "report.json"), JSON.stringify(j));
    const r = await cli("report", "merge", shards[0]!.dir, bad, "--out", path.join(root, "never"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${path.join(bad, "report.json")}: cells[0]: cell ${j.cells[0]!.id} has another result in ${path.join(shards[0]!.dir, "report.json")}`,
    );
  });

  it.each([
    ["another matrix", (j: Record<string, unknown>) => ({ ...j, matrix: "other" }), /matrix: is other .*only one matrix's shards merge/],
    ["a report of another schema", (j: Record<string, unknown>) => ({ ...j, schemaVersion: 2 }), /schemaVersion: /],
    ["a cell without its build", (j: Record<string, unknown>) => ({ ...j, cells: [{ id: "x" }] }), /cells\[0\]\.image: /],
  ])("refuses %s (exit 2)", async (_what, change, message) => {
    const dir = await mkdtemp(path.join(root, "bad-"));
    const j = await readJson(path.join(shards[1]!.dir, "report.json"));
    await writeFile(path.join(dir, "report.json"), JSON.stringify(change(j as unknown as Record<string, unknown>)));
    const r = await cli("report", "merge", shards[0]!.dir, dir, "--out", path.join(root, "never"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("refuses a file that is not JSON and a folder without reports", async () => {
    const dir = await mkdtemp(path.join(root, "broken-"));
    await appendFile(path.join(dir, "report.json"), "{ not json");
    const bad = await cli("report", "merge", dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${path.join(dir, "report.json")}: not JSON`);
    const empty = await mkdtemp(path.join(root, "empty-"));
    const none = await cli("report", "merge", empty);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`no report.json under ${empty}`);
  });
});
