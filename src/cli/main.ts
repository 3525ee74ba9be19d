#!/usr/bin/env node
// The CLI and its one error boundary: PostfixMatrixError subclasses print as a message plus
// a hint and exit with their code; anything else is a bug and prints its stack.
import { realpathSync } from "node:fs";
import { readFile, writeFile, mkdir, stat } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { Command } from "commander";
import { ConfigError, EnvironmentError, ExitCode, InterruptedError, PostfixMatrixError, UsageError } from "../errors.js";
import { prepareMatrix, type PreparedMatrix } from "../core/prepare.js";
import { YAML_LIMITS } from "../core/matrix/yaml.js";
import { makeRenderer } from "../core/render/dockerfile.js";
import { formatDetails, formatTable } from "../core/report/table.js";
import { jsonReport, junitReport } from "../core/report/machine.js";
import { loadTemplates } from "../io/fs/templates.js";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";
import { bootstrapBaseImage } from "../io/base/bootstrap.js";
import { defaultResolveOptions } from "../io/source/resolve.js";
import { runMatrix, writeDockerfiles } from "../run/run-matrix.js";
import { formatPlan, planCells } from "../core/plan/plan.js";
import { VerifyCache } from "../io/verify/cache.js";
import { defaultCacheDir } from "../io/source/cache.js";
import { LiveView, wantsLiveView } from "./view/live.js";
import { PlainView } from "./view/plain.js";
import { cellPassed } from "../core/outcome.js";
import { filterCells } from "./filter.js";
import { defaultConcurrency } from "./concurrency.js";
import { builderOption, onInterrupt } from "./interrupt.js";
import { registerUpgradeCommand } from "./upgrade-command.js";

// No registry is reachable and Ryuk would have to be pulled: we remove our own containers.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

const log = (line: string) => process.stderr.write(`${line}\n`);

async function load(file: string, only?: string[]): Promise<PreparedMatrix> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    // A huge file is refused unread (readYaml counts characters, up to 4 bytes each).
    if (size > YAML_LIMITS.bytes * 4)
      throw new ConfigError([{ file, path: "", line: 1, message: `the file is ${size} bytes; at most 1 MiB is read` }]);
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new UsageError(`cannot read matrix ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const p = prepareMatrix(text, file);
  return { ...p, cells: filterCells(p.cells, only) };
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number, not ${v}`);
  return n;
};

function program(): Command {
  const cli = new Command("postfix-matrix")
    .description("Build and verify Postfix container images across a matrix of OS targets, releases and build options")
    .showHelpAfterError()
    .exitOverride();

  cli
    .command("expand")
    .description("print the cells a matrix expands to")
    .argument("<matrix>", "matrix YAML file")
    .option("--json", "print JSON")
    .option("--only <terms...>", "cell ids or axis=value filters")
    .action(async (file: string, o: { json?: boolean; only?: string[] }) => {
      const p = await load(file, o.only);
      if (o.json) {
        process.stdout.write(
          `${JSON.stringify(
            p.cells.map((c) => ({ id: c.cell.id, image: c.image, values: c.cell.values, options: c.cell.options, keys: c.recipe.keys })),
            null,
            2,
          )}\n`,
        );
        return;
      }
      for (const c of p.cells) {
        process.stdout.write(`${c.cell.id.padEnd(48)} ${c.image}\n`);
        for (const n of c.notes) process.stdout.write(`  note: ${n}\n`);
      }
      process.stdout.write(`${p.cells.length} cells\n`);
    });

  cli
    .command("generate")
    .description("write each cell's Dockerfile under --out, without building")
    .argument("<matrix>", "matrix YAML file")
    .option("--out <dir>", "output folder", "out")
    .option("--only <terms...>", "cell ids or axis=value filters")
    .addOption(builderOption("which builder the files are for"))
    .action(async (file: string, o: { out: string; only?: string[]; builder: "buildkit" | "classic" }) => {
      const p = await load(file, o.only);
      const written = await writeDockerfiles(p, makeRenderer(await loadTemplates()), o.out, { builder: o.builder });
      for (const [, f] of written) process.stdout.write(`${f.path}\n`);
    });

  const runLike = (name: string, description: string, mode: { build: boolean }) =>
    cli
      .command(name)
      .description(description)
      .argument("<matrix>", "matrix YAML file")
      .option("--out <dir>", "folder for Dockerfiles, logs and reports", "out")
      .option("--only <terms...>", "cell ids or axis=value filters")
      .option("-j, --concurrency <n>", "cells built at once", int("--concurrency"), defaultConcurrency())
      .addOption(builderOption())
      .option("--bootstrap-missing", "bootstrap missing Debian base images with debootstrap")
      .option("--no-verify", "build only")
      .option("--fail-fast", "start no new cell after one fails")
      .option("--reverify", "verify again even when an unchanged image passed before")
      .option("--dry-run", "print the plan (what cells share) and build nothing")
      .action(async (file: string, o: RunFlags) => {
        process.exitCode = await run(file, o, mode);
      });
  runLike("run", "generate, build and verify every cell", { build: true });
  runLike("verify", "verify already built images", { build: false });

  const base = cli.command("base").description("base images");
  base
    .command("bootstrap")
    .description("build Debian base images offline with debootstrap and docker import")
    .argument("<refs...>", "image references such as debian:bookworm")
    .option("--force", "rebuild even when the image exists")
    .action(async (refs: string[], o: { force?: boolean }) => {
      const engine = new DockerodeEngine();
      await engine.ping();
      for (const ref of refs) {
        const r = await bootstrapBaseImage(ref, { engine, force: Boolean(o.force), log: (l) => log(`  ${l}`) });
        process.stdout.write(
          r.kind === "present"
            ? `${ref}: present (use --force to rebuild)\n`
            : `${ref}: bootstrapped in ${r.seconds.toFixed(1)} s (${r.imageId.slice(7, 19)})\n`,
        );
      }
    });
  registerUpgradeCommand(cli);
  return cli;
}

