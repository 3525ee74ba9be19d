// groupByCell (src/core/prepare.ts): one option set's mistake shows once, naming the cells it
// breaks, instead of once per cell.
import { describe, expect, it } from "vitest";
import type { ConfigIssue } from "../../src/errors.js";
import { groupByCell, prepareMatrix } from "../../src/core/prepare.js";
import { configIssues, yamlOf } from "./helpers.js";

const P = "axes.options[0].features";
const cellIssue = (id: string, message: string, path = P, extra: Partial<ConfigIssue> = {}): ConfigIssue => ({
  file: "m.yaml",
  path,
  message: `cell ${id}: ${message}`,
  ...extra,
});

describe("groupByCell", () => {
  it("empty in, empty out", () => {
    expect(groupByCell([])).toEqual([]);
  });

  it("one cell: `cell X: ...` as it was", () => {
    const issues = [cellIssue("a-1", "bad thing")];
    expect(groupByCell(issues)).toEqual(issues);
  });

  it("two and three cells are all named", () => {
    expect(groupByCell([cellIssue("a", "bad"), cellIssue("b", "bad")])).toEqual([
      { file: "m.yaml", path: P, message: "2 cells a, b: bad" },
    ]);
    expect(groupByCell([cellIssue("a", "bad"), cellIssue("b", "bad"), cellIssue("c", "bad")])).toEqual([
      { file: "m.yaml", path: P, message: "3 cells a, b, c: bad" },
    ]);
  });

  it("beyond three: the first two and how many more", () => {
    const ids = ["a", "b", "c", "d", "e"];
    expect(groupByCell(ids.map((id) => cellIssue(id, "bad")))).toEqual([
      { file: "m.yaml", path: P, message: "5 cells a, b and 3 more: bad" },
    ]);
    expect(groupByCell(ids.slice(0, 4).map((id) => cellIssue(id, "bad")))[0]!.message).toBe("4 cells a, b and 2 more: bad");
  });

  it("a different path or a different rest of the message is a different issue", () => {
    const out = groupByCell([
      cellIssue("a", "bad"),
      cellIssue("b", "bad", "axes.options[1].features"),
      cellIssue("c", "worse"),
      cellIssue("d", "bad"),
    ]);
    expect(out.map((i) => [i.path, i.message])).toEqual([
      [P, "2 cells a, d: bad"],
      ["axes.options[1].features", "cell b: bad"],
      [P, "cell c: worse"],
    ]);
  });

  it("issues not about a cell pass through unchanged, in place", () => {
    const plain1: ConfigIssue = { file: "m.yaml", path: "axes.os[0]", message: "unknown OS", line: 3 };
    const plain2: ConfigIssue = { file: "m.yaml", path: "name", message: "bad name" };
    const out = groupByCell([plain1, cellIssue("a", "bad"), plain2, cellIssue("b", "bad")]);
    expect(out).toEqual([plain1, { file: "m.yaml", path: P, message: "2 cells a, b: bad" }, plain2]);
    expect(out[0]).toBe(plain1);
    expect(out[2]).toBe(plain2);
  });

  it("only a leading `cell <id>: ` counts", () => {
    const notLeading: ConfigIssue = { file: "m.yaml", path: P, message: "the cell a: is not a prefix here" };
    const noSpace: ConfigIssue = { file: "m.yaml", path: P, message: "cell a:bad" };
    expect(groupByCell([notLeading, noSpace])).toEqual([notLeading, noSpace]);
  });

  it("keeps the order of first appearance and the first issue's other fields", () => {
    const out = groupByCell([
      cellIssue("x", "second", P, { line: 7 }),
      cellIssue("y", "first", "other"),
      cellIssue("z", "second", P, { line: 9 }),
    ]);
    expect(out).toEqual([
      { file: "m.yaml", path: P, message: "2 cells x, z: second", line: 7 },
      { file: "m.yaml", path: "other", message: "cell y: first" },
    ]);
  });

  it("multi-line messages group by their whole rest", () => {
    const out = groupByCell([
      cellIssue("a", "line one\nline two"),
      cellIssue("b", "line one\nline two"),
      cellIssue("c", "line one\nother"),
    ]);
    expect(out.map((i) => i.message)).toEqual(["2 cells a, b: line one\nline two", "cell c: line one\nother"]);
  });

  it("does not modify its input", () => {
    const issues = [cellIssue("a", "bad"), cellIssue("b", "bad")];
    const copy = structuredClone(issues);
    groupByCell(issues);
    expect(issues).toEqual(copy);
  });

  // Only issues about a cell merge; anything else passes through in its place.
  it("an issue not about a cell is never merged into a cell issue", () => {
    const plain: ConfigIssue = { file: "m.yaml", path: P, message: "bad" };
    expect(groupByCell([plain, cellIssue("a", "bad")])).toEqual([plain, cellIssue("a", "bad")]);
  });
});

describe("through prepareMatrix", () => {
  it("one option set's mistake on every cell shows once, naming the cells", () => {
    // shlib_directory without shared: refused per cell; four cells share the option set.
    const text = yamlOf({
      name: "g",
      axes: {
        os: ["debian:bookworm", "debian:trixie"],
        postfix: ["3.10.13", "3.7.11"],
        options: [{ name: "ok" }, { name: "bad", shared: false, install_directories: { shlib_directory: "/opt/lib" } }],
      },
    });
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/^4 cells debian-bookworm-3\.10\.13-bad, debian-bookworm-3\.7\.11-bad and 2 more: /);
    expect(issues[0]!.message).toContain("shlib_directory");
  });
});
