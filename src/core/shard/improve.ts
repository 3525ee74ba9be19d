// After the greedy placement: moves and swaps of whole chains that lower the slowest shard
// (say two shards that each build two dependency layers could each build one). Deterministic:
// shards and chains are tried in order, and every step strictly lowers the pair's maximum.
import type { Chain, Weights } from "./work.js";

export interface Bin {
  chains: Chain[];
  /** How many of its chains use each dependency layer. */
  deps: Map<string, number>;
  work: number;
}

/** Past this many chain pairs between two shards, only moves are tried (a big matrix stays quick). */
const SWAP_PAIRS = 10_000;
const ROUNDS = 200;

const has = (b: Bin, deps: string) => (b.deps.get(deps) ?? 0) > 0;
const only = (b: Bin, deps: string) => b.deps.get(deps) === 1;

export function addChain(b: Bin, c: Chain, w: Weights): void {
  b.work += c.work + (has(b, c.deps) ? 0 : w.deps);
  b.deps.set(c.deps, (b.deps.get(c.deps) ?? 0) + 1);
  b.chains.push(c);
}

function removeChain(b: Bin, c: Chain, w: Weights): void {
  b.work -= c.work + (only(b, c.deps) ? w.deps : 0);
  const n = b.deps.get(c.deps)! - 1;
  if (n === 0) b.deps.delete(c.deps);
  else b.deps.set(c.deps, n);
  b.chains.splice(b.chains.indexOf(c), 1);
}

/** The two shards' work after `x` goes from a to b and `y` (if any) from b to a. */
function after(a: Bin, b: Bin, x: Chain, y: Chain | undefined, w: Weights): [number, number] {
  if (y && y.deps === x.deps) return [a.work - x.work + y.work, b.work - y.work + x.work];
  const aLoses = only(a, x.deps) ? w.deps : 0;
  const bGains = has(b, x.deps) ? 0 : w.deps;
  if (!y) return [a.work - x.work - aLoses, b.work + x.work + bGains];
  const bLoses = only(b, y.deps) ? w.deps : 0;
  const aGains = has(a, y.deps) ? 0 : w.deps;
  return [a.work - x.work - aLoses + y.work + aGains, b.work - y.work - bLoses + x.work + bGains];
}

/** One step that lowers the slowest shard against some other shard, or false when none does. */
function step(bins: Bin[], w: Weights): boolean {
  const a = bins.reduce((m, b) => (b.work > m.work ? b : m), bins[0]!);
  for (const b of bins) {
    if (b === a) continue;
    const swaps = a.chains.length * b.chains.length <= SWAP_PAIRS;
    for (const x of a.chains) {
      for (const y of [undefined, ...(swaps ? b.chains : [])]) {
        if (!y && a.chains.length === 1) continue;
        const [na, nb] = after(a, b, x, y, w);
        if (Math.max(na, nb) >= a.work - 1e-9) continue;
        removeChain(a, x, w);
        if (y) removeChain(b, y, w);
        addChain(b, x, w);
        if (y) addChain(a, y, w);
        return true;
      }
    }
  }
  return false;
}

export function improve(bins: Bin[], w: Weights): void {
  for (let i = 0; i < ROUNDS && step(bins, w); i++);
}
