// Console view of a run: one row per cell, then the details of what failed.
import type { CellResult } from "../outcome.js";
import { cellPassed } from "../outcome.js";

/** Long compiler command lines would bury the error line. */
const clip = (line: string) => (line.length > 240 ? `${line.slice(0, 240)} …` : line);

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

function buildColumn(r: CellResult): string {
  switch (r.build.kind) {
    case "built":
      return `built ${r.build.seconds.toFixed(1)}s`;
    case "cached":
      return "cached";
    case "pulled":
      return `pulled ${r.build.seconds.toFixed(1)}s`;
    case "failed":
      return "FAILED";
  }
}

function checksColumn(r: CellResult): string {
  if (r.verify.kind === "skipped") return `- (${r.verify.reason})`;
  if (r.verify.kind === "error") return `ERROR ${r.verify.message.slice(0, 60)}`;
  const c = r.verify.result.checks;
  const failed = c.filter((x) => x.status === "fail");
  return failed.length
    ? `${c.length - failed.length}/${c.length} FAILED: ${failed.map((f) => f.name).join(", ")}`
    : `${c.length}/${c.length} pass`;
}

function pushColumn(r: CellResult): string {
  const p = r.push;
  if (!p) return "-";
  if (p.kind === "pushed") return `${p.ref.slice(p.ref.lastIndexOf("/") + 1)}@${p.digest.slice(0, 19)}${p.unchanged ? " (there)" : ""}`;
  return p.kind === "failed" ? "FAILED" : `- (${p.reason.slice(0, 40)})`;
}

/** Messages per second the throughput check measured (smoke figure, not a benchmark). */
function rateColumn(r: CellResult): string {
  const t = r.verify.kind === "verified" ? r.verify.result.throughput : undefined;
  return t ? `${t.perSecond.toFixed(0)}${t.via === "sendmail" ? " (sendmail)" : ""}` : "-";
}

/** The engine of a pool that did the cell, and the ones it was moved off. */
const engineColumn = (r: CellResult) => `${r.engine ?? "-"}${r.movedFrom?.length ? ` (moved off ${r.movedFrom.join(", ")})` : ""}`;

export function formatTable(results: readonly CellResult[]): string {
  const pushing = results.some((r) => r.push);
  const pooled = results.some((r) => r.engine || r.movedFrom);
  const rates = results.some((r) => r.verify.kind === "verified" && r.verify.result.throughput);
  const rows = results.map((r) => [
    cellPassed(r) ? "ok" : "FAIL",
    r.id,
    r.image,
    ...(pooled ? [engineColumn(r)] : []),
    buildColumn(r),
    r.build.kind === "failed" ? "-" : mb(r.build.size),
    ...(rates ? [rateColumn(r)] : []),
    ...(pushing ? [pushColumn(r)] : []),
    checksColumn(r),
  ]);
  const head = [
    "",
    "cell",
    "image",
    ...(pooled ? ["engine"] : []),
    "build",
    "size",
    ...(rates ? ["msg/s"] : []),
    ...(pushing ? ["pushed"] : []),
    "checks",
  ];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => (i === cols.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  const passed = results.filter(cellPassed).length;
  out.push("", `${passed} of ${results.length} cells passed`);
  return out.join("\n");
}

/** Everything a user needs to see about the cells that failed, and per-check detail. */
export function formatDetails(results: readonly CellResult[], opts: { all?: boolean } = {}): string {
  const out: string[] = [];
  for (const r of results) {
    const failed = !cellPassed(r);
    if (!failed && !opts.all) continue;
    out.push(`--- ${r.id} (${r.image})`);
    if (r.build.kind === "failed") {
      out.push(`build failed${r.build.step ? ` at step: ${r.build.step}` : ""}`, `error: ${r.build.message}`);
      if (r.build.lastLines.length) out.push("last output:", ...r.build.lastLines.map((l) => `  | ${clip(l)}`));
      out.push(`full log: ${r.logFile}`, `Dockerfile: ${r.dockerfile}`);
    }
    if (r.verify.kind === "error") out.push(`verification could not run: ${r.verify.message}`);
    if (r.push?.kind === "failed") out.push(r.push.message);
    if (r.verify.kind === "verified") {
      for (const c of r.verify.result.checks) {
        if (c.status === "fail" || opts.all) out.push(`  ${c.status === "pass" ? "pass" : "FAIL"}  ${c.name}: ${c.detail}`);
      }
    }
  }
  return out.join("\n");
}
