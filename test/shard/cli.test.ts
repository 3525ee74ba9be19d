// `matrix --github [--shards N]` and `run --shard K/N`, through the CLI (no engine: `matrix`
// never needs one, and `run --dry-run` stops before it).
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { syntheticMatrix } from "../../src/bench/synthetic.js";
import { GITHUB_MAX_JOBS } from "../../src/core/shard/github.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { shardCellOf } from "../../src/core/shard/select.js";
import { chainsOf } from "../../src/core/shard/work.js";
import { cli } from "../cli/run-cli.js";
import { DEFAULT_MATRIX_FILE, defaultMatrixText } from "../core/helpers.js";

const cells = prepareMatrix(defaultMatrixText(), DEFAULT_MATRIX_FILE).cells;
const chains = chainsOf(cells.map(shardCellOf)).length;

interface Entry {
  shard: string;
  name: string;
  cells: number;
  work: number;
}

async function githubJson(...args: string[]): Promise<{ include: Entry[] }> {
  const r = await cli("matrix", DEFAULT_MATRIX_FILE, "--github", ...args);
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout.trim().split("\n")).toHaveLength(1);
  return JSON.parse(r.stdout) as { include: Entry[] };
}

/** How many cells `run --shard` would build, from its dry-run plan. */
async function dryRunCount(shard: string): Promise<number> {
  const r = await cli("run", DEFAULT_MATRIX_FILE, "--shard", shard, "--dry-run");
  expect(r.code, r.stderr).toBe(0);
  return Number(/^(\d+) cells:/.exec(r.stdout)![1]);
}

describe("matrix --github", () => {
  it("prints one include entry per shard, on one line, with a readable name", async () => {
    const m = await githubJson("--shards", "4");
    expect(m.include.map((e) => e.shard)).toEqual(["1/4", "2/4", "3/4", "4/4"]);
    for (const e of m.include) {
      expect(e.name).toMatch(new RegExp(`^${e.shard.replace("/", "\\/")} \\(${e.cells} cells?\\): debian-`));
      expect(e.work).toBeGreaterThan(0);
    }
    expect(m.include.reduce((s, e) => s + e.cells, 0)).toBe(cells.length);
  });

  it("makes one shard per compile chain without --shards", async () => {
    expect((await githubJson()).include).toHaveLength(chains);
  });

  it("each entry's shard is what run --shard takes, and the shards' cells add up to the matrix", async () => {
    const m = await githubJson("--shards", "3");
    const counts: number[] = [];
    // One at a time: cli() swaps process.stdout.write while it runs.
    for (const e of m.include) counts.push(await dryRunCount(e.shard));
    expect(counts).toEqual(m.include.map((e) => e.cells));
  });

  it(`refuses more than ${GITHUB_MAX_JOBS} jobs, clearly`, async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-shard-"));
    const file = path.join(dir, "big.yaml");
    await writeFile(file, syntheticMatrix(1000));
    const none = await cli("matrix", file, "--github");
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/\d+ shards would be \d+ jobs; GitHub Actions runs at most 256 jobs from one matrix/);
    expect(none.stderr).toContain("hint: pass --shards N (at most 256)");
    const over = await cli("matrix", file, "--github", "--shards", "257");
    expect(over.code).toBe(2);
    expect(over.stderr).toContain("hint: pass --shards 256 or fewer");
    const max = await cli("matrix", file, "--github", "--shards", "256");
    expect(max.code, max.stderr).toBe(0);
    expect((JSON.parse(max.stdout) as { include: Entry[] }).include).toHaveLength(256);
  });

  it("without --github prints each shard's cells and the balance", async () => {
    const r = await cli("matrix", DEFAULT_MATRIX_FILE, "--shards", "2");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^shard 1\/2: 4 cells, /m);
    expect(r.stdout).toMatch(/^shard 2\/2: 4 cells, /m);
    for (const c of cells) expect(r.stdout).toContain(`  ${c.cell.id}\n`);
    expect(r.stdout).toMatch(/^balance: slowest shard \/ mean = 1\.00 /m);
  });
});

describe("run --shard", () => {
  it("each of 4 shards builds its part of the matrix", async () => {
    const counts: number[] = [];
    for (const s of ["1/4", "2/4", "3/4", "4/4"]) counts.push(await dryRunCount(s));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(cells.length);
  });

  it.each([
    ["0/4", /--shard 0\/4: expected K\/N/],
    ["5/4", /--shard 5\/4: shard 5 of 4 does not exist/],
    ["a/b", /--shard a\/b: expected K\/N/],
    ["1/0", /--shard 1\/0: expected K\/N/],
    [`1/${chains + 1}`, new RegExp(`${chains + 1} shards, but the cells form only ${chains} compile chains`)],
  ])("--shard %s is a usage error (exit 2)", async (shard, message) => {
    const r = await cli("run", DEFAULT_MATRIX_FILE, "--shard", shard, "--dry-run");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("--shards 0 for matrix is a usage error", async () => {
    const r = await cli("matrix", DEFAULT_MATRIX_FILE, "--shards", "0");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--shards must be a positive whole number");
  });
});
