import { UsageError } from "../errors.js";
import type { PreparedCell } from "../core/prepare.js";

/** At most this many cell ids are listed when --only selects none. */
const LISTED = 50;

export interface CellFilter {
  pick(c: PreparedCell): boolean;
  /** After the last cell: a term naming no axis, or terms that selected nothing, are errors. */
  finish(): void;
}

/** `--only` terms: a cell id, or `axis=value` (terms of one kind AND together, ids OR). */
export function cellFilter(only: readonly string[] | undefined): CellFilter {
  if (!only || only.length === 0) return { pick: () => true, finish: () => {} };
  const pairs = only
    .filter((t) => t.includes("="))
    .map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)] as [string, string]);
  const ids = only.filter((t) => !t.includes("="));
  const axes = new Set<string>();
  const seen: string[] = [];
  let picked = 0;
  return {
    pick: (c) => {
      for (const k of Object.keys(c.cell.values)) axes.add(k);
      if (seen.length <= LISTED) seen.push(c.cell.id);
      const ok = (ids.length === 0 || ids.includes(c.cell.id)) && pairs.every(([k, v]) => c.cell.values[k] === v);
      if (ok) picked++;
      return ok;
    },
    finish: () => {
      for (const [k] of pairs) {
        if (!axes.has(k)) throw new UsageError(`--only ${k}=...: no axis named ${k}; axes are ${[...axes].join(", ")}`);
      }
      if (picked === 0) {
        const more = seen.length > LISTED ? "\n  ..." : "";
        throw new UsageError(`--only ${only.join(" ")} selects no cell; cells are:\n  ${seen.slice(0, LISTED).join("\n  ")}${more}`);
      }
    },
  };
}

export function filterCells(cells: PreparedCell[], only: readonly string[] | undefined): PreparedCell[] {
  if (!only || only.length === 0) return cells;
  const f = cellFilter(only);
  const out = cells.filter((c) => f.pick(c));
  f.finish();
  return out;
}
