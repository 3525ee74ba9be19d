// `postfix-matrix base bootstrap debian:<suite>`: build a Debian base image offline
// (no registry is reachable) with debootstrap from the machine's own Debian mirror,
// then import the root filesystem into the engine as `debian:<suite>`.

import { spawn, type ChildProcess } from "node:child_process";
import { constants as fsc } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";

import { parseAptSourceFiles, pickDebianMirrors, aptSourceFormat, type AptSourceFile } from "../../core/base/apt-config.js";
import { buildImageSources, debootstrapArgv, parseBaseRef } from "../../core/base/base-ref.js";
import { EnvironmentError, InterruptedError } from "../../errors.js";

export interface BaseImageEngine {
  imageExists(ref: string): Promise<boolean>;
  /**
   * Like `docker import --change ... - ref`. The stream emits `error` (instead of
   * ending) when the tar producer failed: the import must then fail and not tag `ref`.
   */
  importRootfs(tar: NodeJS.ReadableStream, ref: string, changes: string[]): Promise<{ imageId: string }>;
}

export interface BootstrapOptions {
  engine: BaseImageEngine;
  /** Rebuild even if the image exists. */
  force?: boolean;
  /** Where the temporary root filesystem goes (default `os.tmpdir()`); needs ~300 MB. */
  workDir?: string;
  /** The machine's APT configuration directory (default `/etc/apt`). */
  aptRoot?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export type BootstrapOutcome =
  | { kind: "present"; ref: string }
  | { kind: "bootstrapped"; ref: string; imageId: string; seconds: number; rootfsBytes: number };

/** Image config set on import: what Debian's official images set. */
export const IMPORT_CHANGES: readonly string[] = [
  "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  'CMD ["bash"]',
];

const SBIN_DIRS = ["/usr/local/sbin", "/usr/sbin", "/sbin"];
const INSTALL_DEBOOTSTRAP = ["apt-get", "install", "-y", "--no-install-recommends", "debootstrap"];
const TAIL_LINES = 15;
/** After SIGTERM, how long a child (debootstrap: unmounting, dpkg) gets before SIGKILL. */
const KILL_GRACE_MS = 20_000;

export async function bootstrapBaseImage(ref: string, opts: BootstrapOptions): Promise<BootstrapOutcome> {
  const base = parseBaseRef(ref);
  const log = opts.log ?? (() => {});
  const signal = opts.signal;
  checkAborted(signal);

  if (!opts.force && (await opts.engine.imageExists(base.ref))) return { kind: "present", ref: base.ref };
  checkAborted(signal);

  const isRoot = process.getuid?.() === 0;
  let debootstrap = await findExecutable("debootstrap");
  if (!debootstrap && !isRoot) {
    throw new EnvironmentError(
      `cannot bootstrap ${base.ref}: debootstrap is not installed (and bootstrapping needs root)`,
      `install it with: sudo ${INSTALL_DEBOOTSTRAP.join(" ")}; then run this command as root`,
    );
  }
  if (!isRoot) {
    throw new EnvironmentError(
      `cannot bootstrap ${base.ref}: debootstrap needs root (it chroots, mounts /proc and creates device nodes)`,
      `run it as root, e.g.: sudo postfix-matrix base bootstrap ${base.ref}`,
    );
  }

  const aptRoot = opts.aptRoot ?? "/etc/apt";
  const mirrors = pickDebianMirrors(parseAptSourceFiles(await readAptSources(aptRoot)));
  const archive = mirrors.archive;
  if (archive === undefined) {
    throw new EnvironmentError(
      `cannot bootstrap ${base.ref}: no Debian archive found in ${aptRoot}/sources.list or ${aptRoot}/sources.list.d/*.{list,sources}`,
      "configure a Debian mirror for APT on this machine (a `deb` entry with a Debian suite and component main)",
    );
  }
  if (mirrors.security === undefined) {
    log(`warning: no Debian security archive (suite *-security) in ${aptRoot}; the image gets none`);
  }

  if (!debootstrap) {
    log(`debootstrap is not installed; installing it: ${INSTALL_DEBOOTSTRAP.join(" ")}`);
    await installDebootstrap(log, signal);
    debootstrap = await findExecutable("debootstrap");
    if (!debootstrap) throw new EnvironmentError("debootstrap is still missing after installing it");
  }
  checkAborted(signal);

  const started = performance.now();
  const workDir = opts.workDir ?? os.tmpdir();
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(workDir, "postfix-matrix-bootstrap-")));
  const rootfs = path.join(tmp, "rootfs");
  try {
    const argv = debootstrapArgv(base.suite, rootfs, archive);
    log(`bootstrapping ${base.ref} (Debian ${base.suite}) from ${archive}`);
    log(`$ debootstrap ${argv.join(" ")}`);
    const run = await runStreaming(debootstrap, argv, { log, prefix: "debootstrap: ", signal });
    checkAborted(signal);
    if (run.code !== 0) {
      const parts = [
        `debootstrap ${base.suite} failed (${run.code === null ? `signal ${run.signal}` : `exit code ${run.code}`}); last output:`,
        ...run.tail.map((l) => `  ${l}`),
      ];
      const logTail = await tailOfFile(path.join(rootfs, "debootstrap", "debootstrap.log"), TAIL_LINES);
      if (logTail.length > 0) parts.push("debootstrap.log (end):", ...logTail.map((l) => `  ${l}`));
      throw new EnvironmentError(parts.join("\n"), `check that ${archive} is reachable and serves ${base.suite}`);
    }
    // debootstrap unmounts what it mounted; make sure before tar reads the tree.
    await unmountUnder(rootfs, log);

    await finishRootfs(rootfs, base.suite, { archive, security: mirrors.security });
    const rootfsBytes = await treeBytes(rootfs);
    checkAborted(signal);

    log(`importing ${(rootfsBytes / 1e6).toFixed(0)} MB root filesystem as ${base.ref}`);
    const { imageId } = await importTree(rootfs, base.ref, opts.engine, signal);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    log(`${base.ref} is ${imageId} (${seconds} s)`);
    return { kind: "bootstrapped", ref: base.ref, imageId, seconds, rootfsBytes };
  } finally {
    await removeTempDir(tmp, log);
  }
}

