// Which engine of a pool builds which compile chain. A chain never spans engines (its
// followers take the leader's compile from that engine's build cache). Each chain goes where
// it finishes soonest: an engine's predicted work over its speed, where a cell whose image an
// engine already holds costs nothing there, a compile in its build cache costs no compile, a
// dependency layer counts once per engine, and a base image the engine lacks costs a transfer.
// Greedy, heaviest chain first, and deterministic: only keys, ids and the engines' order are
// looked at.
import { byString, type Chain, chainsOf, chainWork, type Weights, UNIT_SECONDS } from "../shard/work.js";

export interface PoolChain extends Chain {
  baseImage: string;
}

/** What an engine has and how fast it is, as the planner sees it. */
export interface EngineInventory {
  name: string;
  /** Relative speed (its CPUs). */
  speed: number;
  bases: ReadonlySet<string>;
  /** Cells whose image, from this very recipe, the engine already holds. */
  builtCells: ReadonlySet<string>;
  /** Compile keys in its build cache, as far as its images tell (an image of another recipe with the same compile). */
  compiled: ReadonlySet<string>;
}

export interface Placement {
  engine: string;
  chains: PoolChain[];
  /** Base images it needs and does not have: transferred or bootstrapped before its cells build. */
  missingBases: string[];
  /** Predicted seconds of work on one core. */
  work: number;
}

/** A base image sent from another engine (save/load), in predicted seconds. */
export const TRANSFER_SECONDS = 15;

interface Load {
  inv: EngineInventory;
  chains: PoolChain[];
  deps: Set<string>;
  missing: Set<string>;
  work: number;
}

function costOn(l: Load, c: PoolChain, w: Weights): number {
  const todo = c.cells.filter((id) => !l.inv.builtCells.has(id)).length;
  if (todo === 0) return 0;
  // A compile in the engine's cache is a cache hit there, and so is its dependency layer.
  const cached = l.inv.compiled.has(c.compile);
  const deps = cached || l.deps.has(c.deps) ? 0 : w.deps;
  const base = l.inv.bases.has(c.baseImage) || l.missing.has(c.baseImage) ? 0 : TRANSFER_SECONDS;
  return chainWork(todo, w, cached) + deps + base;
}

export function placeChains(chains: readonly PoolChain[], engines: readonly EngineInventory[], w: Weights = UNIT_SECONDS): Placement[] {
  if (engines.length === 0) throw new Error("placeChains: no engine to place on");
  const loads: Load[] = engines.map((inv) => ({ inv, chains: [], deps: new Set(), missing: new Set(), work: 0 }));
  const order = [...chains].sort((a, b) => b.work - a.work || byString(a.compile, b.compile));
  for (const c of order) {
    const finish = (l: Load) => (l.work + costOn(l, c, w)) / Math.max(l.inv.speed, 0.1);
    let best = loads[0]!;
    for (const l of loads) if (finish(l) < finish(best)) best = l;
    const cost = costOn(best, c, w);
    best.work += cost;
    best.chains.push(c);
    // A chain it holds already needs neither its layer nor its base there.
    if (cost > 0) {
      best.deps.add(c.deps);
      if (!best.inv.bases.has(c.baseImage)) best.missing.add(c.baseImage);
    }
  }
  return loads.map((l) => ({
    engine: l.inv.name,
    chains: l.chains.sort((a, b) => byString(a.compile, b.compile)),
    missingBases: [...l.missing].sort(byString),
    work: l.work,
  }));
}

/** The slowest engine's predicted finish over the ideal (all work spread by speed): 1 is perfect. */
export function placementSpread(p: readonly Placement[], engines: readonly EngineInventory[]): number {
  const speed = new Map(engines.map((e) => [e.name, Math.max(e.speed, 0.1)]));
  const total = p.reduce((s, x) => s + x.work, 0);
  const ideal = total / [...speed.values()].reduce((s, x) => s + x, 0);
  return ideal === 0 ? 1 : Math.max(...p.map((x) => x.work / speed.get(x.engine)!)) / ideal;
}

/** The compile chains of the cells, each with its base image (one per chain: the dependency layer names it). */
export function poolChainsOf(
  cells: readonly { id: string; deps: string; compile: string; baseImage: string }[],
  w: Weights = UNIT_SECONDS,
): PoolChain[] {
  const base = new Map(cells.map((c) => [c.compile, c.baseImage]));
  return chainsOf(cells, w).map((c) => ({ ...c, baseImage: base.get(c.compile)! }));
}
