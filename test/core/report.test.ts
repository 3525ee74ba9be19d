// Console table, failure details, JSON and JUnit reports over hand-built results.
import { describe, expect, it } from "vitest";
import { REPORT_SCHEMA_VERSION, jsonReport } from "../../src/core/report/machine.js";
import { formatDetails, formatTable } from "../../src/core/report/table.js";
import type { CellResult } from "../../src/core/outcome.js";

const base = (id: string): Omit<CellResult, "build" | "verify"> => ({
  id,
  image: `postfix-matrix/default:${id}`,
  values: { os: "debian:bookworm", postfix: "3.10.13" },
  logFile: `/tmp/logs/${id}.log`,
  dockerfile: `/tmp/ctx/${id}/Dockerfile`,
});
const pass = (name: string) => ({ name, status: "pass" as const, detail: `${name} ok` });

const built: CellResult = {
  ...base("built-ok"),
  build: { kind: "built", imageId: "sha256:aa", seconds: 12.34, size: 123_400_000 },
  verify: { kind: "verified", result: { checks: [pass("postfix check"), pass("mail delivery")], startupSeconds: 1, seconds: 3 } },
};
const cached: CellResult = {
  ...base("cached-ok"),
  build: { kind: "cached", imageId: "sha256:bb", size: 98_000_000 },
  verify: { kind: "skipped", reason: "--no-verify" },
};
const failed: CellResult = {
  ...base("build-failed"),
  build: {
    kind: "failed",
    message: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
    step: "[build 4/5] RUN make makefiles && make",
    lastLines: ["cc: error: foo.c: No such file", "make: *** [Makefile:8: all] Error 1"],
    seconds: 40,
  },
  verify: { kind: "skipped", reason: "build failed" },
};
const checkFailed: CellResult = {
  ...base("check-failed"),
  build: { kind: "built", imageId: "sha256:cc", seconds: 5, size: 50_000_000 },
  verify: {
    kind: "verified",
    result: {
      checks: [pass("postfix check"), { name: "map types", status: "fail", detail: 'missing <pcre> & "lmdb"' }, pass("relay refused")],
      startupSeconds: 1,
      seconds: 2,
    },
  },
};
const verifyError: CellResult = {
  ...base("verify-error"),
  build: { kind: "cached", imageId: "sha256:dd", size: 60_000_000 },
  verify: { kind: "error", message: 'container did not start: postfix/master: fatal: <boom> & "bang"' },
};
const ALL = [built, cached, failed, checkFailed, verifyError];
const PASSING = [built, cached];
const FAILING = [failed, checkFailed, verifyError];

describe("formatTable", () => {
  const table = formatTable(ALL);
  const lines = table.split("\n");
  const row = (id: string) => lines.find((l) => l.split(/\s+/).includes(id))!;

  it("has a header, one row per cell and a summary", () => {
    expect(lines[0]!.split(/\s+/).filter(Boolean)).toEqual(["cell", "image", "build", "size", "checks"]);
    for (const r of ALL) expect(row(r.id)).toBeDefined();
    expect(lines.at(-1)).toBe(`${PASSING.length} of ${ALL.length} cells passed`);
    expect(lines.at(-2)).toBe("");
  });

  it.each(PASSING.map((r) => [r.id]))("%s is ok", (id) => {
    expect(row(id).startsWith("ok ")).toBe(true);
  });

  it.each(FAILING.map((r) => [r.id]))("%s is FAIL", (id) => {
    expect(row(id).startsWith("FAIL ")).toBe(true);
  });

  it("shows build time, cache state, size and checks", () => {
    expect(row("built-ok")).toContain("built 12.3s");
    expect(row("built-ok")).toContain("123 MB");
    expect(row("built-ok")).toContain("2/2 pass");
    expect(row("cached-ok")).toContain("cached");
    expect(row("cached-ok")).toContain("- (--no-verify)");
    expect(row("build-failed")).toMatch(/FAILED\s+-\s/);
    expect(row("check-failed")).toContain("2/3 FAILED: map types");
    expect(row("verify-error")).toContain("ERROR container did not start");
  });

  it("aligns columns", () => {
    const starts = ALL.map((r) => row(r.id).indexOf(r.image));
    expect(new Set(starts).size).toBe(1);
    for (const l of lines) expect(l).toBe(l.trimEnd());
  });

  it("an empty run says so", () => {
    expect(formatTable([]).split("\n").at(-1)).toBe("0 of 0 cells passed");
  });
});

