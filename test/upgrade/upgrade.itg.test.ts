// `postfix-matrix upgrade matrices/upgrade.yaml`, for real: each scenario builds its two
// images, upgrades a running 3.7.11 to 3.10.13 with mail in the queue, and is judged against
// what the file declares. Asserts each scenario's checks from upgrade-report.json.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT } from "../itg/cli.js";

interface Check {
  id: string;
  status: "pass" | "fail" | "skip";
  detail: string;
}
interface Scenario {
  name: string;
  expect: string;
  checks: Check[];
  error?: string;
  verdict: { outcome: string; asExpected: boolean; reason: string };
  timings: { fromBuild: number; toBuild: number; upgrade: number; total: number };
}
interface Report {
  name: string;
  summary: { scenarios: number; asExpected: number; notAsExpected: number };
  scenarios: Scenario[];
}

describe("postfix-matrix upgrade matrices/upgrade.yaml", () => {
  it("runs every scenario and each ends as declared", async () => {
    const out = path.join(ROOT, "out/itg-upgrade");
    const r = await cli(["upgrade", "matrices/upgrade.yaml", "--out", out]);
    const report = JSON.parse(await readFile(path.join(out, "upgrade/upgrade-report.json"), "utf8")) as Report;
    const by = Object.fromEntries(report.scenarios.map((s) => [s.name, s]));
    const checks = (name: string) => Object.fromEntries(by[name]!.checks.map((c) => [c.id, c]));
    const all = (name: string) => by[name]!.checks.map((c) => `${c.status} ${c.id}: ${c.detail}`).join("\n");

    // The versioned shared + dynamicmaps upgrade, applied with postfix reload.
    const v = checks("3.7-to-3.10-shared-versioned");
    for (const c of Object.values(v)) expect(c.status, all("3.7-to-3.10-shared-versioned")).toBe("pass");
    expect(v["mail-version"]!.detail).toBe("3.10.13");
    expect(v["shlib-directory"]!.detail).toBe("main.cf: shlib_directory = /usr/lib/postfix/${mail_version} -> /usr/lib/postfix/3.10.13");
    expect(v["shlib-versions-kept"]!.detail).toMatch(/\/usr\/lib\/postfix\/3\.7\.11: [1-9].*\/usr\/lib\/postfix\/3\.10\.13: [1-9]/);
    // The old master still runs (reload), from libraries that are still on disk.
    expect(v["running-libraries"]!.detail).toMatch(/master\[1\] \/usr\/lib\/postfix\/3\.7\.11/);
    expect(v["queue-delivered"]!.detail).toMatch(/exactly once/);
    expect(Object.keys(v)).toEqual(
      expect.arrayContaining(["plugins", "settings-kept", "queue-kept", "new-mail", "relay-refused", "postfix-check"]),
    );

    // Non-shared (upstream defaults).
    const st = checks("3.7-to-3.10-static");
    for (const c of Object.values(st)) expect(c.status, all("3.7-to-3.10-static")).toBe("pass");
    expect(st["shlib-resolution"]).toBeUndefined();

    // One flat shlib_directory, reloaded: exactly the running-libraries check fails, and says why.
    const flat = checks("3.7-to-3.10-shared-flat-reload");
    const failed = Object.values(flat)
      .filter((c) => c.status !== "pass")
      .map((c) => c.id);
    expect(failed, all("3.7-to-3.10-shared-flat-reload")).toEqual(["running-libraries"]);
    expect(flat["running-libraries"]!.detail).toMatch(/master\[1\]: .*libpostfix-util\.so/);
    expect(by["3.7-to-3.10-shared-flat-reload"]!.verdict).toMatchObject({ outcome: "fail", asExpected: true });

    // The same layout with a restart: nothing old keeps running.
    const rs = checks("3.7-to-3.10-shared-flat-restart");
    for (const c of Object.values(rs)) expect(c.status, all("3.7-to-3.10-shared-flat-restart")).toBe("pass");

    expect(report.summary.notAsExpected, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/4 of 4 scenarios as expected/);
    expect(r.stdout).toMatch(/FAIL {2}running-libraries/);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    for (const s of report.scenarios) expect(s.timings.total).toBeGreaterThan(0);
  });

  it("refuses a bad scenario file before building anything (exit 2)", async () => {
    const r = await cli(["upgrade", "test/fixtures/does-not-exist.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read upgrade file/);
  });
});
