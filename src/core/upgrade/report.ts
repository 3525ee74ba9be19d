// Console and JSON views of an upgrade run. Pure.
import type { ScenarioReport, UpgradePlan } from "./model.js";

const secs = (n: number) => `${n.toFixed(1)}s`;

function buildCol(b: ScenarioReport["from"]): string {
  return b.build === "built" ? `built ${secs(b.seconds)}` : b.build === "cached" ? "cached" : "FAILED";
}

function checksCol(r: ScenarioReport): string {
  const run = r.checks.filter((c) => c.status !== "skip");
  const failed = r.checks.filter((c) => c.status === "fail");
  const skipped = r.checks.length - run.length;
  const base = `${run.length - failed.length}/${r.checks.length} pass`;
  return `${base}${failed.length ? `, FAILED: ${failed.map((c) => c.id).join(", ")}` : ""}${skipped ? `, ${skipped} not run` : ""}`;
}

export function formatUpgradeTable(results: readonly ScenarioReport[]): string {
  const head = ["", "scenario", "upgrade", "apply", "from", "to", "upgrade+apply", "total", "expect", "checks"];
  const rows = results.map((r) => [
    r.verdict.asExpected ? "ok" : "FAIL",
    r.name,
    `${r.from.version} -> ${r.to.version}${r.direction === "downgrade" ? " (down)" : ""}`,
    r.apply,
    buildCol(r.from),
    buildCol(r.to),
    secs(r.timings.upgrade),
    secs(r.timings.total),
    `${r.expect} (${r.verdict.outcome === r.expect ? "got it" : `got ${r.verdict.outcome}`})`,
    checksCol(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const ok = results.filter((r) => r.verdict.asExpected).length;
  return [line(head), ...rows.map(line), "", `${ok} of ${results.length} scenarios as expected`].join("\n");
}

/**
 * Every failed check with what it saw, for every scenario that has one: a scenario that was
 * meant to fail shows what broke just like one that was not.
 */
export function formatUpgradeDetails(results: readonly ScenarioReport[]): string {
  const out: string[] = [];
  for (const r of results) {
    const failed = r.checks.filter((c) => c.status === "fail");
    if (failed.length === 0 && !r.error && r.verdict.asExpected) continue;
    out.push(
      `--- ${r.name}: ${r.from.version} -> ${r.to.version}, ${r.apply}, expected to ${r.expect}: ${r.verdict.asExpected ? "as expected" : "NOT AS EXPECTED"} (${r.verdict.reason})`,
    );
    if (r.error) out.push(`  error: ${r.error}`);
    for (const c of failed) out.push(`  FAIL  ${c.id}: ${c.detail}`);
    if (!r.verdict.asExpected) {
      for (const c of r.checks.filter((x) => x.status === "skip")) out.push(`  skip  ${c.id}: ${c.detail}`);
    }
    out.push(`  files: ${r.files.dir}/ (Dockerfiles, build logs, make-upgrade.log, container.log)`);
  }
  return out.join("\n");
}

export function upgradeJsonReport(plan: UpgradePlan, results: readonly ScenarioReport[], run: { startedAt: string; seconds: number }) {
  return {
    file: plan.file,
    name: plan.name,
    ...(plan.description ? { description: plan.description } : {}),
    startedAt: run.startedAt,
    seconds: run.seconds,
    summary: {
      scenarios: results.length,
      asExpected: results.filter((r) => r.verdict.asExpected).length,
      notAsExpected: results.filter((r) => !r.verdict.asExpected).length,
    },
    scenarios: results,
  };
}
