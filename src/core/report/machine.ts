// Machine-readable reports for CI: JSON (everything) and JUnit XML (one test per check).
import type { CellResult } from "../outcome.js";
import { cellPassed } from "../outcome.js";

export const REPORT_SCHEMA_VERSION = 1;

export function jsonReport(
  matrix: { name: string; file: string },
  results: readonly CellResult[],
  meta: { startedAt: string; seconds: number },
) {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    matrix: matrix.name,
    file: matrix.file,
    startedAt: meta.startedAt,
    seconds: Math.round(meta.seconds * 10) / 10,
    summary: { cells: results.length, passed: results.filter(cellPassed).length, failed: results.filter((r) => !cellPassed(r)).length },
    cells: results.map((r) => ({ ...r, passed: cellPassed(r) })),
  };
}

const esc = (s: string) =>
  s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");

export function junitReport(matrixName: string, results: readonly CellResult[]): string {
  const suites = results.map((r) => {
    const cases: string[] = [];
    const build = r.build;
    cases.push(
      build.kind === "failed"
        ? `    <testcase classname="${esc(r.id)}" name="build" time="${build.seconds}"><failure message="${esc(build.message)}">${esc([build.step ?? "", ...build.lastLines].join("\n"))}</failure></testcase>`
        : `    <testcase classname="${esc(r.id)}" name="build" time="${build.kind === "built" ? build.seconds : 0}"/>`,
    );
    if (r.verify.kind === "error")
      cases.push(`    <testcase classname="${esc(r.id)}" name="verify"><error message="${esc(r.verify.message)}"/></testcase>`);
    if (r.verify.kind === "verified") {
      for (const c of r.verify.result.checks) {
        cases.push(
          c.status === "pass"
            ? `    <testcase classname="${esc(r.id)}" name="${esc(c.name)}"/>`
            : `    <testcase classname="${esc(r.id)}" name="${esc(c.name)}"><failure message="${esc(c.detail)}"/></testcase>`,
        );
      }
    }
    const failures = cases.filter((c) => c.includes("<failure") || c.includes("<error")).length;
    return `  <testsuite name="${esc(`${matrixName}/${r.id}`)}" tests="${cases.length}" failures="${failures}">\n${cases.join("\n")}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(matrixName)}">\n${suites.join("\n")}\n</testsuites>\n`;
}
