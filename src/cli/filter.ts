import { UsageError } from "../errors.js";
import type { PreparedCell } from "../core/prepare.js";

/** `--only` terms: a cell id, or `axis=value` (terms of one kind AND together, ids OR). */
export function filterCells(cells: PreparedCell[], only: readonly string[] | undefined): PreparedCell[] {
  if (!only || only.length === 0) return cells;
  const pairs = only
    .filter((t) => t.includes("="))
    .map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)] as [string, string]);
  const ids = only.filter((t) => !t.includes("="));
  for (const [k] of pairs) {
    if (!cells.some((c) => k in c.cell.values))
      throw new UsageError(`--only ${k}=...: no axis named ${k}; axes are ${Object.keys(cells[0]?.cell.values ?? {}).join(", ")}`);
  }
  const picked = cells.filter((c) => (ids.length === 0 || ids.includes(c.cell.id)) && pairs.every(([k, v]) => c.cell.values[k] === v));
  if (picked.length === 0)
    throw new UsageError(`--only ${only.join(" ")} selects no cell; cells are:\n  ${cells.map((c) => c.cell.id).join("\n  ")}`);
  return picked;
}