describe("formatDetails", () => {
  it("shows only failed cells by default", () => {
    const d = formatDetails(ALL);
    for (const r of FAILING) expect(d).toContain(`--- ${r.id} (${r.image})`);
    for (const r of PASSING) expect(d).not.toContain(`--- ${r.id}`);
    expect(formatDetails(PASSING)).toBe("");
  });

  it("a failed build shows its step, message, last output lines, log and Dockerfile", () => {
    const d = formatDetails([failed]);
    const b = failed.build as Extract<CellResult["build"], { kind: "failed" }>;
    expect(d).toContain(`build failed at step: ${b.step}`);
    expect(d).toContain(`error: ${b.message}`);
    for (const l of b.lastLines) expect(d).toContain(`  | ${l}`);
    expect(d).toContain(`full log: ${failed.logFile}`);
    expect(d).toContain(`Dockerfile: ${failed.dockerfile}`);
    // Output lines come in order, after their heading.
    const lines = d.split("\n");
    expect(lines.indexOf("last output:")).toBeLessThan(lines.indexOf(`  | ${b.lastLines[0]}`));
    expect(lines.indexOf(`  | ${b.lastLines[0]}`)).toBeLessThan(lines.indexOf(`  | ${b.lastLines[1]}`));
  });

  it("a failed build without a step or output still points at the log", () => {
    const bare: CellResult = { ...failed, build: { kind: "failed", message: "boom", lastLines: [], seconds: 1 } };
    const d = formatDetails([bare]);
    expect(d).toContain("build failed\n");
    expect(d).not.toContain("at step");
    expect(d).not.toContain("last output:");
    expect(d).toContain(`full log: ${failed.logFile}`);
  });

  it("a failed check shows its name and detail, passing ones only with all", () => {
    const d = formatDetails([checkFailed]);
    expect(d).toContain('  FAIL  map types: missing <pcre> & "lmdb"');
    expect(d).not.toContain("pass  postfix check");
    const all = formatDetails([checkFailed], { all: true });
    expect(all).toContain("  pass  postfix check: postfix check ok");
    expect(all).toContain("  FAIL  map types");
  });

  it("a verification error says verification could not run", () => {
    expect(formatDetails([verifyError])).toContain(`verification could not run: ${(verifyError.verify as { message: string }).message}`);
  });

  it("with all, passing cells are listed too", () => {
    const d = formatDetails(ALL, { all: true });
    for (const r of ALL) expect(d).toContain(`--- ${r.id} (${r.image})`);
  });
});

describe("jsonReport", () => {
  const meta = { startedAt: "2025-01-01T00:00:00.000Z", seconds: 123.456 };
  const j = jsonReport({ name: "default", file: "matrices/default.yaml" }, ALL, meta);

  it("carries schema version, matrix and rounded time", () => {
    expect(j.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
    expect(j.matrix).toBe("default");
    expect(j.file).toBe("matrices/default.yaml");
    expect(j.startedAt).toBe(meta.startedAt);
    expect(j.seconds).toBe(123.5);
  });

  it("counts passed and failed cells", () => {
    expect(j.summary).toEqual({ cells: ALL.length, passed: PASSING.length, failed: FAILING.length });
  });

  it("keeps every result and marks it", () => {
    expect(j.cells.map((c) => [c.id, c.passed])).toEqual(ALL.map((r) => [r.id, PASSING.includes(r)]));
    expect(j.cells[2]).toMatchObject({ build: failed.build, logFile: failed.logFile });
  });

  it("survives JSON round trip", () => {
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });
});

// junitReport: test/report/junit.test.ts (the XML parsed back).
