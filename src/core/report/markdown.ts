// A Markdown summary of a (merged) report, for GitHub's step summary: a table row per cell
// (build, time, size, checks), then each failure with what it saw and its log tail. Bounded,
// since a step summary holds at most 1 MiB.
import type { CellResult } from "../outcome.js";
import type { MergedReport } from "./merge.js";

/** At most this many table rows and detailed failures; the rest are counted. */
export const SUMMARY_LIMITS = { rows: 300, failures: 30, tailLines: 30, lineChars: 240 } as const;

/** Text that Markdown and GitHub's HTML sanitizer show as it is, on one line. */
export const mdText = (s: string): string =>
  s
    .replace(/\s+/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|#~!])/g, "\\$1");

/** Inline code: shown literally; a backtick inside would end it, so it becomes a quote. */
export const codeSpan = (s: string): string => `\`${s.replace(/\s+/g, " ").replace(/`/g, "'")}\``;

/** A fenced block longer than any backtick run inside, so nothing closes it early. */
export function codeBlock(lines: readonly string[]): string {
  const text = lines.join("\n");
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

type Cell = MergedReport["cells"][number];

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

function buildCols(r: CellResult): [string, string, string] {
  const b = r.build;
  if (b.kind === "cached") return ["cached", "-", mb(b.size)];
  if (b.kind === "failed") return ["**failed**", `${b.seconds.toFixed(1)} s`, "-"];
  return [b.kind, `${b.seconds.toFixed(1)} s`, mb(b.size)];
}

function checksCol(r: CellResult): string {
  if (r.verify.kind === "skipped") return `- (${mdText(r.verify.reason)})`;
  if (r.verify.kind === "error") return "**error**";
  const checks = r.verify.result.checks;
  const failed = checks.filter((c) => c.status === "fail").map((c) => mdText(c.name));
  return failed.length
    ? `${checks.length - failed.length}/${checks.length}, **failed**: ${failed.join(", ")}`
    : `${checks.length}/${checks.length} pass`;
}

function pushCol(r: CellResult): string {
  if (!r.push) return "-";
  if (r.push.kind === "pushed") return codeSpan(r.push.digest.slice(0, 19));
  return r.push.kind === "failed" ? "**failed**" : `- (${mdText(r.push.reason)})`;
}

/** A pool's engine, and the engines the cell was moved off. */
const engineCol = (c: Cell) =>
  `${c.engine ? codeSpan(c.engine) : "-"}${c.movedFrom?.length ? ` (moved off ${c.movedFrom.map(codeSpan).join(", ")})` : ""}`.replace(
    /\|/g,
    "\\|",
  );

function table(cells: readonly Cell[]): string[] {
  const pushing = cells.some((c) => c.push);
  const pooled = cells.some((c) => c.engine);
  const head = ["", "cell", ...(pooled ? ["engine"] : []), "build", "time", "size", ...(pushing ? ["push"] : []), "checks"];
  const rows = cells.map((c) => [
    c.passed ? "✅" : "❌",
    codeSpan(c.id).replace(/\|/g, "\\|"),
    ...(pooled ? [engineCol(c)] : []),
    ...buildCols(c),
    ...(pushing ? [pushCol(c)] : []),
    checksCol(c),
  ]);
  const line = (cols: string[]) => `| ${cols.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)];
}

const tail = (lines: readonly string[]) =>
  lines
    .slice(-SUMMARY_LIMITS.tailLines)
    .map((l) => (l.length > SUMMARY_LIMITS.lineChars ? `${l.slice(0, SUMMARY_LIMITS.lineChars)} …` : l));

function failure(c: Cell): string[] {
  const out = [`#### ❌ ${codeSpan(c.id)}`, ""];
  if (c.build.kind === "failed") {
    out.push(`Build failed${c.build.step ? ` at step ${codeSpan(c.build.step)}` : ""}: ${mdText(c.build.message)}`);
    if (c.build.lastLines.length)
      out.push(
        "",
        `<details><summary>last ${Math.min(c.build.lastLines.length, SUMMARY_LIMITS.tailLines)} lines of the build log</summary>`,
        "",
        codeBlock(tail(c.build.lastLines)),
        "",
        "</details>",
      );
    out.push("", `Full log: ${codeSpan(c.logFile)} (in the shard's artifact)`);
  }
  if (c.verify.kind === "error") out.push(`Verification could not run: ${mdText(c.verify.message)}`);
  if (c.verify.kind === "verified")
    for (const k of c.verify.result.checks.filter((x) => x.status === "fail")) out.push(`- **${mdText(k.name)}**: ${mdText(k.detail)}`);
  if (c.push?.kind === "failed") out.push(`Push failed: ${mdText(c.push.message)}`);
  return [...out, ""];
}

export function markdownSummary(report: MergedReport): string {
  const { cells, summary } = report;
  // Failures first, so a long table cut at its limit still shows every one of them.
  const ordered = [...cells.filter((c) => !c.passed), ...cells.filter((c) => c.passed)];
  const shown = ordered.slice(0, SUMMARY_LIMITS.rows);
  const out = [
    `## postfix-matrix: ${mdText(report.matrix)}`,
    "",
    `**${summary.passed} of ${summary.cells} cells passed**${summary.failed ? `, ${summary.failed} failed` : ""} (${codeSpan(report.file)}, ${report.seconds.toFixed(1)} s from ${report.startedAt})`,
    "",
    ...table(shown),
  ];
  if (ordered.length > shown.length) out.push("", `… and ${ordered.length - shown.length} more cells that passed: see report.json`);
  const failed = cells.filter((c) => !c.passed);
  if (failed.length) {
    out.push("", "### Failures", "");
    for (const c of failed.slice(0, SUMMARY_LIMITS.failures)) out.push(...failure(c));
    if (failed.length > SUMMARY_LIMITS.failures)
      out.push(`… and ${failed.length - SUMMARY_LIMITS.failures} more failed cells: see report.json`, "");
  }
  return `${out.join("\n").trimEnd()}\n`;
}
