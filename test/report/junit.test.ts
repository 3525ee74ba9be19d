// junitReport (junit-report-builder underneath), parsed back with an XML parser: one suite per
// cell, failures and errors counted apart, every text intact after escaping.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CellResult } from "../../src/core/outcome.js";
import { junitReport } from "../../src/core/report/machine.js";
import { readJunit } from "./junit-xml.js";
import { ALL, RESULTS } from "./results.js";

describe("junitReport", () => {
  const doc = readJunit(junitReport('m<&">', ALL));
  const suite = (id: string) => doc.suites.find((s) => s.name === `m<&">/${id}`)!;

  it("is one suite per cell under one testsuites element named after the matrix", () => {
    expect(doc.name).toBe('m<&">');
    expect(doc.suites.map((s) => s.name)).toEqual(ALL.map((r) => `m<&">/${r.id}`));
  });

  it.each(RESULTS.map((r) => [r.result.id, r]))("%s: tests, failures, errors and skipped", (id, want) => {
    const s = suite(id as string);
    expect({ tests: s.tests, failures: s.failures, errors: s.errors, skipped: s.skipped }).toEqual({
      tests: want.tests,
      failures: want.failures,
      errors: want.errors,
      skipped: want.skipped,
    });
    for (const c of s.cases) expect(c.classname).toBe(id);
  });

  it("counts errors apart from failures at the top too", () => {
    const sum = (k: "failures" | "errors") => RESULTS.reduce((n, r) => n + r[k], 0);
    expect(doc.counts.failures).toBe(sum("failures"));
    expect(doc.counts.errors).toBe(sum("errors"));
  });

  it("a failed build carries its message, step and last lines, intact", () => {
    const b = ALL[2]!.build as Extract<CellResult["build"], { kind: "failed" }>;
    const build = suite("build-failed").cases.find((c) => c.name === "build")!;
    expect(build.failure?.message).toBe(b.message);
    expect(build.failure?.text).toBe([b.step, ...b.lastLines].join("\n"));
    expect(build.time).toBe(40);
  });

  it("a failed check is a failure with its detail; a verification that could not run is an error", () => {
    expect(suite("check-failed").cases.find((c) => c.name === "map types")?.failure?.message).toBe('missing <pcre> & "lmdb" | `x`');
    const verify = suite("verify-error").cases.find((c) => c.name === "verify")!;
    expect(verify.error?.message).toBe("Postfix did not start: <boom> ");
    expect(verify.failure).toBeUndefined();
  });

  it("a verification not run is a skipped case that says why", () => {
    const v = suite("cached-unverified").cases.find((c) => c.name === "verify")!;
    expect(v.skipped).toBe(true);
    expect(v.out).toBe("--no-verify");
  });

  it("keeps any message whole but for the characters XML 1.0 cannot hold", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 20 }), (message, line) => {
        const r: CellResult = { ...ALL[2]!, build: { kind: "failed", message, lastLines: [line], seconds: 1 } };
        const c = readJunit(junitReport("m", [r])).suites[0]!.cases[0]!;
        const legal = (s: string) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "");
        expect(c.failure?.message ?? "").toBe(legal(message));
        expect(c.failure?.text ?? "").toBe(legal(`\n${line}`));
      }),
      { seed: 12, numRuns: 150 },
    );
  });
});
