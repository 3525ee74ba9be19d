// `--only` terms: cell ids (OR) and axis=value pairs (AND).
import { describe, expect, it } from "vitest";
import { filterCells } from "../../src/cli/filter.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { UsageError } from "../../src/errors.js";
import { defaultMatrixText, yamlOf } from "./helpers.js";

const cells = prepareMatrix(defaultMatrixText(), "matrices/default.yaml").cells;
const ids = (xs: { cell: { id: string } }[]) => xs.map((c) => c.cell.id);
const where = (pred: (v: Record<string, string>) => boolean) => ids(cells.filter((c) => pred(c.cell.values)));

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error("expected a UsageError");
}

describe("filterCells", () => {
  it.each([[undefined], [[] as string[]]])("no terms (%j) keep every cell", (only) => {
    expect(filterCells(cells, only)).toBe(cells);
  });

  it("a cell id picks that cell", () => {
    const id = cells[3]!.cell.id;
    expect(ids(filterCells(cells, [id]))).toEqual([id]);
  });

  it("several ids OR together, in matrix order", () => {
    const [a, b] = [cells[5]!.cell.id, cells[1]!.cell.id];
    expect(ids(filterCells(cells, [a, b]))).toEqual([b, a]);
  });

  it.each([
    [["os=debian:trixie"], (v: Record<string, string>) => v.os === "debian:trixie"],
    [["postfix=3.7.11"], (v: Record<string, string>) => v.postfix === "3.7.11"],
    [["options=shared-tls-pcre"], (v: Record<string, string>) => v.options === "shared-tls-pcre"],
    [["os=debian:bookworm", "options=defaults"], (v: Record<string, string>) => v.os === "debian:bookworm" && v.options === "defaults"],
  ])("%j picks the cells with those values (AND)", (only, pred) => {
    const want = where(pred);
    expect(want.length).toBeGreaterThan(0);
    expect(ids(filterCells(cells, only))).toEqual(want);
  });

  it("ids and pairs combine: an id must also satisfy the pairs", () => {
    const bookwormDefault = cells.find((c) => c.cell.values.os === "debian:bookworm")!.cell.id;
    const trixie = cells.find((c) => c.cell.values.os === "debian:trixie")!.cell.id;
    expect(ids(filterCells(cells, [bookwormDefault, trixie, "os=debian:trixie"]))).toEqual([trixie]);
  });

  it("an unknown axis is a UsageError naming the axes", () => {
    const e = usageError(() => filterCells(cells, ["arch=arm64"]));
    expect(e.message).toContain("no axis named arch");
    expect(e.message).toContain("axes are os, postfix, options");
    expect(e.exitCode).toBe(2);
  });

  it.each([[["nope"]], [["postfix=9.9.9"]], [["os=debian:trixie", "os=debian:bookworm"]]])(
    "%j selecting nothing is a UsageError listing the cells",
    (only) => {
      const e = usageError(() => filterCells(cells, only));
      expect(e.message).toContain("selects no cell");
      for (const c of cells) expect(e.message).toContain(`\n  ${c.cell.id}`);
    },
  );

  it("an axis that only some cells have is accepted", () => {
    const text = yamlOf({
      axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], pie: [true] },
      include: [{ os: "debian:trixie", postfix: "3.10.13" }],
    });
    const mixed = prepareMatrix(text, "m.yaml").cells;
    expect(ids(filterCells(mixed, ["pie=true"]))).toEqual([mixed[0]!.cell.id]);
  });

  // Labels of object-valued axes contain `=`: everything after the first `=` is the value.
  it("a value containing `=` is kept whole", () => {
    const text = yamlOf({
      axes: {
        os: ["debian:bookworm"],
        postfix: ["3.10.13"],
        compile_directories: [{ daemon_directory: "/usr/libexec/postfix" }, { daemon_directory: "/usr/lib/postfix/sbin" }],
      },
    });
    const dirs = prepareMatrix(text, "m.yaml").cells;
    expect(dirs[0]!.cell.values.compile_directories).toBe("daemon_directory=/usr/libexec/postfix");
    expect(ids(filterCells(dirs, ["compile_directories=daemon_directory=/usr/libexec/postfix"]))).toEqual([dirs[0]!.cell.id]);
  });
});