interface RunFlags {
  out: string;
  only?: string[];
  concurrency: number;
  builder: "buildkit" | "classic";
  bootstrapMissing?: boolean;
  verify: boolean;
  failFast?: boolean;
  reverify?: boolean;
  dryRun?: boolean;
}

async function run(file: string, o: RunFlags, mode: { build: boolean }): Promise<number> {
  const p = await load(file, o.only);
  if (o.dryRun) {
    process.stdout.write(`${formatPlan(planCells(p.cells), p.cells.length)}\n`);
    return ExitCode.ok;
  }
  const started = new Date();
  const view = wantsLiveView(process.stderr, process.env) ? new LiveView(process.stderr) : new PlainView(log);
  const { signal, registry } = onInterrupt((l) => view.note(l), "verification containers");
  view.note(`${p.matrix.name}: ${p.cells.length} cells, ${o.concurrency} at a time, ${o.builder}`);
  let run: Awaited<ReturnType<typeof runMatrix>>;
  try {
    run = await runMatrix(p, {
      engine: new DockerodeEngine(),
      render: makeRenderer(await loadTemplates()),
      outDir: o.out,
      concurrency: o.concurrency,
      builder: o.builder,
      bootstrapMissing: Boolean(o.bootstrapMissing),
      verify: o.verify,
      build: mode.build,
      failFast: Boolean(o.failFast),
      sources: defaultResolveOptions(),
      observer: view,
      signal,
      registry,
      verifyCache: new VerifyCache(path.join(defaultCacheDir(), "verify")),
      reverify: Boolean(o.reverify),
    });
  } finally {
    view.close();
    // Whatever ended the run, no verification container is left behind.
    await registry.stopAll();
  }
  const { results } = run;
  if (run.interrupted) {
    process.stdout.write(`${formatTable(results)}\n`);
    throw new InterruptedError();
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const dir = path.join(o.out, p.matrix.name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, "report.json"),
    `${JSON.stringify(jsonReport(p.matrix, results, { startedAt: started.toISOString(), seconds }), null, 2)}\n`,
  );
  await writeFile(path.join(dir, "report.xml"), junitReport(p.matrix.name, results));
  process.stdout.write(`\n${formatTable(results)}\n`);
  const details = formatDetails(results);
  if (details) process.stdout.write(`\n${details}\n`);
  process.stdout.write(`\nreports: ${path.join(dir, "report.json")}, ${path.join(dir, "report.xml")} (${seconds.toFixed(1)} s)\n`);
  // A base image or source that could not be had: the machine is not ready (exit 3).
  const [first, ...more] = run.environment;
  if (first) throw more.length === 0 ? first : new EnvironmentError([first, ...more].map((e) => e.message).join("\n"), first.hint);
  return results.every(cellPassed) ? ExitCode.ok : ExitCode.cellsFailed;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === "string" && ce.code.startsWith("commander.")) {
      return ce.code === "commander.helpDisplayed" || ce.code === "commander.version" || ce.code === "commander.help"
        ? 0
        : ExitCode.badInput;
    }
    if (e instanceof PostfixMatrixError) {
      log(`postfix-matrix: ${e.message}`);
      if (e.hint) log(`hint: ${e.hint}`);
      return e.exitCode;
    }
    log(`postfix-matrix: internal error: ${(e as Error).stack ?? String(e)}`);
    return 70;
  }
}

/** Resolves once all that was written to the stream has left the process (or it is gone). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) return resolve();
    stream.once("error", () => resolve());
    stream.write("", () => resolve());
  });
}

/** Run as the program; a test imports main() without this. */
function isEntryPoint(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // The reader went away (`expand | head`): stop quietly, as a program killed by SIGPIPE would.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(ExitCode.ok);
  });
  const code = await main(process.argv);
  // process.exit() drops what a slow pipe has not taken yet: `expand | less` lost all past 64 KiB.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit(code);
}