// ---- the root filesystem ------------------------------------------------------------

/** Changes to the fresh debootstrap tree, each as small as it can be. */
async function finishRootfs(rootfs: string, suite: string, mirrors: { archive: string; security: string | undefined }) {
  // APT sources in deb822 form (as in Debian's images), with -updates and -security for
  // stable suites: debootstrap's own sources.list only has `<suite> main`.
  await writeInside(rootfs, "etc/apt/sources.list.d/debian.sources", buildImageSources(suite, mirrors));
  await removeInside(rootfs, "etc/apt/sources.list");

  // Downloaded packages and package lists are stale the moment the image exists and
  // only add size; builds run `apt-get update` anyway.
  await removeEntries(rootfs, "var/cache/apt/archives", (n) => n.endsWith(".deb"));
  await removeEntries(rootfs, "var/cache/apt", (n) => n.endsWith(".bin"));
  await removeEntries(rootfs, "var/lib/apt/lists", (n) => n !== "partial" && n !== "lock");
  await removeEntries(rootfs, "var/lib/apt/lists/partial", () => true);

  // debootstrap copied these from this machine; Docker bind-mounts its own at run time.
  await writeInside(rootfs, "etc/hostname", "");
  await writeInside(rootfs, "etc/resolv.conf", "");

  // As in Debian's official images: keep maintainer scripts from starting daemons
  // (e.g. postfix) inside `docker build`, where there is no init and starting fails.
  await writeInside(
    rootfs,
    "usr/sbin/policy-rc.d",
    "#!/bin/sh\n# Do not start services during image builds (as Debian's official images).\nexit 101\n",
    0o755,
  );
}

/** Refuse to write through symlinks: a tree from debootstrap should never point outside itself. */
async function safePath(rootfs: string, rel: string): Promise<string> {
  const parts = rel.split("/");
  let cur = rootfs;
  for (const p of parts.slice(0, -1)) {
    cur = path.join(cur, p);
    const st = await fs.lstat(cur).catch(() => undefined);
    if (st === undefined) {
      await fs.mkdir(cur, { mode: 0o755 });
    } else if (!st.isDirectory()) {
      throw new EnvironmentError(`unexpected ${rel} in the bootstrapped tree: ${cur} is not a directory`);
    }
  }
  return path.join(rootfs, rel);
}

