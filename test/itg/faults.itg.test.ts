// Faults around the engine and the run itself (issue 13): no engine at the start, the engine
// going away mid-build, two runs of one matrix at once, bad input through `run`. Each ends
// with a clear message and a meaningful exit code, the report written when cells ran, and
// nothing left running. The real dockerd is never touched: a proxy in front of it goes away.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { sha256File } from "../../src/io/source/cache.js";
import { ROOT } from "./cli.js";
import { type EngineProxy, filesUnder, noStack, privateCache, startCli, startEngineProxy } from "./faults-support.js";

const docker = new Docker();
const proxies: EngineProxy[] = [];
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
});

async function proxy(): Promise<EngineProxy> {
  const p = await startEngineProxy();
  proxies.push(p);
  return p;
}

/** Processes whose command line holds `token` (the compile of one cell), from /proc. */
function processesWith(token: string): number {
  try {
    return execFileSync("pgrep", ["-f", token], { encoding: "utf8" }).trim().split("\n").filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
}

describe("faults: the engine", () => {
  it("no engine at the start: exit 3, the endpoint and the hint, nothing written", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-faults-down-"));
    const endpoint = `unix://${path.join(dir, "nobody-listens.sock")}`;
    const out = path.join(dir, "out");
    const run = startCli(["run", "matrices/default.yaml", "--only", "debian-bookworm-3.10.13-defaults", "--out", out], {
      DOCKER_HOST: endpoint,
    });
    expect(await run.exited(60_000)).toBe(3);
    expect(run.out.stderr).toContain(`postfix-matrix: no Docker engine answers (${endpoint})`);
    expect(run.out.stderr).toMatch(/\nhint: start one with `npm run engine:up`.*or set DOCKER_HOST/);
    noStack(run.out.stderr);
    // The engine is asked before anything is written: no report, no log, no lock left.
    expect((await filesUnder(out)).filter((f) => path.basename(f) !== "Dockerfile")).toEqual([]);
  });

  it("engine gone mid-build: each cell says so, the report is written, exit 3, nothing left running", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-faults-cut-"));
    const token = `PM_FAULTS_CUT_${Date.now()}`;
    const file = path.join(dir, "cut.yaml");
    // In order, one at a time: a cell that passes (built, or cached from an earlier run), one
    // that really compiles (its own define) and is cut, one still queued when the engine goes.
    await writeFile(
      file,
      [
        "name: itg-faults-engine",
        "axes:",
        "  os: [debian:bookworm]",
        '  postfix: ["3.10.13"]',
        "  options:",
        "    - name: defaults",
        "    - name: cut",
        `      ccargs: "-D${token}"`,
        "    - name: queued",
        "      features: [pcre]",
        "",
      ].join("\n"),
    );
    const p = await proxy();
    const out = path.join(dir, "out");
    const run = startCli(["run", file, "-j", "1", "--out", out], { DOCKER_HOST: p.dockerHost });
    await run.waitFor(/\[debian-bookworm-3\.10\.13-cut\] build 4\/5: RUN make makefiles/, 600_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(processesWith(token), "the compile should be running before the cut").toBeGreaterThan(0);
    await p.cut();
    const code = await run.exited(30_000);
    const { stdout, stderr } = run.out;
    expect(code, stdout + stderr).toBe(3);
    expect(stderr).toContain("postfix-matrix: the Docker engine went away during the run");
    noStack(stdout + stderr);
    expect(stdout).toMatch(/ok\s+debian-bookworm-3\.10\.13-defaults/);
    expect(stdout).toMatch(/FAIL\s+debian-bookworm-3\.10\.13-cut/);
    expect(stdout).toMatch(/FAIL\s+debian-bookworm-3\.10\.13-queued/);
    const report = JSON.parse(await readFile(path.join(out, "itg-faults-engine/report.json"), "utf8")) as {
      cells: { id: string; build: { kind: string; message?: string; step?: string } }[];
    };
    const byId = new Map(report.cells.map((c) => [c.id.replace("debian-bookworm-3.10.13-", ""), c.build]));
    expect(["built", "cached"]).toContain(byId.get("defaults")?.kind);
    for (const cell of ["cut", "queued"]) {
      expect(byId.get(cell)?.kind).toBe("failed");
      expect(byId.get(cell)?.message).toContain(`lost the connection to the Docker engine (${p.dockerHost})`);
    }
    expect(byId.get("cut")?.step).toContain("RUN make makefiles");
    // Through the real engine: BuildKit stopped the compile; no container of this matrix runs.
    let left = processesWith(token);
    for (let i = 0; i < 40 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = processesWith(token);
    }
    expect(left).toBe(0);
    const containers = await docker.listContainers({ all: true });
    expect(containers.filter((c) => c.Image.startsWith("postfix-matrix/itg-faults-engine:")).map((c) => c.Id)).toEqual([]);
  });
});

