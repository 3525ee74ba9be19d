// Shards' reports into one: every cell once (an identical copy, such as a report downloaded
// twice, is dropped; two different results for one cell are an error), the summary counted
// again, the time from the first shard's start to the last one's end.
import { ConfigError, type ConfigIssue } from "../../errors.js";
import type { CellResult } from "../outcome.js";
import { jsonReport } from "./machine.js";
import { type ParsedReport, reportSchema } from "./report-schema.js";

export interface ReportInput {
  /** Where it was read from, for the messages. */
  source: string;
  report: unknown;
}

export type MergedReport = ReturnType<typeof jsonReport>;

export function parseReport(input: ReportInput): ParsedReport | ConfigIssue[] {
  const r = reportSchema.safeParse(input.report);
  if (r.success) return r.data as unknown as ParsedReport;
  return r.error.issues.map((i) => ({
    file: input.source,
    path: i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, ""),
    message: i.message,
  }));
}

/** A stable text of a value: object keys sorted, so two copies compare equal. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );

/** Drops what jsonReport added, so a merged report merges again the same. */
function resultOf(c: CellResult & { passed?: boolean }): CellResult {
  const { passed: _passed, ...rest } = c;
  return rest;
}

export function mergeReports(inputs: readonly ReportInput[]): MergedReport {
  if (inputs.length === 0) throw new ConfigError([{ file: "(none)", path: "", message: "no report.json to merge" }]);
  const issues: ConfigIssue[] = [];
  const parsed: { source: string; report: ParsedReport }[] = [];
  for (const input of inputs) {
    const r = parseReport(input);
    if (Array.isArray(r)) issues.push(...r);
    else parsed.push({ source: input.source, report: r });
  }
  if (issues.length > 0) throw new ConfigError(issues, "each file must be a report.json written by postfix-matrix run");
  const first = parsed[0]!;
  for (const { source, report } of parsed) {
    if (report.matrix !== first.report.matrix || report.file !== first.report.file)
      issues.push({
        file: source,
        path: "matrix",
        message: `is ${report.matrix} (${report.file}), but ${first.source} is ${first.report.matrix} (${first.report.file}): only one matrix's shards merge`,
      });
  }
  const cells = new Map<string, { source: string; result: CellResult; text: string }>();
  for (const { source, report } of parsed) {
    for (const [i, c] of report.cells.entries()) {
      const result = resultOf(c);
      const text = canonical(result);
      const seen = cells.get(c.id);
      if (!seen) cells.set(c.id, { source, result, text });
      else if (seen.text !== text)
        issues.push({ file: source, path: `cells[${i}]`, message: `cell ${c.id} has another result in ${seen.source}` });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues, "merge the reports of one run of one matrix");
  const results = [...cells.values()].map((c) => c.result).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return jsonReport({ name: first.report.matrix, file: first.report.file }, results, span(parsed.map((p) => p.report)));
}

function span(reports: readonly ParsedReport[]): { startedAt: string; seconds: number } {
  const start = Math.min(...reports.map((r) => Date.parse(r.startedAt)));
  const end = Math.max(...reports.map((r) => Date.parse(r.startedAt) + r.seconds * 1000));
  return { startedAt: new Date(start).toISOString(), seconds: (end - start) / 1000 };
}
