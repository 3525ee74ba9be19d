// Build planning: which cells share a dependency layer, a compile, or an install
// (src/core/plan/plan.ts). Keys come from the recipes; the plan only groups by them.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compileChains, formatPlan, planCells } from "../../src/core/plan/plan.js";
import { prepareMatrix, type PreparedCell } from "../../src/core/prepare.js";
import { REPO, yamlOf } from "./helpers.js";

const fromDisk = (file: string) => prepareMatrix(readFileSync(path.join(REPO, file), "utf8"), file).cells;
const ids = (cells: readonly PreparedCell[]) => cells.map((c) => c.cell.id);
const byOptions = (cells: readonly PreparedCell[], name: string) => {
  const c = cells.find((x) => x.cell.optionsName === name);
  if (!c) throw new Error(`test bug: no cell with options ${name}`);
  return c;
};

/** One OS and release by default; option sets given inline. */
function inline(options: Record<string, unknown>[], axes: { os?: string[]; postfix?: string[] } = {}): PreparedCell[] {
  const text = yamlOf({
    name: "inline",
    axes: { os: axes.os ?? ["debian:bookworm"], postfix: axes.postfix ?? ["3.10.13"], options },
  });
  return prepareMatrix(text, "inline.yaml").cells;
}

describe("bench/layouts-bench.yaml: one compile, five install layouts", () => {
  const cells = fromDisk("bench/layouts-bench.yaml");
  const plan = planCells(cells);

  it("has 1 dependency layer, 1 compile and 5 installs", () => {
    expect(cells).toHaveLength(5);
    expect(plan.deps).toHaveLength(1);
    expect(plan.compiles).toHaveLength(1);
    expect(plan.installs).toHaveLength(5);
    expect(plan.deps[0]!.cells).toEqual(ids(cells));
    expect(plan.compiles[0]!.cells).toEqual(ids(cells));
    for (const g of plan.installs) expect(g.cells).toHaveLength(1);
  });

  it("group keys are the recipes' keys", () => {
    expect(plan.deps[0]!.key).toBe(cells[0]!.recipe.keys.deps);
    expect(plan.compiles[0]!.key).toBe(cells[0]!.recipe.keys.compile);
    expect(plan.installs.map((g) => g.key)).toEqual(cells.map((c) => c.recipe.keys.install));
  });

  it("compileChains builds all five one after another, in matrix order", () => {
    const chains = compileChains(cells);
    expect(chains).toHaveLength(1);
    expect(ids(chains[0]!)).toEqual(ids(cells));
    // The chain holds the prepared cells themselves, not copies.
    chains[0]!.forEach((c, i) => {
      expect(c).toBe(cells[i]);
    });
  });

  it("formatPlan prints the counts and the shared groups", () => {
    const text = formatPlan(plan, cells.length);
    const lines = text.split("\n");
    expect(lines[0]).toBe("5 cells: 1 dependency layers, 1 compiles, 5 installs");
    const sharedLine = `shared by 5: ${ids(cells).join(", ")}`;
    const depsAt = lines.indexOf("dependency layers");
    const compilesAt = lines.indexOf("compiles");
    expect(depsAt).toBeGreaterThan(0);
    expect(compilesAt).toBeGreaterThan(depsAt);
    expect(lines[depsAt + 1]).toBe(`  ${plan.deps[0]!.key}  ${sharedLine}`);
    expect(lines[compilesAt + 1]).toBe(`  ${plan.compiles[0]!.key}  ${sharedLine}`);
    // Install groups are counted, never listed (none of them is shared anyway).
    for (const g of plan.installs) expect(text).not.toContain(g.key);
  });
});

describe("matrices/layouts.yaml", () => {
  const cells = fromDisk("matrices/layouts.yaml");
  const plan = planCells(cells);
  // "The next four share one compile (upstream's): only `make upgrade` differs."
  const upstreamChain = ["upstream", "install-debian", "install-opt", "install-shlib-moved", "install-versioned"];
  const ownCompile = ["versioned-shlib", "debian", "fedora", "versioned-all"];

  it("cells differing only in install_directories share upstream's compile", () => {
    const keys = upstreamChain.map((n) => byOptions(cells, n).recipe.keys);
    expect(new Set(keys.map((k) => k.compile)).size).toBe(1);
    expect(new Set(keys.map((k) => k.install)).size).toBe(upstreamChain.length);
  });

  it("compile-time layouts each compile on their own, on the one dependency layer", () => {
    const upstream = byOptions(cells, "upstream").recipe.keys;
    const keys = ownCompile.map((n) => byOptions(cells, n).recipe.keys);
    for (const k of keys) {
      expect(k.deps).toBe(upstream.deps);
      expect(k.compile).not.toBe(upstream.compile);
    }
    expect(new Set(keys.map((k) => k.compile)).size).toBe(ownCompile.length);
  });

  it("counts 1 dependency layer, 5 compiles, 9 installs", () => {
    expect(cells).toHaveLength(9);
    expect(formatPlan(plan, cells.length).split("\n")[0]).toBe("9 cells: 1 dependency layers, 5 compiles, 9 installs");
  });

  it("compileChains: one chain per compile key, first appearance order, cell order kept", () => {
    const chains = compileChains(cells);
    expect(chains).toHaveLength(5);
    expect(chains.map((ch) => ch[0]!.cell.optionsName)).toEqual(["upstream", ...ownCompile]);
    expect(chains[0]!.map((c) => c.cell.optionsName)).toEqual(upstreamChain);
    for (const ch of chains.slice(1)) expect(ch).toHaveLength(1);
    // Every cell is in exactly one chain, all of whose cells share its compile key.
    expect(
      chains
        .flat()
        .map((c) => c.cell.id)
        .sort(),
    ).toEqual(ids(cells).sort());
    for (const ch of chains) expect(new Set(ch.map((c) => c.recipe.keys.compile)).size).toBe(1);
    // compileChains and planCells agree.
    expect(chains.map((ch) => ids(ch))).toEqual(plan.compiles.map((g) => g.cells));
  });

  it("formatPlan lists only the shared compile group", () => {
    const text = formatPlan(plan, cells.length);
    const shared = plan.compiles.filter((g) => g.cells.length > 1);
    expect(shared).toHaveLength(1);
    expect(text).toContain(`  ${shared[0]!.key}  shared by 5: ${shared[0]!.cells.join(", ")}`);
    for (const g of plan.compiles.filter((x) => x.cells.length === 1)) expect(text).not.toContain(g.key);
  });
});

