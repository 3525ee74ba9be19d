// `push` (verified images to a registry) and `reproduce` (rebuild without cache, compare
// the installed files). Their modules load only when they run.
import type { Command } from "commander";
import { builderOption } from "./options.js";
import type { RunFlags } from "./run-command.js";

export function registerPushCommands(cli: Command, int: (name: string) => (v: string) => number): void {
  cli
    .command("push")
    .description("push the cells that passed verification (their images, built before) to a registry")
    .argument("<matrix>", "matrix YAML file")
    .requiredOption("--to <repository>", "registry repository, e.g. 127.0.0.1:5000/postfix")
    .option("--tag-template <template>", "each cell's tag, from {id} {matrix} {os} {postfix} {options} and axis names (default {id})")
    .option("--force", "replace a tag that holds other content")
    .option("--only <terms...>", "cell ids or axis=value filters")
    .option("--out <dir>", "folder for reports", "out")
    .option("--dry-run", "print each cell's tag and push nothing")
    .action(async (file: string, o: Partial<RunFlags> & { to: string }) => {
      const flags: RunFlags = { ...o, out: o.out ?? "out", concurrency: 2, builder: "buildkit", verify: true };
      process.exitCode = await (await import("./run-command.js")).runCommand(file, flags, { build: false, push: true });
    });

  cli
    .command("reproduce")
    .description("rebuild cells without any cache and compare their installed Postfix files byte for byte")
    .argument("<matrix>", "matrix YAML file")
    .option("--only <terms...>", "cell ids or axis=value filters")
    .option("--out <dir>", "folder for Dockerfiles, logs and reports", "out")
    .option("-j, --concurrency <n>", "first builds at once", int("--concurrency"), 2)
    .addOption(builderOption())
    .option("--bootstrap-missing", "bootstrap missing Debian base images with debootstrap")
    .action(async (file: string, o: RunFlags) => {
      process.exitCode = await (await import("./reproduce-command.js")).reproduceCommand(file, o);
    });
}
