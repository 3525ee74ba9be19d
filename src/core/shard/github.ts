// The shards as GitHub Actions' `strategy.matrix` (through `fromJSON`): one job per shard.
import { UsageError } from "../../errors.js";
import type { Shard } from "./plan.js";

/** GitHub runs at most this many jobs from one matrix. */
export const GITHUB_MAX_JOBS = 256;

export interface GithubShardEntry {
  /** What `run --shard` takes. */
  shard: string;
  /** The job's readable name. */
  name: string;
  cells: number;
  /** Predicted seconds on one core. */
  work: number;
}

const NAME_MAX = 100;

export function checkGithubJobs(count: number, chosen: boolean): void {
  if (count <= GITHUB_MAX_JOBS) return;
  throw new UsageError(
    `${count} shards would be ${count} jobs; GitHub Actions runs at most ${GITHUB_MAX_JOBS} jobs from one matrix`,
    chosen ? `pass --shards ${GITHUB_MAX_JOBS} or fewer` : `pass --shards N (at most ${GITHUB_MAX_JOBS}) to group the compile chains`,
  );
}

function nameOf(s: Shard): string {
  const head = `${s.index}/${s.count} (${s.cells.length} cell${s.cells.length === 1 ? "" : "s"})`;
  const [first, ...rest] = s.cells;
  const full = `${head}: ${first}${rest.length ? ` +${rest.length}` : ""}`;
  return full.length <= NAME_MAX ? full : `${full.slice(0, NAME_MAX - 1)}…`;
}

export function githubMatrix(shards: readonly Shard[]): { include: GithubShardEntry[] } {
  checkGithubJobs(shards.length, true);
  return {
    include: shards.map((s) => ({ shard: `${s.index}/${s.count}`, name: nameOf(s), cells: s.cells.length, work: Math.round(s.work) })),
  };
}