describe("inline matrices", () => {
  it("different features -> different dependency layers (and nothing shared)", () => {
    const cells = inline([{ name: "plain" }, { name: "tls", features: ["tls"] }, { name: "ldap", features: ["ldap"] }]);
    const plan = planCells(cells);
    expect(new Set(cells.map((c) => c.recipe.keys.deps)).size).toBe(3);
    expect(plan.deps).toHaveLength(3);
    expect(plan.compiles).toHaveLength(3);
    expect(plan.installs).toHaveLength(3);
    const text = formatPlan(plan, cells.length);
    expect(text.split("\n")).toEqual([
      "3 cells: 3 dependency layers, 3 compiles, 3 installs",
      "",
      "dependency layers: none shared",
      "",
      "compiles: none shared",
    ]);
  });

  it("different OS -> different dependency layers", () => {
    const cells = inline([{ name: "plain" }], { os: ["debian:bookworm", "debian:trixie"] });
    expect(cells).toHaveLength(2);
    expect(planCells(cells).deps).toHaveLength(2);
  });

  it("different releases share the dependency layer but not the compile", () => {
    const cells = inline([{ name: "plain", features: ["pcre"] }], { postfix: ["3.10.13", "3.7.11"] });
    expect(cells).toHaveLength(2);
    const plan = planCells(cells);
    expect(plan.deps).toEqual([{ key: cells[0]!.recipe.keys.deps, cells: ids(cells) }]);
    expect(plan.compiles).toHaveLength(2);
    expect(plan.installs).toHaveLength(2);
    const text = formatPlan(plan, 2);
    expect(text).toContain(`  ${plan.deps[0]!.key}  shared by 2: ${ids(cells).join(", ")}`);
    expect(text).toContain("compiles: none shared");
    expect(text).not.toContain("dependency layers: none shared");
  });

  it("different make makefiles arguments share deps, not the compile", () => {
    const cells = inline([{ name: "a" }, { name: "b", opt: "-O1" }]);
    const plan = planCells(cells);
    expect(plan.deps).toHaveLength(1);
    expect(plan.compiles).toHaveLength(2);
  });

  it("cells differing only in install_directories share a compile chain", () => {
    const cells = inline([
      { name: "a", features: ["pcre"] },
      { name: "b", features: ["pcre"], install_directories: { daemon_directory: "/usr/lib/postfix/sbin" } },
      { name: "c", features: ["tls"] },
      { name: "d", features: ["pcre"], install_directories: { manpage_directory: "/usr/share/man" } },
    ]);
    const chains = compileChains(cells);
    expect(chains.map((ch) => ch.map((c) => c.cell.optionsName))).toEqual([["a", "b", "d"], ["c"]]);
    const plan = planCells(cells);
    expect(plan.installs).toHaveLength(4);
    expect(formatPlan(plan, 4).split("\n")[0]).toBe("4 cells: 2 dependency layers, 2 compiles, 4 installs");
  });

  it("identically built option sets share everything, the install too", () => {
    const cells = inline([
      { name: "a", features: ["pcre"] },
      { name: "b", features: ["pcre"] },
    ]);
    const plan = planCells(cells);
    expect(plan.installs).toEqual([{ key: cells[0]!.recipe.keys.install, cells: ids(cells) }]);
    expect(formatPlan(plan, 2).split("\n")[0]).toBe("2 cells: 1 dependency layers, 1 compiles, 1 installs");
  });

  it("no cells: empty plan, no chains", () => {
    expect(planCells([])).toEqual({ deps: [], compiles: [], installs: [] });
    expect(compileChains([])).toEqual([]);
    expect(formatPlan(planCells([]), 0).split("\n")[0]).toBe("0 cells: 0 dependency layers, 0 compiles, 0 installs");
  });
});