async function writeInside(rootfs: string, rel: string, content: string, mode = 0o644): Promise<void> {
  const file = await safePath(rootfs, rel);
  const st = await fs.lstat(file).catch(() => undefined);
  if (st !== undefined && !st.isFile()) await fs.rm(file, { force: true });
  const fh = await fs.open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, mode);
  try {
    await fh.writeFile(content);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

async function removeInside(rootfs: string, rel: string): Promise<void> {
  await fs.rm(await safePath(rootfs, rel), { force: true });
}

async function removeEntries(rootfs: string, relDir: string, pick: (name: string) => boolean): Promise<void> {
  const dir = path.join(rootfs, relDir);
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return;
  for (const name of await fs.readdir(dir)) {
    if (pick(name)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Bytes in regular files (hard links once), without following symlinks or leaving the file system. */
export async function treeBytes(root: string): Promise<number> {
  const rootDev = (await fs.lstat(root)).dev;
  const seen = new Set<bigint | number>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const ent of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) {
        const st = await fs.lstat(p);
        if (st.dev === rootDev) await walk(p);
      } else if (ent.isFile()) {
        const st = await fs.lstat(p);
        if (st.nlink > 1) {
          if (seen.has(st.ino)) continue;
          seen.add(st.ino);
        }
        total += st.size;
      }
    }
  };
  await walk(root);
  return total;
}

// ---- import -----------------------------------------------------------------------

/**
 * `tar --numeric-owner -C <rootfs> -c .` piped into the engine. The stream handed to the
 * engine ends only once tar has exited 0; a failing tar errors the stream instead, so
 * a truncated archive is never imported as a good image.
 */
async function importTree(
  rootfs: string,
  ref: string,
  engine: BaseImageEngine,
  signal: AbortSignal | undefined,
): Promise<{ imageId: string }> {
  const tar = spawn("tar", ["--numeric-owner", "-C", rootfs, "-c", "."], {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const stderr: string[] = [];
  tar.stderr!.setEncoding("utf8").on("data", (d: string) => stderr.push(d));
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  tar.stdout!.pipe(body, { end: false });
  const exited = childExit(tar);
  const onAbort = () => {
    body.destroy(new InterruptedError());
    killGroup(tar);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const tarFailed = (why: string) =>
    new EnvironmentError(`tar of the root filesystem failed (${why}): ${stderr.join("").trim()}`);
  exited.then(
    ({ code, signal: sig }) => (code === 0 ? body.end() : body.destroy(tarFailed(String(code ?? sig)))),
    (err: Error) => body.destroy(tarFailed(err.message)),
  );
  // Do not wait on an engine that ignores its source stream failing: abort wins.
  const aborted = new Promise<never>((_, reject) => {
    if (signal) signal.addEventListener("abort", () => reject(new InterruptedError()), { once: true });
  });
  aborted.catch(() => {});
  try {
    const importing = engine.importRootfs(body, ref, [...IMPORT_CHANGES]);
    importing.catch(() => {});
    const result = await Promise.race([importing, aborted]).catch(async (err: unknown) => {
      killGroup(tar);
      await exited.catch(() => undefined);
      throw err;
    });
    const { code, signal: sig } = await exited;
    checkAborted(signal);
    if (code !== 0) throw tarFailed(String(code ?? sig));
    return result;
  } catch (err) {
    checkAborted(signal);
    if (err instanceof EnvironmentError || err instanceof InterruptedError) throw err;
    throw new EnvironmentError(`importing ${ref} into the engine failed: ${(err as Error).message ?? String(err)}`);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}

// ---- processes --------------------------------------------------------------------

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  tail: string[];
}

/** Run without a shell, streaming output lines to `log`, keeping the last few. */
function runStreaming(
  cmd: string,
  args: string[],
  o: { log: (l: string) => void; prefix: string; signal: AbortSignal | undefined; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  // Its own process group, so that on abort the whole tree (wget, dpkg in the chroot)
  // gets SIGTERM and debootstrap's exit trap unmounts /proc, /sys and /dev binds.
  const child = spawn(cmd, args, {
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
    env: { ...process.env, ...o.env, PATH: withSbin(process.env.PATH), LC_ALL: "C" },
  });
  const tail: string[] = [];
  const onLine = (line: string) => {
    if (line.trim() === "") return;
    o.log(o.prefix + line);
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
  };
  lines(child.stdout!, onLine);
  lines(child.stderr!, onLine);
  const onAbort = () => killGroup(child);
  o.signal?.addEventListener("abort", onAbort, { once: true });
  return childExit(child).then(
    (r) => {
      o.signal?.removeEventListener("abort", onAbort);
      return { ...r, tail };
    },
    (err: unknown) => {
      o.signal?.removeEventListener("abort", onAbort);
      throw new EnvironmentError(`cannot run ${cmd}: ${(err as Error).message}`);
    },
  );
}

function childExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, sig) => resolve({ code, signal: sig }));
  });
}

