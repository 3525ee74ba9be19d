// `--shard K/N`: which of N shards this run is. Malformed or out of range is a usage error.
import { UsageError } from "../../errors.js";

export interface ShardSpec {
  index: number;
  count: number;
}

const SPEC = /^([1-9]\d{0,5})\/([1-9]\d{0,5})$/;

export function parseShardSpec(text: string): ShardSpec {
  const m = SPEC.exec(text.trim());
  if (!m) throw new UsageError(`--shard ${text}: expected K/N, two whole numbers from 1 with K <= N, such as 1/4`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (index > count) throw new UsageError(`--shard ${text}: shard ${index} of ${count} does not exist; K goes from 1 to ${count}`);
  return { index, count };
}
