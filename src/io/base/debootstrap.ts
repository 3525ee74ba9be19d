// Locate, install and run debootstrap.

import { constants as fsc } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";

import { debootstrapArgv } from "../../core/base/base-ref.js";
import { EnvironmentError, InterruptedError } from "../../errors.js";
import { describeExit, runLines, type LinesResult } from "../exec/exec.js";

export const INSTALL_DEBOOTSTRAP = ["apt-get", "install", "-y", "--no-install-recommends", "debootstrap"];
const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];
const TAIL_LINES = 15;

type Log = (line: string) => void;

/** Run without a shell, logging output lines with `prefix`; a program that cannot be started throws. */
async function runLogged(
  cmd: string,
  args: string[],
  o: { log: Log; prefix: string; signal: AbortSignal | undefined; env?: Record<string, string> },
): Promise<LinesResult> {
  const r = await runLines(cmd, args, {
    env: { ...o.env, PATH: withSbin(process.env.PATH), LC_ALL: "C" },
    signal: o.signal,
    tailLines: TAIL_LINES,
    onLine: (l) => o.log(o.prefix + l),
  });
  if (r.error) throw new EnvironmentError(`cannot run ${cmd}: ${r.error.message}`);
  return r;
}

/**
 * `debootstrap --variant=minbase <suite> <rootfs> <archive>`; its failure is an
 * EnvironmentError with the end of its output and of its own log.
 */
export async function runDebootstrap(
  debootstrap: string,
  suite: string,
  rootfs: string,
  archive: string,
  o: { log: Log; signal: AbortSignal | undefined },
): Promise<void> {
  const argv = debootstrapArgv(suite, rootfs, archive);
  o.log(`$ debootstrap ${argv.join(" ")}`);
  const run = await runLogged(debootstrap, argv, { log: o.log, prefix: "debootstrap: ", signal: o.signal });
  if (o.signal?.aborted) throw new InterruptedError();
  if (run.code === 0) return;
  const parts = [`debootstrap ${suite} failed (${describeExit(run)}); last output:`, ...run.tail.map((l) => `  ${l}`)];
  const logTail = await tailOfFile(path.join(rootfs, "debootstrap", "debootstrap.log"), TAIL_LINES);
  if (logTail.length > 0) parts.push("debootstrap.log (end):", ...logTail.map((l) => `  ${l}`));
  throw new EnvironmentError(parts.join("\n"), `check that ${archive} is reachable and serves ${suite}`);
}

export async function installDebootstrap(log: Log, signal: AbortSignal | undefined): Promise<void> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const [cmd, ...args] = INSTALL_DEBOOTSTRAP as [string, ...string[]];
  let r = await runLogged(cmd, args, { log, prefix: "apt-get: ", signal, env });
  if (r.code !== 0 && !signal?.aborted) {
    // Package lists are often empty on container-derived machines: fetch them once.
    log("installing debootstrap failed; running apt-get update and trying again");
    await runLogged("apt-get", ["update"], { log, prefix: "apt-get: ", signal, env });
    r = await runLogged(cmd, args, { log, prefix: "apt-get: ", signal, env });
  }
  if (signal?.aborted) throw new InterruptedError();
  if (r.code !== 0) {
    throw new EnvironmentError(
      `installing debootstrap failed (${describeExit(r)}):\n${r.tail.map((l) => `  ${l}`).join("\n")}`,
      `install it yourself: ${INSTALL_DEBOOTSTRAP.join(" ")}`,
    );
  }
}

/** PATH with the sbin directories (debootstrap and umount live there; sudo may drop them). */
function withSbin(p: string | undefined): string {
  const dirs = (p ?? "/usr/local/bin:/usr/bin:/bin").split(":").filter((d) => d !== "");
  for (const d of SBIN_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(":");
}

export async function findExecutable(name: string): Promise<string | undefined> {
  for (const dir of withSbin(process.env.PATH).split(":")) {
    const p = path.join(dir, name);
    try {
      await fs.access(p, fsc.X_OK);
      if ((await fs.stat(p)).isFile()) return p;
    } catch {
      /* not here (missing, not executable, not a directory): next */
    }
  }
  return undefined;
}

/** The last `n` non-blank lines of a file, for an error message (which a read error must not hide). */
async function tailOfFile(file: string, n: number): Promise<string[]> {
  try {
    const text = await fs.readFile(file, "utf8");
    return text
      .split(/\r?\n/)
      .filter((l) => l.trim() !== "")
      .slice(-n);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    return [`(cannot read ${file}: ${(err as Error).message})`];
  }
}
