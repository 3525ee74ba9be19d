// A prepared matrix's shards, and the cells of one of them (in the file's order, for the run).
import type { PreparedCell } from "../prepare.js";
import { planShards, type Shard } from "./plan.js";
import type { ShardSpec } from "./spec.js";
import type { ShardCell } from "./work.js";

export const shardCellOf = (c: PreparedCell): ShardCell => ({ id: c.cell.id, deps: c.recipe.keys.deps, compile: c.recipe.keys.compile });

export function shardsOf(cells: readonly PreparedCell[], count: number): Shard[] {
  return planShards(cells.map(shardCellOf), count);
}

export function selectShard(cells: readonly PreparedCell[], spec: ShardSpec): PreparedCell[] {
  const ids = new Set(shardsOf(cells, spec.count)[spec.index - 1]!.cells);
  return cells.filter((c) => ids.has(c.cell.id));
}
