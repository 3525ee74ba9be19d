// The pure pipeline: matrix text -> checked cells -> recipes. Every error, all at once.
import { ConfigError, type ConfigIssue } from "../errors.js";
import { expandMatrix } from "./matrix/expand.js";
import { parseMatrix } from "./matrix/load.js";
import type { Matrix } from "./matrix/model.js";
import { checkCell, type CheckedCell } from "./matrix/rules.js";
import { familyOf, KNOWN_FAMILIES } from "./recipe/family.js";
import { buildRecipe, type Recipe } from "./recipe/recipe.js";

export interface PreparedCell {
  cell: CheckedCell;
  recipe: Recipe;
  /** Image reference the cell is built as. */
  image: string;
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
    const checked = checkCell(cell, file);
    issues.push(...checked.issues);
    if (checked.cell) {
      cells.push({ cell: checked.cell, recipe: buildRecipe(checked.cell, family), image: imageRefFor(matrix.name, cell.id) });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return { matrix, cells };
}
