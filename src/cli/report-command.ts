// `report merge DIR...`: the report.json files of a matrix's shards (found under each DIR)
// into one report.json, its JUnit report.xml and a Markdown summary.md; the summary also goes
// to $GITHUB_STEP_SUMMARY when that is set. Exit 0 when every cell passed, 1 otherwise.
import { appendFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { ConfigError, ExitCode, UsageError } from "../errors.js";
import { junitReport } from "../core/report/machine.js";
import { markdownSummary } from "../core/report/markdown.js";
import { mergeReports, type ReportInput } from "../core/report/merge.js";

interface MergeFlags {
  out: string;
}

export function registerReportCommand(cli: Command): void {
  const report = cli.command("report").description("run reports");
  report
    .command("merge")
    .description("merge the report.json of several shards into one report.json, report.xml and summary.md")
    .argument("<dirs...>", "folders to search for report.json (or report.json files)")
    .option("--out <dir>", "folder for the merged report.json, report.xml and summary.md", "out/merged")
    .action(async (dirs: string[], o: MergeFlags) => {
      process.exitCode = await mergeCommand(dirs, o, process.env);
    });
}

export async function mergeCommand(args: readonly string[], o: MergeFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const files = (await Promise.all(args.map(reportFiles))).flat();
  const merged = mergeReports(await Promise.all(files.map(readReport)));
  await mkdir(o.out, { recursive: true });
  const out = (name: string) => path.join(o.out, name);
  const summary = markdownSummary(merged);
  await writeFile(out("report.json"), `${JSON.stringify(merged, null, 2)}\n`);
  await writeFile(out("report.xml"), junitReport(merged.matrix, merged.cells));
  await writeFile(out("summary.md"), summary);
  if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, summary);
  const s = merged.summary;
  process.stdout.write(
    `merged ${files.length} reports of ${merged.matrix}: ${s.cells} cells, ${s.passed} passed, ${s.failed} failed\n` +
      `reports: ${out("report.json")}, ${out("report.xml")}, ${out("summary.md")}${env.GITHUB_STEP_SUMMARY ? " (and the step summary)" : ""}\n`,
  );
  return s.failed === 0 ? ExitCode.ok : ExitCode.cellsFailed;
}

/** `arg` itself when it is a file, else every report.json under it, in a stable order. */
async function reportFiles(arg: string): Promise<string[]> {
  const st = await stat(arg).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${arg}: ${e.code ?? e.message}`);
  });
  if (st.isFile()) return [arg];
  const found = (await readdir(arg, { recursive: true }))
    .filter((f) => path.basename(f) === "report.json")
    .map((f) => path.join(arg, f))
    .sort();
  if (found.length === 0)
    throw new UsageError(`no report.json under ${arg}`, "pass the folders the shards' out/ artifacts were downloaded to");
  return found;
}

async function readReport(file: string): Promise<ReportInput> {
  const text = await readFile(file, "utf8");
  try {
    return { source: file, report: JSON.parse(text) as unknown };
  } catch (e) {
    throw new ConfigError([{ file, path: "", message: `not JSON: ${(e as Error).message}` }]);
  }
}
