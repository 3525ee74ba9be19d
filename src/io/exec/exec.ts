// The one way this tool runs other programs: never through a shell, with the caller's
// environment overrides on top of this process's. Spawn failures (ENOENT: not
// installed) are reported in the result, not thrown, so each caller words its own error.

import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import type { Readable } from "node:stream";

export interface ExecOptions {
  /** Added to (or overriding) this process's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** How a process ended. */
export interface Exit {
  /** Exit code; null when killed by a signal or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why it could not be run (spawn error) or was cut short (runCapture: too much output). */
  error: Error | undefined;
  /** The program was not found (ENOENT from spawn): typically not installed. */
  enoent: boolean;
}

export interface Captured extends Exit {
  stdout: string;
  stderr: string;
}

export interface GroupOptions extends ExecOptions {
  /** Abort kills the child's whole process group: SIGTERM, then SIGKILL after `graceMs`. */
  signal?: AbortSignal | undefined;
  /** Default 20 s: long enough for cleanup traps (debootstrap unmounting /proc, dpkg). */
  graceMs?: number;
}

export const DEFAULT_GRACE_MS = 20_000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/** "exit code 2", "signal SIGTERM" or the spawn error, for messages. */
export function describeExit(r: Exit): string {
  if (r.error) return r.error.message;
  return r.code !== null ? `exit code ${r.code}` : `signal ${r.signal ?? "?"}`;
}

/**
 * Run to the end, capturing stdout and stderr (each up to `maxBytes`, default 64 MiB;
 * beyond that the child is killed and `error` says so). With a `signal`, the child gets
 * its own process group and abort kills all of it.
 */
export async function runCapture(
  cmd: string,
  args: readonly string[],
  o: GroupOptions & { maxBytes?: number; input?: string } = {},
): Promise<Captured> {
  const group = o.signal !== undefined;
  const started = startChild(cmd, args, { ...o, stdio: [o.input === undefined ? "ignore" : "pipe", "pipe", "pipe"], group });
  // What the program reads (a credential helper's registry name); a program that exits early is no error.
  started.child.stdin?.on("error", () => {});
  started.child.stdin?.end(o.input);
  const max = o.maxBytes ?? DEFAULT_MAX_BYTES;
  let overflow: Error | undefined;
  const collect = (stream: Readable | null) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream?.on("data", (d: Buffer) => {
      size += d.length;
      if (size <= max) chunks.push(d);
      else if (!overflow) {
        overflow = new Error(`${cmd}: output exceeds ${max} bytes`);
        started.kill();
      }
    });
    return () => Buffer.concat(chunks).toString("utf8");
  };
  const out = collect(started.child.stdout);
  const err = collect(started.child.stderr);
  const exit = await started.exited;
  return { ...exit, error: exit.error ?? overflow, stdout: out(), stderr: err() };
}

/** Synchronous capture, for the benchmark and exit handlers (which cannot wait). */
export function runSync(
  cmd: string,
  args: readonly string[],
  o: ExecOptions & { stdout?: "pipe" | "ignore" | "inherit"; stderr?: "pipe" | "ignore" | "inherit" } = {},
): Captured {
  const r = spawnSync(cmd, args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: ["ignore", o.stdout ?? "pipe", o.stderr ?? "pipe"],
    encoding: "utf8",
    maxBuffer: DEFAULT_MAX_BYTES,
  });
  const error = r.error;
  return {
    code: r.status,
    signal: r.signal,
    error,
    enoent: (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT",
    stdout: r.stdout ?? "",
    stderr: r.stderr ?? "",
  };
}

export interface LinesResult extends Exit {
  /** The last `tailLines` non-blank output lines (stdout and stderr interleaved). */
  tail: string[];
}

/**
 * Run in its own process group, handing each non-blank line of stdout and stderr to
 * `onLine` as it comes, keeping the last `tailLines` (default 15) for error messages.
 * Abort kills the whole group (e.g. debootstrap and its wget and chrooted dpkg), so
 * that a cleanup trap in the child runs.
 */
export async function runLines(
  cmd: string,
  args: readonly string[],
  o: GroupOptions & { onLine?: (line: string) => void; tailLines?: number } = {},
): Promise<LinesResult> {
  const started = startChild(cmd, args, { ...o, stdio: ["ignore", "pipe", "pipe"], group: true });
  const tail: string[] = [];
  const max = o.tailLines ?? 15;
  const onLine = (line: string) => {
    if (line.trim() === "") return;
    o.onLine?.(line);
    tail.push(line);
    if (tail.length > max) tail.shift();
  };
  splitLines(started.child.stdout, onLine);
  splitLines(started.child.stderr, onLine);
  return { ...(await started.exited), tail };
}

export interface PipedChild {
  /** The child's stdout, for the caller to pipe on. */
  stdout: Readable;
  /** Settles when the child has exited and its output is closed, with its stderr text. */
  exited: Promise<Exit & { stderr: string }>;
  /** Kill the child's process group (SIGTERM, SIGKILL after the grace). */
  kill(): void;
}

/** Start a producer (e.g. `tar -c`) in its own process group, stdout piped to the caller. */
export function spawnPiped(cmd: string, args: readonly string[], o: GroupOptions = {}): PipedChild {
  const started = startChild(cmd, args, { ...o, stdio: ["ignore", "pipe", "pipe"], group: true });
  const stderr: string[] = [];
  started.child.stderr?.setEncoding("utf8").on("data", (d: string) => stderr.push(d));
  return {
    stdout: started.child.stdout!,
    exited: started.exited.then((e) => ({ ...e, stderr: stderr.join("") })),
    kill: started.kill,
  };
}

// ---- the one spawn -------------------------------------------------------------------

interface Started {
  child: ChildProcess;
  exited: Promise<Exit>;
  kill: () => void;
}

function startChild(cmd: string, args: readonly string[], o: GroupOptions & { stdio: StdioOptions; group: boolean }): Started {
  const child = spawn(cmd, args, {
    cwd: o.cwd,
    env: { ...process.env, ...o.env },
    stdio: o.stdio,
    detached: o.group,
  });
  const grace = o.graceMs ?? DEFAULT_GRACE_MS;
  const kill = () => (o.group ? killGroup(child, grace) : killChild(child, grace));
  const signal = o.signal;
  signal?.addEventListener("abort", kill, { once: true });
  const exited = new Promise<Exit>((resolve) => {
    let spawnError: Error | undefined;
    const done = (e: Exit) => {
      signal?.removeEventListener("abort", kill);
      resolve(e);
    };
    child.once("error", (err: NodeJS.ErrnoException) => {
      spawnError = err;
      // Never started: no "close" is guaranteed to follow.
      if (child.pid === undefined) done({ code: null, signal: null, error: err, enoent: err.code === "ENOENT" });
    });
    child.once("close", (code, sig) => {
      const enoent = (spawnError as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
      done({ code: spawnError ? null : code, signal: sig, error: spawnError, enoent });
    });
  });
  if (signal?.aborted) kill();
  return { child, exited, kill };
}

/** SIGTERM the child's process group, SIGKILL it if the child is still there after `graceMs`. */
function killGroup(child: ChildProcess, graceMs: number): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* already gone */
    }
  };
  send("SIGTERM");
  const t = setTimeout(() => send("SIGKILL"), graceMs);
  t.unref();
  child.once("close", () => clearTimeout(t));
}

function killChild(child: ChildProcess, graceMs: number): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
  t.unref();
  child.once("close", () => clearTimeout(t));
}

function splitLines(stream: Readable | null, onLine: (l: string) => void): void {
  if (!stream) return;
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
