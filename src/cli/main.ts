#!/usr/bin/env node
// The CLI and its one error boundary: PostfixMatrixError subclasses print as a message plus
// a hint and exit with their code; anything else is a bug and prints its stack. Commands that
// talk to Docker load their modules when they run, so `expand` stays small and quick.
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { ExitCode, PostfixMatrixError, UsageError } from "../errors.js";
import { makeRenderer } from "../core/render/dockerfile.js";
import { loadTemplates } from "../io/fs/templates.js";
import { writeDockerfiles } from "../run/dockerfiles.js";
import { defaultConcurrency } from "./concurrency.js";
import { expandCommand } from "./expand-command.js";
import { load } from "./load.js";
import { builderOption } from "./options.js";
import type { RunFlags } from "./run-command.js";
import { registerUpgradeCommand } from "./upgrade-command.js";
import { registerMatrixCommand } from "./matrix-command.js";
import { registerReportCommand } from "./report-command.js";
import { registerPushCommands } from "./push-command.js";
import { withSourceDate } from "./renderer.js";
import { toolVersion } from "./tool-version.js";

// No registry is reachable and Ryuk would have to be pulled: we remove our own containers.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

const log = (line: string) => process.stderr.write(`${line}\n`);

export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number, not ${v}`);
  return n;
};

function program(): Command {
  const cli = new Command("postfix-matrix")
    .description("Build and verify Postfix container images across a matrix of OS targets, releases and build options")
    .version(toolVersion(), "-V, --version", "print the tool's version")
    .showHelpAfterError()
    .exitOverride();

  cli
    .command("expand")
    .description("print the cells a matrix expands to")
    .argument("<matrix>", "matrix YAML file")
    .option("--json", "print JSON")
    .option("--only <terms...>", "cell ids or axis=value filters")
    .action(async (file: string, o: { json?: boolean; only?: string[] }) => expandCommand(file, o));

  cli
    .command("generate")
    .description("write each cell's Dockerfile under --out, without building")
    .argument("<matrix>", "matrix YAML file")
    .option("--out <dir>", "output folder", "out")
    .option("--only <terms...>", "cell ids or axis=value filters")
    .addOption(builderOption("which builder the files are for"))
    .action(async (file: string, o: { out: string; only?: string[]; builder: "buildkit" | "classic" }) => {
      const p = await load(file, o.only);
      const written = await writeDockerfiles(p, withSourceDate(makeRenderer(await loadTemplates())), o.out, { builder: o.builder });
      for (const [, f] of written) process.stdout.write(`${f.path}\n`);
    });

  const runLike = (name: string, description: string, mode: { build: boolean }) =>
    cli
      .command(name)
      .description(description)
      .argument("<matrix>", "matrix YAML file")
      .option("--out <dir>", "folder for Dockerfiles, logs and reports", "out")
      .option("--only <terms...>", "cell ids or axis=value filters")
      .option(
        "-j, --concurrency <n>",
        `cells built at once, per engine (default: two per core, at most one per 2 GiB, at most 8; here ${defaultConcurrency()})`,
        int("--concurrency"),
      )
      .option(
        "--engine <engine>",
        "a Docker engine: unix://, tcp://, ssh:// or a Docker context name; give it again for a pool (default: POSTFIX_MATRIX_ENGINES, else DOCKER_HOST)",
        (v: string, prev: string[] = []) => [...prev, v],
      )
      .addOption(builderOption())
      .option("--bootstrap-missing", "bootstrap missing Debian base images with debootstrap")
      .option("--no-verify", "build only")
      .option("--fail-fast", "start no new cell after one fails")
      .option("--reverify", "verify again even when an unchanged image passed before")
      .option("--dry-run", "print the plan (what cells share) and build nothing")
      .option("--shard <k/n>", "only shard K of N (cells that share a compile stay in one shard; see `matrix`)")
      .action(async (file: string, o: RunFlags) => {
        process.exitCode = await (await import("./run-command.js")).runCommand(file, o, mode);
      });
  runLike("run", "generate, build and verify every cell", { build: true })
    .option("--push", "push the cells that passed to --to")
    .option("--to <repository>", "registry repository to push to, e.g. 127.0.0.1:5000/postfix")
    .option("--tag-template <template>", "each cell's tag, from {id} {matrix} {os} {postfix} {options} and axis names (default {id})")
    .option("--cache-from <repository>", "pull cells whose recipe this repository has, instead of building them")
    .option("--cache-to <repository>", "write each passed cell's recipe tag to this repository")
    .option("--force", "replace a tag that holds other content");
  registerPushCommands(cli, int);
  runLike("verify", "verify already built images", { build: false });

  registerBaseCommand(cli);
  registerUpgradeCommand(cli);
  registerMatrixCommand(cli, int);
  registerReportCommand(cli);
  return cli;
}

function registerBaseCommand(cli: Command): void {
  const base = cli.command("base").description("base images");
  base
    .command("bootstrap")
    .description("build Debian base images offline with debootstrap and docker import")
    .argument("<refs...>", "image references such as debian:bookworm")
    .option("--force", "rebuild even when the image exists")
    .option("--engine <engine>", "the Docker engine to import into: unix://, tcp://, ssh:// or a Docker context name")
    .action(async (refs: string[], o: { force?: boolean; engine?: string }) => {
      const [{ DockerodeEngine }, { bootstrapBaseImage }, { resolveEngine }] = await Promise.all([
        import("../io/docker/dockerode-engine.js"),
        import("../io/base/bootstrap.js"),
        import("../io/docker/engine-endpoint.js"),
      ]);
      const engine = o.engine ? new DockerodeEngine(await resolveEngine(o.engine)) : new DockerodeEngine();
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
