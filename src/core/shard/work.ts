// What a shard costs, predicted from the plan: the distinct work its cells need. A compile
// chain (cells sharing a compile key) compiles once and installs and verifies per cell; a
// dependency layer is built once in every shard that needs it (shards run on separate
// machines, so they share no build cache).

/** The keys the shard planner needs of a cell: its id and what it shares with others. */
export interface ShardCell {
  id: string;
  deps: string;
  compile: string;
}

/**
 * Predicted seconds on one core per unit of work, from the benchmark's distinct work on the
 * default matrix (README, "Benchmark"): 4 dependency layers 38.7 s, 8 compiles 304.3 s,
 * 8 installs 69.4 s, verification of 8 cells about 14 s.
 */
export const UNIT_SECONDS = { deps: 10, compile: 38, install: 9, verify: 2 } as const;

export type Weights = { readonly [K in keyof typeof UNIT_SECONDS]: number };

/** Cells sharing a compile key: the unit a shard takes whole. Cells sorted by id. */
export interface Chain {
  compile: string;
  deps: string;
  cells: string[];
  /** The compile once, plus install and verification per cell (the dependency layer aside). */
  work: number;
}

export function chainsOf(cells: readonly ShardCell[], w: Weights = UNIT_SECONDS): Chain[] {
  const m = new Map<string, { deps: string; cells: string[] }>();
  for (const c of cells) {
    const g = m.get(c.compile);
    if (g) g.cells.push(c.id);
    else m.set(c.compile, { deps: c.deps, cells: [c.id] });
  }
  return [...m]
    .map(([compile, g]) => ({
      compile,
      deps: g.deps,
      cells: g.cells.sort(byString),
      work: chainWork(g.cells.length, w),
    }))
    .sort((a, b) => byString(a.compile, b.compile));
}

/** A chain's compile (unless the engine has it cached) and each of its cells' install and verification. */
export function chainWork(cells: number, w: Weights = UNIT_SECONDS, compileCached = false): number {
  return (compileCached ? 0 : w.compile) + cells * (w.install + w.verify);
}

/** The work of a set of chains on one machine: each chain, and each dependency layer once. */
export function workOf(chains: readonly Chain[], w: Weights = UNIT_SECONDS): number {
  return chains.reduce((s, c) => s + c.work, 0) + new Set(chains.map((c) => c.deps)).size * w.deps;
}

export const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