function lines(stream: NodeJS.ReadableStream, onLine: (l: string) => void): void {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (d: string) => {
    buf += d;
    const parts = buf.split(/\r\n|\r|\n/);
    buf = parts.pop() ?? "";
    parts.forEach(onLine);
  });
  stream.on("end", () => {
    if (buf !== "") onLine(buf);
    buf = "";
  });
}

/** SIGTERM the child's process group, SIGKILL it if still there after a grace period. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const pid = child.pid;
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  send("SIGTERM");
  const t = setTimeout(() => send("SIGKILL"), KILL_GRACE_MS);
  t.unref();
  child.once("close", () => clearTimeout(t));
}

async function installDebootstrap(log: (l: string) => void, signal: AbortSignal | undefined): Promise<void> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const [cmd, ...args] = INSTALL_DEBOOTSTRAP as [string, ...string[]];
  let r = await runStreaming(cmd, args, { log, prefix: "apt-get: ", signal, env });
  if (r.code !== 0 && !signal?.aborted) {
    // Package lists are often empty on container-derived machines: fetch them once.
    log("installing debootstrap failed; running apt-get update and trying again");
    await runStreaming("apt-get", ["update"], { log, prefix: "apt-get: ", signal, env });
    r = await runStreaming(cmd, args, { log, prefix: "apt-get: ", signal, env });
  }
  checkAborted(signal);
  if (r.code !== 0) {
    throw new EnvironmentError(
      `installing debootstrap failed (exit code ${r.code ?? r.signal}):\n${r.tail.map((l) => `  ${l}`).join("\n")}`,
      `install it yourself: ${INSTALL_DEBOOTSTRAP.join(" ")}`,
    );
  }
}

function withSbin(p: string | undefined): string {
  const dirs = (p ?? "/usr/local/bin:/usr/bin:/bin").split(":").filter((d) => d !== "");
  for (const d of SBIN_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(":");
}

async function findExecutable(name: string): Promise<string | undefined> {
  for (const dir of withSbin(process.env.PATH).split(":")) {
    const p = path.join(dir, name);
    try {
      await fs.access(p, fsc.X_OK);
      if ((await fs.stat(p)).isFile()) return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}

// ---- files and mounts -------------------------------------------------------------

async function readAptSources(aptRoot: string): Promise<AptSourceFile[]> {
  const files: AptSourceFile[] = [];
  const read = async (p: string) => {
    try {
      files.push({ name: p, text: await fs.readFile(p, "utf8") });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  };
  await read(path.join(aptRoot, "sources.list"));
  const dir = path.join(aptRoot, "sources.list.d");
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const n of names.filter((n) => aptSourceFormat(n) !== undefined).sort()) await read(path.join(dir, n));
  return files;
}

async function tailOfFile(file: string, n: number): Promise<string[]> {
  try {
    const text = await fs.readFile(file, "utf8");
    return text.split(/\r?\n/).filter((l) => l.trim() !== "").slice(-n);
  } catch {
    return [];
  }
}

/** Mount points at or below `dir` in /proc/self/mountinfo text, deepest first. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, "");
  const out: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (field === undefined) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === base || mp.startsWith(base + "/")) out.push(mp);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

async function currentMountsUnder(dir: string): Promise<string[]> {
  return mountsUnder(await fs.readFile("/proc/self/mountinfo", "utf8").catch(() => ""), dir);
}

/** Unmount leftovers (e.g. after an interrupted debootstrap); lazily if they are busy. */
async function unmountUnder(dir: string, log: (l: string) => void): Promise<void> {
  for (const mp of await currentMountsUnder(dir)) {
    log(`unmounting ${mp}`);
    const r = await runQuiet("umount", [mp]);
    if (r !== 0) await runQuiet("umount", ["-l", mp]);
  }
}

function runQuiet(cmd: string, args: string[]): Promise<number | null> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: "ignore" });
    c.once("error", () => resolve(null));
    c.once("close", (code) => resolve(code));
  });
}

/**
 * Remove the temporary tree, but never while anything is mounted inside it: a
 * recursive delete would walk into the machine's /proc, /sys or /dev.
 */
async function removeTempDir(tmp: string, log: (l: string) => void): Promise<void> {
  try {
    await unmountUnder(tmp, log);
    const left = await currentMountsUnder(tmp);
    if (left.length > 0) {
      log(`warning: not removing ${tmp}: still mounted: ${left.join(", ")}`);
      return;
    }
    await fs.rm(tmp, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    log(`warning: could not remove ${tmp}: ${(err as Error).message}`);
  }
}
