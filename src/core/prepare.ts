// The pure pipeline: matrix text -> checked cells -> recipes. Every error, all at once.
import { ConfigError, type ConfigIssue } from "../errors.js";
import { expandMatrix } from "./matrix/expand.js";
import { parseMatrix } from "./matrix/load.js";
import type { Matrix } from "./matrix/model.js";
import { checkCell, type CheckedCell } from "./matrix/rules.js";
import { familyOf, KNOWN_FAMILIES } from "./recipe/family.js";
import { buildRecipe, type Recipe } from "./recipe/recipe.js";
import { applyFamilyRules } from "./recipe/family-rules.js";

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
  const matrix = parseMatrix(text, file);
  const issues: ConfigIssue[] = [];
  const cells: PreparedCell[] = [];
  for (const cell of expandMatrix(matrix)) {
    const family = familyOf(cell.os);
    if (!family) {
      issues.push({
        file, path: `cells[${cell.id}].os`,
        message: `no recipe for the OS \`${cell.os}\`; known image names: ${KNOWN_FAMILIES.join(", ")}`,
      });
      continue;
    }
    const adapted = applyFamilyRules(cell, family, file);
    issues.push(...adapted.issues);
    if (adapted.issues.length > 0) continue;
    const checked = checkCell(adapted.cell, file);
    issues.push(...checked.issues);
    if (checked.cell) {
      cells.push({ cell: checked.cell, recipe: buildRecipe(checked.cell, family), image: imageRefFor(matrix.name, cell.id), notes: adapted.notes });
    }
  }
  if (issues.length > 0) throw new ConfigError(groupByCell(issues));
  return { matrix, cells };
}

/** One option set's mistake shows once, naming the cells it breaks, not once per cell. */
export function groupByCell(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const groups = new Map<string, { issue: ConfigIssue; cells: string[] }>();
  for (const [n, i] of issues.entries()) {
    const m = /^cell (\S+): (.*)$/s.exec(i.message);
    // Only cell issues merge; any other issue keeps its own place.
    const key = m ? `${i.path}\u0000${m[2]}` : `#${n}`;
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
