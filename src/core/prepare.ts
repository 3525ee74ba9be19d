// The pure pipeline: matrix text -> checked cells -> recipes. Every error, all at once.
import { ConfigError, type ConfigIssue } from "../errors.js";
import { expandCells } from "./matrix/expand.js";
import { parseMatrixText } from "./matrix/load.js";
import type { Cell, Matrix } from "./matrix/model.js";
import { checkCell, type CheckedCell } from "./matrix/rules.js";
import { familyOf, KNOWN_FAMILIES } from "./recipe/family.js";
import { buildRecipe, type Recipe } from "./recipe/recipe.js";
import { applyFamilyRules } from "./recipe/family-rules.js";
import { Interner } from "./intern.js";

export interface PreparedCell {
  cell: CheckedCell;
  recipe: Recipe;
  /** Image reference the cell is built as. */
  image: string;
  /** What the OS family changed in the cell (e.g. Alpine builds with -DNO_DB). */
  notes: string[];
}

export interface PreparedMatrix {
  matrix: Matrix;
  cells: PreparedCell[];
}

export function imageRefFor(matrixName: string, cellId: string): string {
  return `postfix-matrix/${matrixName}:${cellId}`;
}

export function prepareMatrix(text: string, file: string): PreparedMatrix {
  const cells: PreparedCell[] = [];
  const matrix = forEachPreparedCell(text, file, (c) => cells.push(c));
  return { matrix, cells };
}

/**
 * The same pipeline, handing each cell to `take` as it is ready, so a caller that needs a
 * little of each (a line to print) never holds them all. The ConfigError, with every issue,
 * comes after the last cell: nothing taken counts until this returns.
 */
export function forEachPreparedCell(text: string, file: string, take: (c: PreparedCell) => void): Matrix {
  const { matrix, issues: list } = parseMatrixText(text, file);
  const lineOf = (p: string) => list.lineOfText(p);
  const issues: ConfigIssue[] = [];
  const shared = new Interner();
  for (const cell of expandCells(matrix, lineOf)) {
    const family = familyOf(cell.os);
    if (!family) {
      issues.push({
        file,
        path: cell.at.os,
        message: `no recipe for the OS \`${cell.os}\`; known image names: ${KNOWN_FAMILIES.join(", ")}`,
      });
      continue;
    }
    const adapted = applyFamilyRules(cell, family, file);
    issues.push(...adapted.issues.map((i) => placed(i, cell)));
    if (adapted.issues.length > 0) continue;
    const checked = checkCell(adapted.cell, file);
    issues.push(...checked.issues.map((i) => placed(i, cell)));
    if (checked.cell && issues.length === 0) {
      take({
        cell: internCell(checked.cell, shared),
        recipe: internRecipe(buildRecipe(checked.cell, family), shared),
        image: imageRefFor(matrix.name, cell.id),
        notes: shared.of(adapted.notes),
      });
    }
  }
  if (issues.length > 0) {
    const located = groupByCell(issues).map((i) => ({ ...i, line: i.line ?? lineOf(i.path) }));
    throw new ConfigError(located.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity)));
  }
  return matrix;
}

/** What cells share, shared: a large matrix holds one copy of each (see Interner). */
function internRecipe(r: Recipe, shared: Interner): Recipe {
  return {
    ...r,
    buildPackages: shared.of(r.buildPackages),
    runtimePackages: shared.of(r.runtimePackages),
    makefiles: shared.of(r.makefiles),
    upgrade: shared.of(r.upgrade),
    settings: shared.of(r.settings),
    expect: shared.of(r.expect),
    keys: { deps: shared.of(r.keys.deps), compile: shared.of(r.keys.compile), install: r.keys.install },
  };
}

function internCell(c: CheckedCell, shared: Interner): CheckedCell {
  return { ...c, postfix: shared.of(c.postfix) };
}

/** Paths into the file start with one of its top-level keys. */
const FILE_PATH = /^(axes|defaults|include|exclude)\b/;

/**
 * A rule names the option's origin; when that is not a place in the file (the OS family set
 * the option, or nobody did), the issue points at the cell's os and says the reason.
 */
function placed(i: ConfigIssue, cell: Cell): ConfigIssue {
  if (FILE_PATH.test(i.path)) return i;
  const why = /^\w+$/.test(i.path) ? "" : ` (${i.path})`;
  return { ...i, path: cell.at.os, message: `${i.message}${why}` };
}

/** One option set's mistake shows once, naming the cells it breaks, not once per cell. */
export function groupByCell(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const groups = new Map<string, { issue: ConfigIssue; cells: string[] }>();
  for (const i of issues) {
    const m = /^cell (\S+): (.*)$/s.exec(i.message);
    // Cell issues merge, naming their cells; other issues merge only when they are the same.
    const key = m ? `${i.path}\u0000${m[2]}` : `#${i.path}\u0000${i.message}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { issue: m ? { ...i, message: m[2]! } : i, cells: m ? [m[1]!] : [] });
    else if (m) g.cells.push(m[1]!);
  }
  return [...groups.values()].map(({ issue, cells }) => {
    if (cells.length === 0) return issue;
    const named = cells.length <= 3 ? cells.join(", ") : `${cells.slice(0, 2).join(", ")} and ${cells.length - 2} more`;
    return { ...issue, message: `${cells.length === 1 ? "cell" : `${cells.length} cells`} ${named}: ${issue.message}` };
  });
}
