// Benchmark (not a test): the default matrix on a fresh engine (a second dockerd with an
// empty data root, standing in for a new CI runner), built cold, versus the same unchanged
// matrix taken from a registry cache (pull + the verification carried in each image's label,
// and pull + real verification with --reverify). Needs root: it starts the second engine and
// the registries (scripts/engine2-up.sh, scripts/registry-up.sh).
// Usage: npm run build && node dist/bench/fresh-engine.js [--matrix=matrices/default.yaml]
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runSync } from "../io/exec/exec.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = path.join(ROOT, "dist/cli/main.js");
const say = (s: string) => process.stdout.write(`${s}\n`);
const matrix = process.argv.find((a) => a.startsWith("--matrix="))?.slice(9) ?? "matrices/default.yaml";
const REPO = `127.0.0.1:5000/pmx-bench-${Date.now().toString(36)}`;

function sh(cmd: string, args: string[]): string {
  const r = runSync(cmd, args, { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.code}`);
  return r.stdout.trim();
}

/** The second engine, emptied; returns its DOCKER_HOST. */
const freshEngine = () => sh("bash", ["scripts/engine2-up.sh", "--fresh"]).split("\n").at(-1)!;

function run(argv: string[], env: Record<string, string>): number {
  const t0 = Date.now();
  const r = runSync(process.execPath, [CLI, ...argv], { cwd: ROOT, stdout: "ignore", stderr: "inherit", env: { CI: "true", ...env } });
  if (r.code !== 0) throw new Error(`postfix-matrix ${argv.join(" ")}: exit ${r.code}`);
  return (Date.now() - t0) / 1000;
}

async function kinds(out: string): Promise<string> {
  const name = path.basename(matrix, ".yaml");
  const report = JSON.parse(await readFile(path.join(out, name, "report.json"), "utf8")) as { cells: { build: { kind: string } }[] };
  const count = new Map<string, number>();
  for (const c of report.cells) count.set(c.build.kind, (count.get(c.build.kind) ?? 0) + 1);
  return [...count].map(([k, n]) => `${n} ${k}`).join(", ");
}

async function main(): Promise<void> {
  sh("bash", ["scripts/registry-up.sh"]);
  const tmp = (p: string) => mkdtemp(path.join(os.tmpdir(), p));
  let host = freshEngine();
  // Base images: a fresh runner has none; they come over from the first engine (not timed).
  for (const base of ["debian:bookworm", "debian:trixie"]) {
    sh("bash", ["-c", `docker save ${base} | docker -H ${host} load -q`]);
  }
  // Its own verification cache: results from the first engine's images must not count.
  const coldCache = await tmp("pm-bench-cache-");
  sh("bash", ["-c", `mkdir -p ${coldCache}/sources && cp -r ${os.homedir()}/.cache/postfix-matrix/sources/. ${coldCache}/sources/`]);
  const cold = await tmp("pm-bench-cold-");
  const coldS = run(["run", matrix, "--out", cold], { DOCKER_HOST: host, POSTFIX_MATRIX_CACHE: coldCache });
  say(`cold build on a fresh engine (bases present, sources cached): ${coldS.toFixed(1)} s (${await kinds(cold)})`);
  const pushS = run(["run", matrix, "--cache-to", REPO, "--out", await tmp("pm-bench-push-")], {
    DOCKER_HOST: host,
    POSTFIX_MATRIX_CACHE: coldCache,
  });
  say(`writing the registry cache (${REPO}): ${pushS.toFixed(1)} s`);

  host = freshEngine();
  const pulled = await tmp("pm-bench-pull-");
  const pullS = run(["run", matrix, "--cache-from", REPO, "--out", pulled], {
    DOCKER_HOST: host,
    POSTFIX_MATRIX_CACHE: await tmp("pm-bench-empty-"),
  });
  say(
    `fresh engine, no bases, empty caches, --cache-from: ${pullS.toFixed(1)} s (${await kinds(pulled)}) = ${((100 * pullS) / coldS).toFixed(1)}% of cold (target <= 15%)`,
  );

  host = freshEngine();
  const reverified = await tmp("pm-bench-reverify-");
  const revS = run(["run", matrix, "--cache-from", REPO, "--reverify", "--out", reverified], {
    DOCKER_HOST: host,
    POSTFIX_MATRIX_CACHE: await tmp("pm-bench-empty-"),
  });
  say(
    `the same with --reverify (every check run on the fresh engine): ${revS.toFixed(1)} s (${await kinds(reverified)}) = ${((100 * revS) / coldS).toFixed(1)}% of cold`,
  );
  sh("bash", ["scripts/engine2-down.sh"]);
}

await main();
