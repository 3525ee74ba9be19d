// README command 1's main job, for real: every cell of matrices/default.yaml is built through
// the Engine API and verified in a running container (postfix check, version, mail flow, relay).
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import { stripVTControlCharacters } from "node:util";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readJunit } from "../report/junit-xml.js";
import { cli, ROOT } from "./cli.js";

interface Report {
  summary: { cells: number; passed: number; failed: number };
  cells: {
    id: string;
    passed: boolean;
    build: { kind: string; size?: number };
    verify: { kind: string; result?: { checks: { name: string; status: string; detail: string }[] } };
  }[];
}

describe("postfix-matrix run matrices/default.yaml", () => {
  it("builds and verifies all eight cells", async () => {
    const out = path.join(ROOT, "out/itg");
    // --reverify: the test verifies every image now, whatever an earlier run found.
    const r = await cli(["run", "matrices/default.yaml", "--reverify", "--out", out]);
    expect(r.stderr + r.stdout).toContain("8 of 8 cells passed");
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, "default/report.json"), "utf8")) as Report;
    expect(report.summary).toEqual({ cells: 8, passed: 8, failed: 0 });
    const oses = new Set(report.cells.map((c) => c.id.split("-").slice(0, 2).join("-")));
    const versions = new Set(report.cells.map((c) => c.id.split("-")[2]));
    expect(oses).toEqual(new Set(["debian-bookworm", "debian-trixie"]));
    expect(versions).toEqual(new Set(["3.10.13", "3.7.11"]));
    for (const cell of report.cells) {
      expect(["built", "cached"]).toContain(cell.build.kind);
      const checks = cell.verify.result!.checks;
      const byName = Object.fromEntries(checks.map((c) => [c.name, c]));
      const always = ["postfix check", "mail_version", "mail delivery", "relay refused", "no toolchain"];
      const security = ["setgid postdrop", "queue permissions", "config permissions", "history and labels"];
      for (const name of [...always, ...security]) {
        expect(byName[name]?.status, `${cell.id}: ${name}: ${byName[name]?.detail}`).toBe("pass");
      }
      expect(byName.mail_version!.detail).toBe(cell.id.split("-")[2]);
      if (cell.id.endsWith("shared-tls-pcre")) {
        for (const name of ["shlib resolution", "dynamicmaps plugins", "STARTTLS"]) {
          expect(byName[name]?.status, `${cell.id}: ${name}: ${byName[name]?.detail}`).toBe("pass");
        }
      }
    }
    // The generated Dockerfiles are there for a user to read.
    const df = await readFile(path.join(out, "default/debian-trixie-3.7.11-defaults/Dockerfile"), "utf8");
    expect(df).toMatch(/make upgrade/);
  });

  it("on a terminal, draws the live view: a row per cell redrawn in place, then the table", () => {
    // A real pseudo-terminal (util-linux script), without CI, as a user at a shell sees it.
    const out = path.join(ROOT, "out/itg");
    const cmd = [process.execPath, path.join(ROOT, "dist/cli/main.js"), "run", "matrices/default.yaml", "--out", out]
      .map((a) => `'${a.replace(/'/g, "'\\''")}'`)
      .join(" ");
    const env: NodeJS.ProcessEnv = { ...process.env, TERM: "xterm-256color", COLUMNS: "150", POSTFIX_MATRIX_MIRRORS: "none" };
    delete env.CI;
    delete env.GITHUB_ACTIONS;
    // script's pty has no size when its own output is not a terminal: give it one, as a terminal
    // window would; unsized, the run falls back to plain lines (checked last).
    const r = spawnSync("script", ["-qec", `stty rows 40 cols 150; ${cmd}`, "/dev/null"], {
      cwd: ROOT,
      env,
      encoding: "utf8",
      timeout: 300_000,
    });
    expect(r.error, "util-linux script is needed for this test").toBeUndefined();
    expect(r.status, r.stdout).toBe(0);
    // Redrawn in place: cursor-up and erase-line sequences, not a line per event.
    expect(r.stdout).toMatch(/\u001b\[1A/);
    expect(r.stdout).toMatch(/\u001b\[2K/);
    const text = stripVTControlCharacters(r.stdout);
    // Nothing changed since the first test: every row ends cached, then the summary table.
    for (const id of ["debian-bookworm-3.10.13-defaults", "debian-trixie-3.7.11-shared-tls-pcre"]) {
      expect(text).toMatch(new RegExp(`=\\s+${id.replace(/\./g, "\\.")}\\s+cached\\s+.*image cached`));
    }
    expect(text).toContain("8/8 done");
    expect(text).toContain("8 of 8 cells passed");
    expect(text).not.toMatch(/^\[debian-/m);
    const unsized = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, env, encoding: "utf8", timeout: 300_000 });
    expect(unsized.status, unsized.stdout).toBe(0);
    expect(unsized.stdout).toMatch(/^\[debian-bookworm-3\.10\.13-defaults\] cached/m);
    expect(unsized.stdout).not.toContain("8/8 done");
  });

  it("runs as two shards (every cell once) whose real reports merge into one, with JUnit and a summary", async () => {
    // After the first test every image is there: the shards take seconds, as on warm CI runners.
    const shard = async (k: number) => {
      const out = await mkdtemp(path.join(os.tmpdir(), `pm-shard-${k}-`));
      const r = await cli(["run", "matrices/default.yaml", "--shard", `${k}/2`, "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      return out;
    };
    const dirs = [await shard(1), await shard(2)];
    const ids = await Promise.all(
      dirs.map(async (d) => (JSON.parse(await readFile(path.join(d, "default/report.json"), "utf8")) as Report).cells.map((c) => c.id)),
    );
    expect(ids[0]!.length).toBeGreaterThan(0);
    expect(ids[1]!.length).toBeGreaterThan(0);
    expect([...ids[0]!, ...ids[1]!].sort()).toHaveLength(8);
    expect(new Set([...ids[0]!, ...ids[1]!]).size).toBe(8);
    const merged = await mkdtemp(path.join(os.tmpdir(), "pm-merged-"));
    const summaryFile = path.join(merged, "step-summary.md");
    const m = await cli(["report", "merge", ...dirs, "--out", merged], { env: { GITHUB_STEP_SUMMARY: summaryFile } });
    expect(m.code, m.stderr).toBe(0);
    const report = JSON.parse(await readFile(path.join(merged, "report.json"), "utf8")) as Report;
    expect(report.summary).toEqual({ cells: 8, passed: 8, failed: 0 });
    const { suites } = readJunit(await readFile(path.join(merged, "report.xml"), "utf8"));
    expect(suites.map((s) => s.name.replace(/^default\//, "")).sort()).toEqual([...ids[0]!, ...ids[1]!].sort());
    for (const s of suites) expect([s.failures, s.errors]).toEqual([0, 0]);
    const md = await readFile(path.join(merged, "summary.md"), "utf8");
    expect(md).toContain("**8 of 8 cells passed**");
    expect(md.split("\n").filter((l) => l.startsWith("| ✅ |"))).toHaveLength(8);
    expect(await readFile(summaryFile, "utf8")).toContain(md.trimEnd());
  });
});
