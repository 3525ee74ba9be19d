// Placing compile chains on the engines of a pool: a chain never spans engines, every chain is
// placed once, work follows speed, and what an engine has (images, base images) counts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type EngineInventory, placeChains, placementSpread, poolChainsOf, TRANSFER_SECONDS } from "../../src/core/pool/placement.js";
import { UNIT_SECONDS } from "../../src/core/shard/work.js";

const cell = (id: string, compile: string, base = "debian:bookworm") => ({ id, compile, deps: `deps-${base}`, baseImage: base });
const engine = (name: string, o: Partial<EngineInventory> = {}): EngineInventory => ({
  name,
  speed: 1,
  bases: new Set(["debian:bookworm", "debian:trixie"]),
  builtCells: new Set(),
  compiled: new Set(),
  ...o,
});

const owner = (p: ReturnType<typeof placeChains>) =>
  new Map(p.flatMap((x) => x.chains.flatMap((c) => c.cells.map((id) => [id, x.engine] as const))));

describe("placeChains", () => {
  it("keeps a chain on one engine and splits separate chains", () => {
    const chains = poolChainsOf([cell("a1", "A"), cell("a2", "A"), cell("a3", "A"), cell("b", "B"), cell("c", "C")]);
    const placed = owner(placeChains(chains, [engine("e1"), engine("e2")]));
    expect(new Set(["a1", "a2", "a3"].map((id) => placed.get(id))).size).toBe(1);
    expect(placed.get("b")).not.toBe(placed.get("a1"));
  });

  it("puts a chain where its images already are (it costs nothing there)", () => {
    const chains = poolChainsOf([cell("a", "A"), cell("b", "B"), cell("c", "C"), cell("d", "D")]);
    const p = placeChains(chains, [engine("e1"), engine("e2", { builtCells: new Set(["a", "b", "c"]) })]);
    expect(owner(p).get("a")).toBe("e2");
    expect(owner(p).get("c")).toBe("e2");
    expect(owner(p).get("d")).toBe("e1");
    expect(p.find((x) => x.engine === "e2")!.work).toBe(0);
  });

  it("puts a chain where its compile is cached: there it costs installs only, no dependency layer", () => {
    const chains = poolChainsOf([cell("a1", "A"), cell("a2", "A"), cell("b", "B")]);
    const p = placeChains(chains, [engine("e1"), engine("e2", { compiled: new Set(["A"]) })]);
    expect(owner(p).get("a1")).toBe("e2");
    expect(owner(p).get("b")).toBe("e1");
    expect(p.find((x) => x.engine === "e2")!.work).toBe(2 * (UNIT_SECONDS.install + UNIT_SECONDS.verify));
  });

  it("counts only the cells of a chain an engine has not built", () => {
    const chains = poolChainsOf([cell("a1", "A"), cell("a2", "A")]);
    const p = placeChains(chains, [engine("e1", { builtCells: new Set(["a1"]), compiled: new Set(["A"]) })]);
    expect(p[0]!.work).toBe(UNIT_SECONDS.install + UNIT_SECONDS.verify);
  });

  it("prefers the engine that has the base image; a missing base is listed for transfer", () => {
    const chains = poolChainsOf([cell("t", "T", "debian:trixie")]);
    const p = placeChains(chains, [engine("e1", { bases: new Set(["debian:bookworm"]) }), engine("e2")]);
    expect(owner(p).get("t")).toBe("e2");
    const forced = placeChains(chains, [engine("e1", { bases: new Set() })]);
    expect(forced[0]!.missingBases).toEqual(["debian:trixie"]);
    expect(forced[0]!.work).toBe(UNIT_SECONDS.compile + UNIT_SECONDS.install + UNIT_SECONDS.verify + UNIT_SECONDS.deps + TRANSFER_SECONDS);
  });

  it("keeps cells of one base together when that balances equally (one dependency layer each)", () => {
    const cells = ["b1", "b2", "b3", "b4"]
      .map((id) => cell(id, id))
      .concat(["t1", "t2", "t3", "t4"].map((id) => cell(id, id, "debian:trixie")));
    const p = placeChains(poolChainsOf(cells), [engine("e1"), engine("e2")]);
    expect(p.map((x) => x.chains.length)).toEqual([4, 4]);
    expect(placementSpread(p, [engine("e1"), engine("e2")])).toBeLessThan(1.1);
  });

  it("gives a faster engine more work", () => {
    const cells = Array.from({ length: 9 }, (_, i) => cell(`c${i}`, `K${i}`));
    const p = placeChains(poolChainsOf(cells), [engine("slow", { speed: 1 }), engine("fast", { speed: 2 })]);
    const n = (e: string) => p.find((x) => x.engine === e)!.chains.length;
    expect(n("fast")).toBeGreaterThan(n("slow"));
  });

  it("property: every chain on exactly one engine, whatever the order of the cells", () => {
    // A compile key implies its base image (the dependency layer is part of it), as in a real plan.
    const arb = fc.uniqueArray(fc.record({ id: fc.uuid(), compile: fc.constantFrom("A", "B", "C", "D", "E", "F") }), {
      minLength: 1,
      maxLength: 40,
      selector: (c) => c.id,
    });
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 5 }), (raw, n) => {
        const cells = raw.map((r) => cell(r.id, r.compile, "ACE".includes(r.compile) ? "debian:bookworm" : "debian:trixie"));
        const engines = Array.from({ length: n }, (_, i) => engine(`e${i}`));
        const p = placeChains(poolChainsOf(cells), engines);
        const placed = p.flatMap((x) => x.chains.flatMap((c) => c.cells));
        expect(placed.sort()).toEqual(cells.map((c) => c.id).sort());
        const byCompile = new Map<string, Set<string>>();
        for (const x of p) for (const c of x.chains) byCompile.set(c.compile, new Set([...(byCompile.get(c.compile) ?? []), x.engine]));
        for (const s of byCompile.values()) expect(s.size).toBe(1);
        const again = placeChains(poolChainsOf([...cells].reverse()), engines);
        expect(owner(again)).toEqual(owner(p));
      }),
      { seed: 12, numRuns: 150 },
    );
  });
});
