// Benchmark (not a test): how evenly `--shard K/N` splits each shipped matrix. A prediction
// from the plan, not a timing: each shard's distinct work in seconds on one core (UNIT_SECONDS,
// from the full benchmark's measured units), the slowest shard over the mean, and over a lower
// bound no split that keeps chains whole can beat.
// Usage: npm run bench:shards [-- --shards=N] [-- FILE...]
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../errors.js";
import { prepareMatrix } from "../core/prepare.js";
import { imbalance } from "../core/shard/plan.js";
import { shardCellOf, shardsOf } from "../core/shard/select.js";
import { chainsOf, UNIT_SECONDS } from "../core/shard/work.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const argv = process.argv.slice(2);
const wanted = Number(argv.find((a) => a.startsWith("--shards="))?.slice("--shards=".length) ?? 4);
const given = argv.filter((a) => !a.startsWith("--"));
const files = given.length
  ? given
  : ["matrices", "bench"].flatMap((d) =>
      readdirSync(path.join(ROOT, d))
        .filter((f) => f.endsWith(".yaml"))
        .map((f) => path.join(d, f)),
    );
const say = (s: string) => process.stdout.write(`${s}\n`);

/** No split keeps every chain whole and does better: the biggest chain, the mean, a pair. */
function lowerBound(chains: ReturnType<typeof chainsOf>, count: number): number {
  const d = UNIT_SECONDS.deps;
  const works = chains.map((c) => c.work).sort((a, b) => a - b);
  const total = works.reduce((s, x) => s + x, 0) + new Set(chains.map((c) => c.deps)).size * d;
  const pair = chains.length > count ? works[0]! + works[1]! + d : 0;
  return Math.max(works.at(-1)! + d, total / count, pair);
}

say(`shard balance, ${wanted} shards, predicted from the plan (seconds on one core: ${JSON.stringify(UNIT_SECONDS)})`);
for (const file of files) {
  let cells: ReturnType<typeof prepareMatrix>["cells"];
  try {
    cells = prepareMatrix(readFileSync(path.join(ROOT, file), "utf8"), file).cells;
  } catch (e) {
    if (e instanceof ConfigError) continue; // an upgrade file
    throw e;
  }
  const chains = chainsOf(cells.map(shardCellOf));
  const count = Math.min(wanted, chains.length);
  const shards = shardsOf(cells, count);
  const slowest = Math.max(...shards.map((s) => s.work));
  say(
    `${file}: ${cells.length} cells, ${chains.length} chains, ${count} shards: work ${shards.map((s) => Math.round(s.work)).join(" / ")} s; ` +
      `slowest/mean ${imbalance(shards).toFixed(2)}, slowest/lower bound ${(slowest / lowerBound(chains, count)).toFixed(2)}` +
      (count < wanted ? ` (only ${chains.length} chain${chains.length === 1 ? "" : "s"})` : ""),
  );
}
