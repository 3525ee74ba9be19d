// The benchmark's synthetic matrix (src/bench/synthetic.ts): 2 OS x 2 releases x 25 option
// sets x 10 fd_setsize values = 1,000 valid cells, expanded and rendered quickly.
import { beforeAll, describe, expect, it } from "vitest";
import { syntheticMatrix } from "../../src/bench/synthetic.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { makeRenderer, type Templates } from "../../src/core/render/dockerfile.js";
import { loadTemplates } from "../../src/io/fs/templates.js";

describe("syntheticMatrix", () => {
  let templates: Templates;
  beforeAll(async () => {
    templates = await loadTemplates();
  });

  it("is the same text every time", () => {
    expect(syntheticMatrix()).toBe(syntheticMatrix());
  });

  it("expands to exactly 1000 valid cells with unique ids", () => {
    const { matrix, cells } = prepareMatrix(syntheticMatrix(), "synthetic.yaml");
    expect(matrix.name).toBe("synthetic");
    expect(cells).toHaveLength(1000);
    expect(new Set(cells.map((c) => c.cell.id)).size).toBe(1000);
    expect(new Set(cells.map((c) => c.image)).size).toBe(1000);
    // Every combination of the four axes is there once.
    expect(new Set(cells.map((c) => c.cell.os))).toEqual(new Set(["debian:bookworm", "debian:trixie"]));
    expect(new Set(cells.map((c) => c.cell.postfix.version))).toEqual(new Set(["3.10.13", "3.7.11"]));
    expect(new Set(cells.map((c) => c.cell.optionsName)).size).toBe(25);
    expect(new Set(cells.map((c) => c.cell.options.fd_setsize))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => 1024 * (i + 1))));
    const combos = new Set(cells.map((c) => [c.cell.os, c.cell.postfix.version, c.cell.optionsName, c.cell.options.fd_setsize].join("|")));
    expect(combos.size).toBe(1000);
    // The fd_setsize axis reaches make makefiles.
    for (const c of cells)
      expect(c.recipe.makefiles.find((w) => w.startsWith("CCARGS="))).toContain(`-DFD_SETSIZE=${c.cell.options.fd_setsize}`);
  });

  it("expanding and rendering all 1000 cells takes under 2000 ms", () => {
    const t0 = performance.now();
    const { cells } = prepareMatrix(syntheticMatrix(), "synthetic.yaml");
    const t1 = performance.now();
    const render = makeRenderer(templates);
    const texts = cells.map((c) => render(c.recipe));
    const t2 = performance.now();
    console.log(
      `synthetic: expand ${(t1 - t0).toFixed(0)} ms, render ${(t2 - t1).toFixed(0)} ms, total ${(t2 - t0).toFixed(0)} ms for ${cells.length} cells`,
    );
    expect(texts).toHaveLength(1000);
    for (const [i, t] of texts.entries()) expect(t).toContain(`for cell ${cells[i]!.cell.id}.`);
    expect(t2 - t0).toBeLessThan(2000);
  });
});
