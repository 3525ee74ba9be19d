// `postfix-matrix upgrade <file>`: runs upgrade scenarios and says, per scenario, whether
// what happened is what the file declared. Exit 0 when every scenario is as expected,
// 1 otherwise; bad input (2), an unready machine (3) and interrupts go through main's boundary.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { ExitCode, InterruptedError, UsageError } from "../errors.js";
import { parseUpgradeFile } from "../core/upgrade/load.js";
import type { UpgradePlan } from "../core/upgrade/model.js";
import { formatUpgradeDetails, formatUpgradeTable, upgradeJsonReport } from "../core/upgrade/report.js";
import { builderOption } from "./options.js";

const log = (line: string) => process.stderr.write(`${line}\n`);

export async function loadUpgradePlan(file: string, only?: string[]): Promise<UpgradePlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read upgrade file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const plan = parseUpgradeFile(text, file);
  if (!only || only.length === 0) return plan;
  const names = plan.scenarios.map((s) => s.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length > 0) throw new UsageError(`no scenario named ${unknown.join(", ")} in ${file} (scenarios: ${names.join(", ")})`);
  return { ...plan, scenarios: plan.scenarios.filter((s) => only.includes(s.name)) };
}

interface UpgradeFlags {
  out: string;
  only?: string[];
  builder: "buildkit" | "classic";
  bootstrapMissing?: boolean;
  dryRun?: boolean;
}

/** `--dry-run`: the file is checked like a real run (every rule), and nothing is built. */
export function formatUpgradeDryRun(plan: UpgradePlan): string {
  const lines = plan.scenarios.map(
    (s) =>
      `${s.name}: ${s.os}, ${s.from.recipe.version} -> ${s.to.recipe.version} (${s.direction}), apply ${s.apply}, expect ${s.expect}${s.breaks.length ? ` (breaks ${s.breaks.join(", ")})` : ""}, ${s.checks.length} checks`,
  );
  const n = plan.scenarios.length;
  return [...lines, `${plan.file}: ${n} upgrade scenario${n === 1 ? "" : "s"} valid; nothing was built`].join("\n");
}

export function registerUpgradeCommand(cli: Command): void {
  cli
    .command("upgrade")
    .description("run upgrade scenarios: `make upgrade` from one release to another on a running mail system")
    .argument("<file>", "upgrade scenario YAML file (e.g. matrices/upgrade.yaml)")
    .option("--out <dir>", "folder for Dockerfiles, logs and upgrade-report.json", "out")
    .option("--only <names...>", "scenario names")
    .addOption(builderOption())
    .option("--bootstrap-missing", "bootstrap missing Debian base images with debootstrap")
    .option("--dry-run", "check the file (every rule, both sides' recipes) and build nothing")
    .action(async (file: string, o: UpgradeFlags) => {
      if (o.dryRun) {
        process.stdout.write(`${formatUpgradeDryRun(await loadUpgradePlan(file, o.only))}\n`);
        process.exitCode = ExitCode.ok;
        return;
      }
      process.exitCode = await runUpgrade(file, o);
    });
}

async function runUpgrade(file: string, o: UpgradeFlags): Promise<number> {
  const plan = await loadUpgradePlan(file, o.only);
  // Docker and testcontainers are loaded only when scenarios really run (not for --dry-run).
  const [{ DockerodeEngine }, { makeRenderer }, { loadTemplates }, { defaultResolveOptions }, { onInterrupt }, { runUpgradePlan }] =
    await Promise.all([
      import("../io/docker/dockerode-engine.js"),
      import("../core/render/dockerfile.js"),
      import("../io/fs/templates.js"),
      import("../io/source/resolve.js"),
      import("./interrupt.js"),
      import("../run/run-upgrade.js"),
    ]);
  const started = new Date();
  const { signal, registry } = onInterrupt((l) => log(`\n${l}`), "upgrade containers");
  log(`${plan.name}: ${plan.scenarios.length} upgrade scenario${plan.scenarios.length === 1 ? "" : "s"}, ${o.builder}`);
  const results = await runUpgradePlan(plan, {
    engine: new DockerodeEngine(),
    render: makeRenderer(await loadTemplates()),
    builder: o.builder,
    outDir: o.out,
    sources: defaultResolveOptions(),
    bootstrapMissing: Boolean(o.bootstrapMissing),
    log,
    signal,
    registry,
  });
  if (signal.aborted) throw new InterruptedError();
  const seconds = (Date.now() - started.getTime()) / 1000;
  const dir = path.join(o.out, plan.name);
  await mkdir(dir, { recursive: true });
  const reportFile = path.join(dir, "upgrade-report.json");
  await writeFile(
    reportFile,
    `${JSON.stringify(upgradeJsonReport(plan, results, { startedAt: started.toISOString(), seconds }), null, 2)}\n`,
  );
  process.stdout.write(`\n${formatUpgradeTable(results)}\n`);
  const details = formatUpgradeDetails(results);
  if (details) process.stdout.write(`\n${details}\n`);
  process.stdout.write(`\nreport: ${reportFile} (${seconds.toFixed(1)} s)\n`);
  return results.every((r) => r.verdict.asExpected) ? ExitCode.ok : ExitCode.cellsFailed;
}
