// Machine-readable reports for CI: JSON (everything) and JUnit XML (one test per check).
import type { CellResult } from "../outcome.js";
import { cellPassed } from "../outcome.js";
import junitModule, { type Builder } from "junit-report-builder";

// A CommonJS package whose module.exports is the builder; its types describe an ES default.
const junit = junitModule as unknown as Builder;

export const REPORT_SCHEMA_VERSION = 1;

export function jsonReport(
  matrix: { name: string; file: string },
  results: readonly CellResult[],
  meta: { startedAt: string; seconds: number; engines?: readonly object[] },
) {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    matrix: matrix.name,
    file: matrix.file,
    startedAt: meta.startedAt,
    seconds: Math.round(meta.seconds * 10) / 10,
    ...(meta.engines ? { engines: meta.engines } : {}),
    summary: { cells: results.length, passed: results.filter(cellPassed).length, failed: results.filter((r) => !cellPassed(r)).length },
    cells: results.map((r) => ({ ...r, passed: cellPassed(r) })),
  };
}

/**
 * JUnit XML, built by junit-report-builder (in memory; nothing is written here): one suite
 * per cell, one test case for the build, one per check, one for the push. A failed build or
 * check is a failure; a verification that could not run is an error; a verification not
 * run (--no-verify, build failed) is a skipped case.
 */
export function junitReport(matrixName: string, results: readonly CellResult[]): string {
  const report = junit.newBuilder().name(matrixName);
  for (const r of results) {
    const suite = report.testSuite().name(`${matrixName}/${r.id}`);
    const test = (name: string) => suite.testCase().className(r.id).name(name);
    const b = r.build;
    const build = test("build").time(b.kind === "cached" ? 0 : b.seconds);
    if (b.kind === "failed") build.failure(b.message).stacktrace([b.step ?? "", ...b.lastLines].join("\n"));
    if (r.verify.kind === "error") test("verify").error(r.verify.message);
    if (r.verify.kind === "skipped") test("verify").skipped().standardOutput(r.verify.reason);
    if (r.verify.kind === "verified") {
      for (const c of r.verify.result.checks) {
        const t = test(c.name);
        if (c.status === "fail") t.failure(c.detail);
      }
    }
    if (r.push?.kind === "failed") test("push").failure(r.push.message);
    if (r.push?.kind === "skipped") test("push").skipped().standardOutput(r.push.reason);
    if (r.push?.kind === "pushed") test("push").standardOutput(`${r.push.ref}@${r.push.digest}`);
  }
  return `${report.build()}\n`;
}
