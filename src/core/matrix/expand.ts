// Axes -> cells, with GitHub Actions' include/exclude semantics:
// - the cells are the cartesian product of the axes, in axis order;
// - each `exclude` entry removes the cells whose axis values match all of its keys;
// - then each `include` entry is merged into every remaining product cell whose axis values it
//   does not contradict (its non-axis keys are build options added to, or overriding earlier
//   includes in, those cells); an entry that matches no cell becomes a cell of its own.
import { createHash } from "node:crypto";
import { ConfigError, type ConfigIssue } from "../../errors.js";
import { Interner } from "../intern.js";
import type { AxisValue, Cell, Matrix, MatchEntry, Origins } from "./model.js";
import type { BuildOptions, OptionFieldName, OptionSet } from "./schema.js";

interface Draft {
  values: Map<string, AxisValue>;
  includes: MatchEntry[];
  /** Set when the cell exists only because of an include entry. */
  standalone?: MatchEntry;
}

/** Cells one matrix may have: counted from the axes before anything is expanded. */
export const MAX_CELLS = 100_000;

/** `lineOf` finds the file line of a field path, so that every issue names one. */
export function expandMatrix(m: Matrix, lineOf?: (path: string) => number | undefined): Cell[] {
  return [...expandCells(m, lineOf)];
}

/**
 * The cells one at a time, so a large matrix never holds its whole product twice over. Every
 * issue is thrown together once all cells are through (a size limit at once).
 */
export function* expandCells(m: Matrix, lineOf?: (path: string) => number | undefined): Generator<Cell> {
  const issues: ConfigIssue[] = [];
  const fail = (): never => {
    throw new ConfigError(issues.map((i) => ({ ...i, line: lineOf?.(i.path) })));
  };
  const tooMany = (path: string, count: string, sizes = "") => {
    issues.push({
      file: m.file,
      path,
      message: `the ${path === "axes" ? "axes make" : "matrix expands to"} ${count} cells${sizes}, more than the limit of ${MAX_CELLS.toLocaleString("en")}${path === "axes" ? ": split the matrix, or use fewer values per axis" : ""}`,
    });
    fail();
  };
  const product = m.axes.reduce((n, a) => n * BigInt(a.values.length), 1n);
  if (product > BigInt(MAX_CELLS))
    tooMany("axes", product.toLocaleString("en"), ` (${m.axes.map((a) => `${a.key} ${a.values.length}`).join(" x ")})`);
  const ids = new Map<string, Cell>();
  let count = 0;
  const emit = (c: Cell): Cell => {
    if (++count > MAX_CELLS) tooMany("include", `more than ${MAX_CELLS.toLocaleString("en")}`);
    const first = ids.get(c.id);
    if (first) {
      issues.push({
        file: m.file,
        path: c.at.os.startsWith("include") ? c.at.os.replace(/\.os$/, "") : "axes",
        message: `two cells would be named ${c.id} (their axis values slug to the same name: ${describeCell(first)} and ${describeCell(c)}); make the values, or the include entries' \`options\` names, distinct`,
      });
    }
    ids.set(c.id, c);
    return c;
  };
  const hit = new Set<MatchEntry>();
  const shared = new Interner();
  for (const values of product_(m)) {
    const d: Draft = { values, includes: [] };
    if (m.exclude.some((e) => matches(e, d))) continue;
    d.includes = m.include.filter((entry) => matches(entry, d));
    for (const e of d.includes) hit.add(e);
    yield emit(toCell(m, d, shared));
  }
  for (const entry of m.include) {
    if (hit.has(entry)) continue;
    if (!entry.os || !entry.postfix) {
      issues.push({
        file: m.file,
        path: entry.path,
        message: "matches no cell, so it makes a new one, which needs both `os` and `postfix`",
      });
    } else {
      yield emit(toCell(m, { values: new Map(), includes: [entry], standalone: entry }, shared));
    }
  }
  if (count === 0)
    issues.push({
      file: m.file,
      path: m.exclude.length > 0 ? "exclude" : "axes",
      message: "the matrix expands to no cells (the excludes remove every one)",
    });
  if (issues.length > 0) fail();
}

