// `matrix <file>`: how the cells split into shards for parallel machines. `--github` prints
// the JSON GitHub Actions' `strategy.matrix` takes through `fromJSON` (one job per shard).
import type { Command } from "commander";
import { githubMatrix, checkGithubJobs } from "../core/shard/github.js";
import { imbalance, type Shard } from "../core/shard/plan.js";
import { shardsOf } from "../core/shard/select.js";
import { chainsOf } from "../core/shard/work.js";
import { shardCellOf } from "../core/shard/select.js";
import { load } from "./load.js";

interface MatrixFlags {
  github?: boolean;
  shards?: number;
  only?: string[];
}

export function registerMatrixCommand(cli: Command, int: (name: string) => (v: string) => number): void {
  cli
    .command("matrix")
    .description("split the cells into shards (cells that share a compile stay together); --github prints a strategy.matrix")
    .argument("<matrix>", "matrix YAML file")
    .option("--github", "print the JSON for GitHub Actions' strategy.matrix (use with fromJSON)")
    .option("--shards <n>", "number of shards (default: one per compile chain)", int("--shards"))
    .option("--only <terms...>", "cell ids or axis=value filters")
    .action(async (file: string, o: MatrixFlags) => {
      const p = await load(file, o.only);
      const count = o.shards ?? chainsOf(p.cells.map(shardCellOf)).length;
      if (o.github) checkGithubJobs(count, o.shards !== undefined);
      const shards = shardsOf(p.cells, count);
      process.stdout.write(o.github ? `${JSON.stringify(githubMatrix(shards))}\n` : `${formatShards(shards)}\n`);
    });
}

export function formatShards(shards: readonly Shard[]): string {
  const lines = shards.map(
    (s) =>
      `shard ${s.index}/${s.count}: ${s.cells.length} cells, ${s.chains.length} compiles, ${s.deps} dependency layers, ~${Math.round(s.work)} s of work\n  ${s.cells.join("\n  ")}`,
  );
  lines.push(`balance: slowest shard / mean = ${imbalance(shards).toFixed(2)} (predicted from the plan, seconds on one core)`);
  return lines.join("\n");
}
