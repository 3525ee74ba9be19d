// Shard planning (src/core/shard): every cell in exactly one shard, a compile chain never
// split, the same assignment whatever the order of the cells or of the matrix file.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { prepareMatrix } from "../../src/core/prepare.js";
import { imbalance, planShards, type Shard } from "../../src/core/shard/plan.js";
import { shardCellOf, shardsOf, selectShard } from "../../src/core/shard/select.js";
import { parseShardSpec } from "../../src/core/shard/spec.js";
import { chainsOf, type ShardCell, UNIT_SECONDS, workOf } from "../../src/core/shard/work.js";
import { UsageError } from "../../src/errors.js";
import { defaultMatrixText, yamlOf } from "../core/helpers.js";

// Fixed seed, as in test/property: a failure is reproducible.
const RUNS = { seed: 12, numRuns: 200 };

/** Cells with unique ids over small pools of dependency layers and compiles (so chains form). */
const cellsArb = fc
  .uniqueArray(fc.record({ id: fc.string({ minLength: 1, maxLength: 6 }), compile: fc.nat({ max: 11 }) }), {
    selector: (c) => c.id,
    minLength: 1,
    maxLength: 40,
  })
  // A compile key belongs to one dependency layer (the recipe hashes the layer into it).
  .map((cs) => cs.map((c): ShardCell => ({ id: c.id, deps: `d${c.compile % 5}`, compile: `c${c.compile}` })));

const withCount = cellsArb.chain((cells) =>
  fc.tuple(fc.constant(cells), fc.integer({ min: 1, max: chainsOf(cells).length }), fc.infiniteStream(fc.nat())),
);

const assignment = (shards: readonly Shard[]) => Object.fromEntries(shards.flatMap((s) => s.cells.map((id) => [id, s.index])));

describe("planShards", () => {
  it("puts every cell in exactly one shard, and no shard is empty", () => {
    fc.assert(
      fc.property(withCount, ([cells, n]) => {
        const shards = planShards(cells, n);
        expect(shards).toHaveLength(n);
        const all = shards.flatMap((s) => s.cells);
        expect([...all].sort()).toEqual(cells.map((c) => c.id).sort());
        expect(new Set(all).size).toBe(all.length);
        for (const s of shards) expect(s.cells.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it("keeps the cells of a compile key in one shard", () => {
    fc.assert(
      fc.property(withCount, ([cells, n]) => {
        const shardOf = assignment(planShards(cells, n));
        for (const c of cells) for (const o of cells) if (c.compile === o.compile) expect(shardOf[c.id]).toBe(shardOf[o.id]);
      }),
      RUNS,
    );
  });

  it("gives the same assignment for any order of the cells", () => {
    fc.assert(
      fc.property(withCount, ([cells, n, rnd]) => {
        const shuffled = [...cells]
          .map((c) => ({ c, k: rnd.next().value }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.c);
        expect(assignment(planShards(shuffled, n))).toEqual(assignment(planShards(cells, n)));
      }),
      RUNS,
    );
  });

  it("counts each shard's work as its chains plus each of its dependency layers once", () => {
    fc.assert(
      fc.property(withCount, ([cells, n]) => {
        for (const s of planShards(cells, n)) {
          expect(s.work).toBeCloseTo(workOf(s.chains));
          expect(s.deps).toBe(new Set(s.chains.map((c) => c.deps)).size);
        }
      }),
      RUNS,
    );
  });

  it("is never worse than the heaviest chain plus the mean work", () => {
    // The greedy bound: the shard that got the last chain had at most the mean before it.
    fc.assert(
      fc.property(withCount, ([cells, n]) => {
        const shards = planShards(cells, n);
        const chains = chainsOf(cells);
        const total = chains.reduce((s, c) => s + c.work + UNIT_SECONDS.deps, 0);
        const heaviest = Math.max(...chains.map((c) => c.work)) + UNIT_SECONDS.deps;
        expect(Math.max(...shards.map((s) => s.work))).toBeLessThanOrEqual(total / n + heaviest + 1e-9);
      }),
      RUNS,
    );
  });

  it.each([0, -1, 1.5])("refuses %s shards", (n) => {
    expect(() => planShards([{ id: "a", deps: "d", compile: "c" }], n)).toThrow(UsageError);
  });

  it("refuses more shards than compile chains, saying how many there are", () => {
    const cells = [
      { id: "a", deps: "d", compile: "c1" },
      { id: "b", deps: "d", compile: "c1" },
      { id: "c", deps: "d", compile: "c2" },
    ];
    expect(() => planShards(cells, 3)).toThrow(/3 shards, but the cells form only 2 compile chains/);
    expect(planShards(cells, 2).map((s) => s.cells)).toEqual([["a", "b"], ["c"]]);
  });
});

describe("matrices/default.yaml in 4 shards", () => {
  const cells = prepareMatrix(defaultMatrixText(), "default.yaml").cells;
  const shards = shardsOf(cells, 4);

  it("balances the distinct work: each shard builds one dependency layer and two compiles", () => {
    for (const s of shards) {
      expect(s.deps).toBe(1);
      expect(s.chains).toHaveLength(2);
    }
    expect(imbalance(shards)).toBeLessThanOrEqual(1.3);
  });

  it("selectShard keeps the file's order and the shards together are the matrix", () => {
    const picked = [1, 2, 3, 4].map((index) => selectShard(cells, { index, count: 4 }));
    for (const p of picked) expect(p).toEqual(cells.filter((c) => p.includes(c)));
    expect(
      picked
        .flat()
        .map((c) => c.cell.id)
        .sort(),
    ).toEqual(cells.map((c) => c.cell.id).sort());
  });

  it("is the same for any order of the axes' values and option sets in the file", () => {
    const doc = parse(defaultMatrixText()) as { axes: Record<string, unknown[]> };
    const axes = doc.axes;
    const perm = <T>(xs: readonly T[]) => fc.shuffledSubarray([...xs], { minLength: xs.length, maxLength: xs.length });
    const arb = fc.record({ os: perm(axes.os!), postfix: perm(axes.postfix!), options: perm(axes.options!) });
    const want = assignment(shards);
    fc.assert(
      fc.property(arb, (order) => {
        const text = yamlOf({ ...doc, axes: { ...axes, ...order } });
        const again = prepareMatrix(text, "default.yaml").cells;
        expect(assignment(planShards(again.map(shardCellOf), 4))).toEqual(want);
      }),
      { seed: 12, numRuns: 30 },
    );
  });
});

describe("parseShardSpec", () => {
  it.each([
    ["1/4", 1, 4],
    ["4/4", 4, 4],
    ["1/1", 1, 1],
    [" 2/3 ", 2, 3],
  ])("%s is shard %i of %i", (text, index, count) => {
    expect(parseShardSpec(text)).toEqual({ index, count });
  });

  it.each([
    ["0/4", /expected K\/N/],
    ["5/4", /shard 5 of 4 does not exist/],
    ["a/b", /expected K\/N/],
    ["1/0", /expected K\/N/],
    ["-1/4", /expected K\/N/],
    ["1/4/2", /expected K\/N/],
    ["1", /expected K\/N/],
    ["", /expected K\/N/],
    ["1.5/4", /expected K\/N/],
  ])("refuses %j", (text, message) => {
    expect(() => parseShardSpec(text)).toThrow(UsageError);
    expect(() => parseShardSpec(text)).toThrow(message);
  });
});
