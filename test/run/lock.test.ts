// The run lock of an output folder: one owner, a clear refusal naming it, stale locks taken
// over once even when several runs find them at the same moment.
import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvironmentError, ExitCode } from "../../src/errors.js";
import { VerifyCache } from "../../src/io/verify/cache.js";
import { acquireRunLock, LOCK_FILE, type LockInfo, processAlive } from "../../src/run/lock.js";

const tmp = () => mkdtemp(path.join(os.tmpdir(), "pm-lock-"));
const host = "test-host";
const quiet = { command: "run", note: () => {}, host };

async function refusal(p: Promise<unknown>): Promise<EnvironmentError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EnvironmentError);
  return e as EnvironmentError;
}

const plant = (dir: string, info: Partial<LockInfo>) =>
  writeFile(
    path.join(dir, LOCK_FILE),
    JSON.stringify({ startedAt: "2020-01-01T00:00:00.000Z", host, command: "run", token: "t", ...info }),
  );

describe("acquireRunLock", () => {
  it("writes who holds it and removes it on release", async () => {
    const dir = await tmp();
    const lock = await acquireRunLock(dir, { ...quiet, pid: 4242, alive: () => true });
    const info = JSON.parse(await readFile(lock.path, "utf8")) as LockInfo;
    expect(info).toMatchObject({ pid: 4242, host, command: "run" });
    expect(Date.parse(info.startedAt)).toBeGreaterThan(Date.now() - 60_000);
    await lock.release();
    await expect(readFile(lock.path)).rejects.toMatchObject({ code: "ENOENT" });
    // Released: the next run gets it.
    await (await acquireRunLock(dir, { ...quiet, pid: 4243, alive: () => true })).release();
  });

  it("refuses a second run with the holder's pid and start time, exit 3", async () => {
    const dir = await tmp();
    const first = await acquireRunLock(dir, { ...quiet, pid: 100, alive: () => true });
    const e = await refusal(acquireRunLock(dir, { ...quiet, pid: 200, alive: () => true }));
    expect(e.exitCode).toBe(ExitCode.environment);
    expect(e.message).toMatch(new RegExp(`^another run is using ${dir}: pid 100 on ${host}, started \\d{4}-\\d\\d-\\d\\dT.* \\(run\\)$`));
    expect(e.hint).toContain(`remove ${first.path}`);
    await first.release();
  });

  it("takes over the lock of a pid that is gone, with a note", async () => {
    const dir = await tmp();
    await plant(dir, { pid: 999_999 });
    const notes: string[] = [];
    const lock = await acquireRunLock(dir, { command: "verify", host, note: (l) => notes.push(l), pid: 300, alive: (p) => p !== 999_999 });
    expect(notes).toEqual([
      `lock: took over ${lock.path} from a run that is gone (pid 999999 on ${host}, started 2020-01-01T00:00:00.000Z (run))`,
    ]);
    expect(JSON.parse(await readFile(lock.path, "utf8"))).toMatchObject({ pid: 300, command: "verify" });
    await lock.release();
  });

  it("takes over a lock holding its own pid (an earlier life of it), refuses another host's", async () => {
    const own = await tmp();
    await plant(own, { pid: 300 });
    await (await acquireRunLock(own, { ...quiet, pid: 300, alive: () => true })).release();
    const shared = await tmp();
    await plant(shared, { pid: 1, host: "elsewhere" });
    const e = await refusal(acquireRunLock(shared, { ...quiet, pid: 300, alive: () => false }));
    expect(e.message).toContain("pid 1 on elsewhere");
  });

  it("refuses a lock file it cannot read, saying what to remove", async () => {
    const dir = await tmp();
    await writeFile(path.join(dir, LOCK_FILE), "not json");
    const e = await refusal(acquireRunLock(dir, { ...quiet, alive: () => true }));
    expect(e.message).toBe(`${path.join(dir, LOCK_FILE)} exists but does not name a run`);
    expect(e.hint).toContain(`remove ${path.join(dir, LOCK_FILE)}`);
  });

  it("release leaves alone a lock that another run took over meanwhile", async () => {
    const dir = await tmp();
    const mine = await acquireRunLock(dir, { ...quiet, pid: 10, alive: () => true });
    // pid 10 "died"; pid 11 takes over.
    const theirs = await acquireRunLock(dir, { ...quiet, pid: 11, alive: (p) => p !== 10 });
    await mine.release();
    expect(JSON.parse(await readFile(theirs.path, "utf8"))).toMatchObject({ pid: 11 });
    await theirs.release();
  });

  it("gives the lock to exactly one of many runs starting together, fresh or stale", async () => {
    for (const stale of [false, true]) {
      const dir = await tmp();
      if (stale) await plant(dir, { pid: 7 });
      const alive = (p: number) => p !== 7;
      const notes: { pid: number; line: string }[] = [];
      const tries = await Promise.allSettled(
        // Staggered by event-loop turns, so later runs arrive in the middle of a takeover.
        Array.from({ length: 24 }, async (_, i) => {
          for (let t = 0; t < i; t++) await new Promise((r) => setImmediate(r));
          return acquireRunLock(dir, { ...quiet, pid: 1000 + i, alive, note: (line) => notes.push({ pid: 1000 + i, line }) });
        }),
      );
      const won = tries.filter((t) => t.status === "fulfilled");
      expect(won).toHaveLength(1);
      const holder = (JSON.parse(await readFile(path.join(dir, LOCK_FILE), "utf8")) as LockInfo).pid;
      // A stale lock is taken over by the run that ends up holding it, and it says so.
      expect(notes.map((n) => n.pid)).toEqual(stale ? [holder] : []);
      for (const t of tries) {
        if (t.status === "rejected") expect((t.reason as Error).message).toContain(`pid ${holder} on ${host}`);
      }
    }
  });
});

describe("processAlive", () => {
  it("knows this process, and not one that has ended", () => {
    expect(processAlive(process.pid)).toBe(true);
    const ended = Number(execFileSync(process.execPath, ["-p", "process.pid"], { encoding: "utf8" }).trim());
    expect(processAlive(ended)).toBe(false);
  });
});

describe("VerifyCache under runs at once", () => {
  it("puts of one key at the same time all succeed and leave one whole file", async () => {
    const dir = await tmp();
    const cache = new VerifyCache(dir);
    const checks = [{ name: "postfix check", probe: { kind: "postfix-check" } }] as never;
    const result = (n: number) => ({
      checks: [{ name: "postfix check", status: "pass" as const, detail: `run ${n}` }],
      startupSeconds: 1,
      seconds: n,
    });
    await Promise.all(Array.from({ length: 20 }, (_, n) => cache.put("sha256:abc", checks, result(n))));
    expect(await readdir(dir)).toHaveLength(1);
    const got = await cache.get("sha256:abc", checks);
    expect(got?.checks[0]?.detail).toMatch(/^run \d+$/);
  });
});
