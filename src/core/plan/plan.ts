// Which work cells share: the same dependency layer (base image + build packages), the same
// compile (+ version + make makefiles arguments), or only differ at install time.
import type { PreparedCell } from "../prepare.js";

export interface PlanGroup {
  key: string;
  cells: string[];
}

export interface Plan {
  deps: PlanGroup[];
  compiles: PlanGroup[];
  installs: PlanGroup[];
}

function group(cells: readonly PreparedCell[], key: (c: PreparedCell) => string): PlanGroup[] {
  const m = new Map<string, string[]>();
  for (const c of cells) m.set(key(c), [...(m.get(key(c)) ?? []), c.cell.id]);
  return [...m].map(([k, ids]) => ({ key: k, cells: ids }));
}

export function planCells(cells: readonly PreparedCell[]): Plan {
  return {
    deps: group(cells, (c) => c.recipe.keys.deps),
    compiles: group(cells, (c) => c.recipe.keys.compile),
    installs: group(cells, (c) => c.recipe.keys.install),
  };
}

export function formatPlan(plan: Plan, cellCount: number): string {
  const out = [
    `${cellCount} cells: ${plan.deps.length} dependency layers, ${plan.compiles.length} compiles, ${plan.installs.length} installs`,
  ];
  const section = (title: string, groups: PlanGroup[]) => {
    const shared = groups.filter((g) => g.cells.length > 1);
    out.push("", `${title}${shared.length ? "" : ": none shared"}`);
    for (const g of shared) out.push(`  ${g.key}  shared by ${g.cells.length}: ${g.cells.join(", ")}`);
  };
  section("dependency layers", plan.deps);
  section("compiles", plan.compiles);
  return out.join("\n");
}

/**
 * Build order that makes sharing real: the cells of one compile key run one after another
 * (the first compiles, the rest reuse its stages from the build cache), different keys in
 * parallel. Returns the groups; each is built in order.
 */
export function compileChains(cells: readonly PreparedCell[]): PreparedCell[][] {
  const m = new Map<string, PreparedCell[]>();
  for (const c of cells) m.set(c.recipe.keys.compile, [...(m.get(c.recipe.keys.compile) ?? []), c]);
  return [...m.values()];
}
