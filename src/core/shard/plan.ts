// Shards for parallel machines (CI jobs): every cell in exactly one shard, the cells of a
// compile chain always together (split, each part would compile again), balanced by the
// distinct work each shard needs. Greedy longest-processing-time: the heaviest chain first,
// onto the shard it adds least to (a shard that already builds its dependency layer saves
// that layer); then moves and swaps that lower the slowest shard (improve.ts). Only keys and ids are looked at, never the order of the file.
import { UsageError } from "../../errors.js";
import { addChain, type Bin, improve } from "./improve.js";
import { byString, type Chain, chainsOf, type ShardCell, UNIT_SECONDS, type Weights, workOf } from "./work.js";

export interface Shard {
  /** 1-based, as in `--shard K/N`. */
  index: number;
  count: number;
  /** Cell ids, sorted. */
  cells: string[];
  chains: Chain[];
  /** Distinct dependency layers. */
  deps: number;
  /** Predicted seconds on one core (see UNIT_SECONDS). */
  work: number;
}

/** N shards of the cells; a usage error when N is not 1 .. the number of compile chains. */
export function planShards(cells: readonly ShardCell[], count: number, w: Weights = UNIT_SECONDS): Shard[] {
  const chains = chainsOf(cells, w);
  checkShardCount(count, chains.length);
  const bins: Bin[] = Array.from({ length: count }, () => ({ chains: [], deps: new Map(), work: 0 }));
  const order = [...chains].sort((a, b) => b.work - a.work || byString(a.compile, b.compile));
  for (const chain of order) {
    const cost = (b: Bin) => b.work + chain.work + (b.deps.has(chain.deps) ? 0 : w.deps);
    let best = bins[0]!;
    for (const b of bins) if (cost(b) < cost(best)) best = b;
    addChain(best, chain, w);
  }
  improve(bins, w);
  return bins.map((b, i) => ({
    index: i + 1,
    count,
    cells: b.chains.flatMap((c) => c.cells).sort(byString),
    chains: [...b.chains].sort((x, y) => byString(x.compile, y.compile)),
    deps: b.deps.size,
    work: workOf(b.chains, w),
  }));
}

export function checkShardCount(count: number, chains: number): void {
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`the number of shards must be a positive whole number, not ${count}`);
  if (count > chains)
    throw new UsageError(
      `${count} shards, but the cells form only ${chains} compile chain${chains === 1 ? "" : "s"} (cells that share a compile stay in one shard)`,
      chains === 1 ? "use 1 shard" : `use at most ${chains} shards`,
    );
}

/** The slowest shard over the mean: 1 is perfect balance. */
export function imbalance(shards: readonly Shard[]): number {
  if (shards.length === 0) return 1;
  const mean = shards.reduce((s, x) => s + x.work, 0) / shards.length;
  return mean === 0 ? 1 : Math.max(...shards.map((s) => s.work)) / mean;
}
