// One run at a time per output folder of a matrix: `<out>/<matrix>/.lock` names the process
// that owns it (pid, start time, host). A second run refuses at once; the lock of a process
// that no longer exists (killed, machine rebooted) is taken over with a note. Files are made
// complete under a temporary name and put in place with link(), which fails when the name
// exists: a reader never sees a half-written lock, and two runs never both get it.
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EnvironmentError } from "../errors.js";

export const LOCK_FILE = ".lock";

export interface LockInfo {
  pid: number;
  startedAt: string;
  host: string;
  command: string;
  /** Tells this lock from an earlier one of the same pid. */
  token: string;
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock if it is still this run's. */
  release(): Promise<void>;
}

export interface LockOptions {
  command: string;
  note: (line: string) => void;
  /** For tests. */
  pid?: number;
  host?: string;
  alive?: (pid: number) => boolean;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Puts `info` at `file` unless something is there already; false when it is. */
async function placeExclusive(file: string, info: LockInfo): Promise<boolean> {
  const tmp = `${file}.${info.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, `${JSON.stringify(info)}\n`);
  try {
    await link(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Puts `info` at `file` whatever is there: only under the takeover guard. */
async function replace(file: string, info: LockInfo): Promise<void> {
  const tmp = `${file}.${info.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, `${JSON.stringify(info)}\n`);
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

/** The lock's owner; `gone` when it was released meanwhile, `unreadable` when not ours to read. */
async function readLock(file: string): Promise<LockInfo | "gone" | "unreadable"> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
  try {
    const v = JSON.parse(text) as LockInfo;
    return Number.isInteger(v.pid) && v.pid > 0 && typeof v.startedAt === "string" ? v : "unreadable";
  } catch {
    return "unreadable";
  }
}

const describe = (i: LockInfo) => `pid ${i.pid} on ${i.host}, started ${i.startedAt}${i.command ? ` (${i.command})` : ""}`;

/** Takes the lock of `dir` or throws EnvironmentError naming the run that has it. */
export async function acquireRunLock(dir: string, o: LockOptions): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const me: LockInfo = {
    pid: o.pid ?? process.pid,
    startedAt: new Date().toISOString(),
    host: o.host ?? os.hostname(),
    command: o.command,
    token: randomBytes(8).toString("hex"),
  };
  const alive = o.alive ?? processAlive;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await placeExclusive(file, me)) return handle(file, me);
    const held = await readLock(file);
    if (held === "gone") continue;
    if (held === "unreadable") {
      throw new EnvironmentError(`${file} exists but does not name a run`, `if no other run uses ${dir}, remove ${file}`);
    }
    // Another host's pid cannot be looked up here; our own pid is an earlier life of this
    // pid (a container restarted with the same folder), not a run going on.
    const stale = held.host === me.host && (held.pid === me.pid || !alive(held.pid));
    if (!stale) {
      throw new EnvironmentError(
        `another run is using ${dir}: ${describe(held)}`,
        `wait for it to finish, or use another --out; if that process is not a postfix-matrix run, remove ${file}`,
      );
    }
    if (await takeOver(file, held, me, alive)) {
      o.note(`lock: took over ${file} from a run that is gone (${describe(held)})`);
      return handle(file, me);
    }
    await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
  }
  throw new EnvironmentError(`could not take the lock ${file}: other runs keep taking it`);
}

/**
 * Replaces a stale lock. Only the run that gets `<lock>.takeover` may remove it, and only
 * when it still is the stale one it read: two runs finding the same stale lock do not both win.
 */
async function takeOver(file: string, stale: LockInfo, me: LockInfo, alive: (pid: number) => boolean): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await placeExclusive(guard, me))) {
    const g = await readLock(guard);
    // A takeover whose run died in between is itself stale.
    if (g !== "gone" && (g === "unreadable" || (g.host === me.host && !alive(g.pid)))) await unlink(guard).catch(() => {});
    return false;
  }
  try {
    const now = await readLock(file);
    if (now === "gone") return await placeExclusive(file, me);
    if (now === "unreadable" || now.token !== stale.token || now.pid !== stale.pid) return false;
    // Replaced in one step (rename), never removed first: a run arriving in between would
    // otherwise place its own lock without knowing one was taken over.
    await replace(file, me);
    return true;
  } finally {
    await unlink(guard).catch(() => {});
  }
}

function handle(file: string, me: LockInfo): RunLock {
  let released = false;
  return {
    path: file,
    async release() {
      if (released) return;
      released = true;
      const now = await readLock(file).catch(() => "gone" as const);
      if (now !== "gone" && now !== "unreadable" && now.token === me.token) await unlink(file).catch(() => {});
    },
  };
}
