// Ctrl-C: running builds stop, verification containers are removed, what finished is
// printed, and the exit code is 130. Proven by looking at the engine and the process table.
import { execFileSync, spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { ROOT } from "./cli.js";

const docker = new Docker();

function start(args: string[]) {
  const child = spawn(process.execPath, [path.join(ROOT, "dist/cli/main.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: "true", POSTFIX_MATRIX_MIRRORS: "none", TESTCONTAINERS_RYUK_DISABLED: "true" },
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const exited = new Promise<number>((res) => child.on("close", (code) => res(code ?? -1)));
  const waitFor = async (re: RegExp, ms: number) => {
    const t0 = Date.now();
    while (!re.test(out.stderr)) {
      if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; stderr:\n${out.stderr}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { child, out, exited, waitFor };
}

const makeProcesses = () => {
  try {
    return execFileSync("pgrep", ["-x", "make"], { encoding: "utf8" }).trim().split("\n").filter(Boolean).length;
  } catch {
    return 0; // pgrep exits 1 when nothing matches
  }
};

describe("SIGINT", () => {
  it("during a compile stops the build and exits 130", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-cancel-"));
    const file = path.join(dir, "cancel.yaml");
    // A define no other run uses, so the compile really runs instead of coming from cache.
    const token = `PM_CANCEL_${Date.now()}`;
    await writeFile(
      file,
      `name: itg-cancel\naxes:\n  os: [debian:bookworm]\n  postfix: ["3.10.13"]\n  options:\n    - name: slow\n      ccargs: "-D${token}"\n`,
    );
    const run = start(["run", file, "--out", path.join(dir, "out")]);
    await run.waitFor(/RUN make makefiles/, 180_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(makeProcesses()).toBeGreaterThan(0);
    const t0 = Date.now();
    run.child.kill("SIGINT");
    const code = await run.exited;
    const exitSeconds = (Date.now() - t0) / 1000;
    expect(code).toBe(130);
    expect(exitSeconds).toBeLessThan(15);
    expect(run.out.stdout).toMatch(/FAIL\s+debian-bookworm-3\.10\.13-slow/);
    expect(run.out.stderr).toContain("interrupted");
    // BuildKit cancels the solve when the client goes away; give it a moment.
    let left = makeProcesses();
    for (let i = 0; i < 20 && left > 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
      left = makeProcesses();
    }
    expect(left).toBe(0);
  });

  it("during verification removes the verification containers and exits 130", async () => {
    // Its own image first (built here, or found from another test's run: same name and
    // recipe), so this test does not depend on the order vitest runs files in.
    const out = path.join(ROOT, "out/itg-cancel-verify");
    const only = ["--only", "debian-bookworm-3.10.13-defaults"];
    const build = start(["run", "matrices/default.yaml", ...only, "--no-verify", "--out", out]);
    expect(await build.exited, build.out.stdout + build.out.stderr).toBe(0);
    const run = start(["verify", "matrices/default.yaml", ...only, "--reverify", "--out", out]);
    await run.waitFor(/verifying/, 120_000);
    await new Promise((r) => setTimeout(r, 1_500));
    run.child.kill("SIGINT");
    const code = await run.exited;
    expect(code).toBe(130);
    const left = await docker.listContainers({ all: true, filters: { label: ["org.postfix-matrix.role=verify"] } });
    expect(left.map((c) => c.Names.join(","))).toEqual([]);
  });
});