describe("faults: two runs of one matrix at once", () => {
  it("one runs (taking over a stale lock), the other refuses at once naming it; the cache stays whole", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-faults-lock-"));
    const out = path.join(dir, "out");
    const cache = await privateCache("3.10.13");
    // A lock left by a run that was killed: a pid that has just ended.
    const dead = execFileSync(process.execPath, ["-p", "process.pid"], { encoding: "utf8" }).trim();
    await mkdir(path.join(out, "default"), { recursive: true });
    await writeFile(
      path.join(out, "default/.lock"),
      JSON.stringify({ pid: Number(dead), startedAt: "2020-01-01T00:00:00.000Z", host: os.hostname(), command: "run", token: "old" }),
    );
    // Both talk to an engine that holds every request: the one that has the lock waits there,
    // so the other surely comes while it is running.
    const p = await proxy();
    p.hold();
    const args = ["run", "matrices/default.yaml", "--only", "debian-bookworm-3.10.13-defaults", "--no-verify", "--out", out];
    const env = { DOCKER_HOST: p.dockerHost, POSTFIX_MATRIX_CACHE: cache.dir };
    const runs = [startCli(args, env), startCli(args, env)];
    const t0 = Date.now();
    const first = await Promise.race(runs.map((r, i) => r.exited(60_000).then((code) => ({ i, code }))));
    const refusedAfter = (Date.now() - t0) / 1000;
    const refused = runs[first.i]!;
    const holder = runs[1 - first.i]!;
    expect(first.code, refused.out.stderr).toBe(3);
    expect(refusedAfter).toBeLessThan(30);
    expect(refused.out.stderr).toContain(`postfix-matrix: another run is using ${path.join(out, "default")}: pid ${holder.pid}`);
    expect(refused.out.stderr).toMatch(/\nhint: wait for it to finish/);
    p.release();
    expect(await holder.exited(300_000), holder.out.stderr).toBe(0);
    expect(holder.out.stderr).toContain(`lock: took over ${path.join(out, "default/.lock")} from a run that is gone (pid ${dead}`);
    expect(holder.out.stdout).toMatch(/ok\s+debian-bookworm-3\.10\.13-defaults/);
    // The lock is gone, the cached tarball intact, no temp file left in the cache.
    expect(await filesUnder(path.join(out, "default"))).not.toContain(".lock");
    expect((await sha256File(cache.tarball)).sha256).toBe(cache.sha256);
    expect((await filesUnder(cache.dir)).filter((f) => f.includes("tmp"))).toEqual([]);
  });
});

describe("faults: bad input through run", () => {
  const bad = ["flags-wrapper-ccargs.yaml", "matrix-unknown-axis.yaml", "rule-release-too-old.yaml"];

  it.each(bad)("%s: exit 2, no request reaches the engine, no image, container or volume made", async (name) => {
    const file = path.join(ROOT, "test/fixtures/bad", name);
    const matrix = /^name:\s*(\S+)/m.exec(await readFile(file, "utf8"))?.[1];
    expect(matrix, "the fixture should name its matrix").toBeTruthy();
    const repo = `postfix-matrix/${matrix}`;
    const count = async () => ({
      images: (await docker.listImages({ filters: { reference: [`${repo}:*`] } })).length,
      containers: (await docker.listContainers({ all: true })).filter((c) => c.Image.startsWith(`${repo}:`)).length,
      // The tool's volumes carry its role label (upgrade trees); `run` itself makes none.
      volumes: ((await docker.listVolumes({ filters: { label: ["org.postfix-matrix.role"] } })).Volumes ?? []).length,
    });
    const before = await count();
    const p = await proxy();
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-faults-bad-"));
    const run = startCli(["run", file, "--out", path.join(dir, "out")], { DOCKER_HOST: p.dockerHost });
    expect(await run.exited(60_000), run.out.stderr).toBe(2);
    expect(run.out.stderr).toContain(`${file}:`);
    noStack(run.out.stderr);
    expect(p.requests).toEqual([]);
    expect(p.connections()).toBe(0);
    expect(await count()).toEqual(before);
    expect(await filesUnder(path.join(dir, "out"))).toEqual([]);
  });
});