/** The cartesian product of the axes, in axis order (the last axis changes fastest). */
function* product_(m: Matrix): Generator<Map<string, AxisValue>> {
  const sizes = m.axes.map((a) => a.values.length);
  if (sizes.some((n) => n === 0)) return;
  const at = sizes.map(() => 0);
  for (;;) {
    yield new Map(m.axes.map((a, i) => [a.key, a.values[at[i]!]!] as const));
    let i = at.length - 1;
    while (i >= 0 && ++at[i]! === sizes[i]) at[i--] = 0;
    if (i < 0) return;
  }
}

const describeCell = (c: Cell) =>
  Object.entries(c.values)
    .map(([k, v]) => `${k}=${v.slice(0, 40)}`)
    .join(" ");

function matches(e: MatchEntry, d: Draft): boolean {
  // Keys that are not axes of this matrix are added values: they never prevent a match.
  return Object.entries(e.match).every(([k, label]) => !d.values.has(k) || d.values.get(k)!.label === label);
}

function toCell(m: Matrix, d: Draft, shared: Interner): Cell {
  const options: Record<string, unknown> = {};
  const origins: Origins = {};
  const apply = (o: BuildOptions | OptionSet | undefined, at: string) => {
    if (!o) return;
    for (const [k, v] of Object.entries(o)) {
      if (k === "name" || k === "description" || v === undefined) continue;
      options[k] = v;
      origins[k as OptionFieldName] = `${at}.${k}`;
    }
  };
  apply(m.defaults, "defaults");
  const s = d.standalone;
  const setValue = d.values.get("options");
  const set = s?.optionSet ?? setValue?.optionSet;
  apply(set, s ? `${s.path}.options` : (setValue?.path ?? ""));
  for (const v of d.values.values()) {
    if (v.field) {
      options[v.field.name] = v.field.value;
      origins[v.field.name] = v.path;
    }
  }
  for (const inc of d.includes) {
    if (inc.optionSet && !setValue) apply(inc.optionSet, `${inc.path}.options`);
    apply(inc.extras, inc.path);
  }

  const os = s?.os ?? d.values.get("os")!.os!;
  const postfix = s?.postfix ?? d.values.get("postfix")!.postfix!;
  const values: Record<string, string> = { os, postfix: postfix.version };
  const optionsName = set?.name ?? d.includes.find((i) => i.optionSet)?.optionSet?.name ?? "defaults";
  if (set || m.axes.some((a) => a.key === "options")) values.options = optionsName;
  for (const [key, v] of d.values) if (!(key in values)) values[key] = v.label;
  const at = s
    ? { os: `${s.path}.os`, postfix: `${s.path}.postfix` }
    : { os: d.values.get("os")!.path, postfix: d.values.get("postfix")!.path };
  // Most cells share their origins and places: one copy each (see Interner).
  return {
    id: cellId(values),
    values,
    os,
    postfix,
    optionsName,
    options: options as BuildOptions,
    origins: shared.of(origins),
    at: shared.of(at),
  };
}

/** Readable and usable as an image tag: [a-z0-9._-], at most 128 characters. */
export function cellId(values: Record<string, string>): string {
  const parts = Object.entries(values).map(([k, v]) =>
    k === "os" || k === "postfix" || k === "options" ? slugPart(v) : `${slugPart(k)}-${slugPart(v)}`,
  );
  const id = parts.join("-");
  if (id.length <= 128) return id;
  const hash = createHash("sha256").update(id).digest("hex").slice(0, 10);
  return `${id.slice(0, 117)}-${hash}`;
}

function slugPart(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9._]+/g, "-")
      .replace(/^[-.]+|[-.]+$/g, "") || "x"
  );
}
