// Benchmark (not a test): how well a pool of engines spreads a matrix, and how even real shards
// are. Every run is cold, on engines started fresh for it (empty data root and build cache;
// base images loaded first, not timed; Postfix sources from this machine's cache).
//   pool:   the default matrix on one engine pinned to core 0, then on two engines pinned to
//           cores 0 and 1; efficiency = one / two (2.0 is perfect on two cores).
//   shards: (--shards) each of 4 shards of the default matrix on a fresh, unpinned engine;
//           the slowest over the mean.
// Usage: npm run bench:pool [-- --shards] [-- --only-shards]
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MATRIX = "matrices/default.yaml";
const BASES = ["debian:bookworm", "debian:trixie"];
const say = (s: string) => process.stdout.write(`${s}\n`);
const argv = process.argv.slice(2);

interface BenchEngine {
  name: string;
  host: string;
  engine: DockerodeEngine;
}

function script(file: string, env: Record<string, string>, ...args: string[]): string {
  return execFileSync("bash", [path.join(ROOT, "scripts", file), ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

/** A fresh engine `pmxb<n>` (its own socket, data root, bridge), on `cpus` if given, with the base images. */
async function freshEngine(n: number, cpus?: string): Promise<BenchEngine> {
  const env = { PMX_ENGINE: `pmxb${n}`, PMX_ENGINE_NET: String(250 + n), ...(cpus ? { PMX_ENGINE_CPUS: cpus } : {}) };
  script("engine2-down.sh", env);
  const host = script("engine2-up.sh", env, "--fresh");
  const engine = new DockerodeEngine({ host, dockerOptions: { socketPath: host.replace("unix://", "") } });
  const local = new DockerodeEngine();
  for (const ref of BASES) await engine.loadImage(await local.saveImage(ref));
  return { name: `pmxb${n}`, host, engine };
}

/** Stops engine `pmxb<n>` and removes its data root (gigabytes of images and build cache). */
function stopEngine(n: number): void {
  script("engine2-down.sh", { PMX_ENGINE: `pmxb${n}` }, "--purge");
}

/** One `run`, timed; its report read back. */
async function timedRun(
  args: string[],
): Promise<{ seconds: number; code: number; cells: { id: string; engine?: string; passed: boolean }[] }> {
  const out = await mkdtemp(path.join(os.tmpdir(), "pm-bench-pool-"));
  const t0 = Date.now();
  const code = await new Promise<number>((res) => {
    const child = spawn(process.execPath, [path.join(ROOT, "dist/cli/main.js"), "run", MATRIX, "--out", out, ...args], {
      cwd: ROOT,
      env: { ...process.env, CI: "true" },
      stdio: ["ignore", "ignore", "ignore"],
    });
    child.on("close", (c) => res(c ?? -1));
  });
  const seconds = (Date.now() - t0) / 1000;
  const report = JSON.parse(await readFile(path.join(out, "default/report.json"), "utf8")) as {
    cells: { id: string; engine?: string; passed: boolean }[];
  };
  return { seconds, code, cells: report.cells };
}

async function poolEfficiency(): Promise<void> {
  const one = await freshEngine(1, "0");
  const single = await timedRun(["--engine", one.host]);
  say(
    `one engine on one core: ${single.seconds.toFixed(1)} s, exit ${single.code}, ${single.cells.filter((c) => c.passed).length}/${single.cells.length} passed`,
  );
  stopEngine(1);
  const [a, b] = [await freshEngine(1, "0"), await freshEngine(2, "1")];
  const pool = await timedRun(["--engine", a.host, "--engine", b.host]);
  const per = [a, b].map((e) => `${e.name} ${pool.cells.filter((c) => c.engine === e.host.replace("unix://", "")).length} cells`);
  say(
    `two engines, a core each: ${pool.seconds.toFixed(1)} s, exit ${pool.code}, ${pool.cells.filter((c) => c.passed).length}/${pool.cells.length} passed (${per.join(", ")})`,
  );
  say(`pool efficiency: ${(single.seconds / pool.seconds).toFixed(2)}x (target >= 1.8x; 2.0x is perfect on two cores)`);
  stopEngine(1);
  stopEngine(2);
}

async function shardBalance(): Promise<void> {
  const times: number[] = [];
  for (let k = 1; k <= 4; k++) {
    const e = await freshEngine(1);
    const r = await timedRun(["--engine", e.host, "--shard", `${k}/4`]);
    times.push(r.seconds);
    say(`shard ${k}/4: ${r.cells.length} cells (${r.cells.map((c) => c.id).join(", ")}), ${r.seconds.toFixed(1)} s, exit ${r.code}`);
    stopEngine(1);
  }
  const mean = times.reduce((s, x) => s + x, 0) / times.length;
  say(
    `shards: slowest ${Math.max(...times).toFixed(1)} s, mean ${mean.toFixed(1)} s, slowest/mean ${(Math.max(...times) / mean).toFixed(2)} (target <= 1.3)`,
  );
}

say(`engine-pool benchmark on ${os.cpus().length} cores, ${MATRIX}, every run cold on fresh engines`);
if (!argv.includes("--only-shards")) await poolEfficiency();
if (argv.includes("--shards") || argv.includes("--only-shards")) await shardBalance();
