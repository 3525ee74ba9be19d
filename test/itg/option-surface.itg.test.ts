// The option surface, built and verified for real: every feature that builds on Debian here
// (matrices/features.yaml) and the install layouts (matrices/layouts.yaml).
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT } from "./cli.js";

interface Check {
  name: string;
  status: string;
  detail: string;
}
interface Report {
  summary: { cells: number; passed: number };
  cells: { id: string; passed: boolean; verify: { kind: string; result?: { checks: Check[] } } }[];
}

async function runMatrix(file: string, name: string): Promise<Report> {
  const out = path.join(ROOT, "out/itg");
  // --reverify: the test verifies every image now, whatever an earlier run found.
  const r = await cli(["run", file, "--reverify", "--out", out]);
  const report = JSON.parse(await readFile(path.join(out, name, "report.json"), "utf8")) as Report;
  const failed = report.cells
    .filter((c) => !c.passed)
    .map((c) => `${c.id}: ${JSON.stringify(c.verify.result?.checks.filter((k) => k.status !== "pass") ?? c.verify)}`);
  expect(failed, r.stdout).toEqual([]);
  expect(r.code).toBe(0);
  return report;
}

const checksOf = (report: Report, id: string) =>
  Object.fromEntries(report.cells.find((c) => c.id === id)!.verify.result!.checks.map((c) => [c.name, c]));

describe("matrices/features.yaml", () => {
  it("builds and verifies every feature, each as a working map type or protocol feature", async () => {
    const report = await runMatrix("matrices/features.yaml", "features");
    expect(report.summary.cells).toBe(14);
    const id = (f: string) => `debian-bookworm-3.10.13-${f}`;
    for (const type of ["pcre", "ldap", "mysql", "pgsql", "sqlite", "lmdb", "cdb", "mongodb"]) {
      const c = checksOf(report, id(type));
      expect(c["map types"]!.detail).toContain(type);
      expect(c["dynamicmaps plugins"]!.detail).toContain(type);
      expect(c["map lookups"]!.detail).toContain(type);
    }
    expect(checksOf(report, id("tls")).STARTTLS!.status).toBe("pass");
    expect(checksOf(report, id("sasl-cyrus"))["SASL server types"]!.detail).toContain("cyrus");
    expect(checksOf(report, id("sasl-dovecot"))["SASL server types"]!.detail).toContain("dovecot");
    expect(checksOf(report, id("eai")).SMTPUTF8!.detail).toContain("= yes");
    const nodb = checksOf(report, id("nodb-lmdb"));
    expect(nodb["map types"]!.detail).toMatch(/lacks .*hash/);
    expect(nodb["compiled defaults"]!.detail).toContain("default_database_type=lmdb");
    const all = checksOf(report, id("all"));
    expect(all["map lookups"]!.detail).toBe("looked up btree cdb hash ldap lmdb mongodb mysql pcre pgsql sqlite");
  });
});

describe("matrices/layouts.yaml", () => {
  it("builds and verifies compile-time and install-time layouts", async () => {
    const report = await runMatrix("matrices/layouts.yaml", "layouts");
    const id = (l: string) => `debian-bookworm-3.10.13-${l}`;
    expect(checksOf(report, id("versioned-shlib"))["shlib resolution"]!.detail).toContain("/usr/lib/postfix/3.10.13");
    expect(checksOf(report, id("versioned-all"))["compiled defaults"]!.detail).toContain("meta_directory=/usr/share/postfix/3.10.13");
    expect(
      checksOf(report, id("debian")).daemon_directory?.detail ?? checksOf(report, id("debian"))["compiled defaults"]!.detail,
    ).toContain("/usr/lib/postfix/sbin");
    expect(checksOf(report, id("fedora"))["shlib resolution"]!.detail).toContain("/usr/lib64/postfix");
    expect(checksOf(report, id("install-shlib-moved"))["shlib resolution"]!.detail).toContain("/usr/lib/x86_64-linux-gnu/postfix");
    expect(checksOf(report, id("install-versioned"))["shlib resolution"]!.detail).toContain("/opt/postfix/lib/3.10.13");
    expect(checksOf(report, id("install-opt")).command_directory!.detail).toBe("/opt/postfix/sbin");
  });
});

describe("matrices/compile-options.yaml", () => {
  it("records every make makefiles variable and switch in the build, and the images run", async () => {
    const report = await runMatrix("matrices/compile-options.yaml", "compile-options");
    const tuned = checksOf(report, "debian-bookworm-3.10.13-tuned");
    expect(tuned["build record"]!.detail).toBe("makedefs.out records CCARGS shared pie CC OPT DEBUG WARN SHLIB_CFLAGS");
    expect(tuned.PIE!.status).toBe("pass");
    expect(tuned["map types"]!.detail).toMatch(/lacks pcre/);
    const cdb = checksOf(report, "debian-bookworm-3.10.13-static-cdb");
    expect(cdb["compiled defaults"]!.detail).toBe("default_database_type=cdb");
    expect(cdb["map lookups"]!.detail).toBe("looked up cdb lmdb");
    expect(cdb["map types"]!.detail).toMatch(/lacks .*hash btree/);
  });
});
