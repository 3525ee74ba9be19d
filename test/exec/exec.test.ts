// The exec seam against real processes: sh, true, false, a missing program.
import { readFileSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

import { describeExit, runCapture, runLines, runSync, spawnPiped } from "../../src/io/exec/exec.js";

const MISSING = "/nonexistent/postfix-matrix-no-such-program";

/** Whether `pid` still runs (a zombie waiting for its reaper does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 20));
  return !alive(pid);
}

describe("runCapture", () => {
  it("captures stdout and stderr, no shell, with env overrides and cwd", async () => {
    const dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), "pm-exec-")));
    try {
      process.env.PM_EXEC_DROP = "set";
      const r = await runCapture("sh", ["-c", 'echo "$PM_EXEC_A|${PM_EXEC_DROP-unset}|$1"; pwd; echo err >&2', "sh", "a b;$(x)"], {
        env: { PM_EXEC_A: "over", PM_EXEC_DROP: undefined },
        cwd: dir,
      });
      expect(r).toMatchObject({ code: 0, signal: null, error: undefined, enoent: false, stderr: "err\n" });
      expect(r.stdout).toBe(`over|unset|a b;$(x)\n${dir}\n`);
    } finally {
      delete process.env.PM_EXEC_DROP;
      await fs.rm(dir, { recursive: true });
    }
  });

  it("reports exit codes", async () => {
    expect((await runCapture("true", [])).code).toBe(0);
    const r = await runCapture("false", []);
    expect(r).toMatchObject({ code: 1, enoent: false, error: undefined });
    expect(describeExit(r)).toBe("exit code 1");
  });

  it("reports a missing program as ENOENT instead of throwing", async () => {
    const r = await runCapture(MISSING, ["x"]);
    expect(r).toMatchObject({ code: null, enoent: true, stdout: "", stderr: "" });
    expect(r.error?.message).toContain("ENOENT");
    expect(describeExit(r)).toContain("ENOENT");
  });

  it("kills a child whose output exceeds the limit", async () => {
    const r = await runCapture("sh", ["-c", "while :; do echo xxxxxxxxxxxxxxxx; done"], { maxBytes: 1000 });
    expect(r.code).toBeNull();
    expect(r.error?.message).toMatch(/output exceeds 1000 bytes/);
    expect(r.stdout.length).toBeLessThanOrEqual(1000);
  });

  it("abort kills it", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const r = await runCapture("sh", ["-c", "sleep 30"], { signal: ac.signal });
    expect(r.signal).toBe("SIGTERM");
  });
});

describe("runSync", () => {
  it("captures output with env overrides; reports ENOENT; can ignore output", () => {
    expect(runSync("sh", ["-c", "echo $PM_EXEC_B; exit 4"], { env: { PM_EXEC_B: "b" } })).toMatchObject({
      code: 4,
      stdout: "b\n",
      enoent: false,
    });
    expect(runSync(MISSING, [])).toMatchObject({ code: null, enoent: true, stdout: "" });
    expect(runSync("sh", ["-c", "echo hidden"], { stdout: "ignore" }).stdout).toBe("");
  });
});

describe("runLines", () => {
  it("streams non-blank lines of stdout and stderr and keeps a tail", async () => {
    const seen: string[] = [];
    const r = await runLines("sh", ["-c", "printf 'a\\n\\nb\\r\\nc'; echo d >&2; exit 2"], {
      onLine: (l) => seen.push(l),
      tailLines: 2,
    });
    expect(r.code).toBe(2);
    expect([...seen].sort()).toEqual(["a", "b", "c", "d"]);
    expect(r.tail).toHaveLength(2);
  });

  it("reports a missing program", async () => {
    const r = await runLines(MISSING, []);
    expect(r).toMatchObject({ code: null, enoent: true, tail: [] });
  });

  it("abort kills the whole process group, not only the child", async () => {
    const ac = new AbortController();
    let background = 0;
    const r = await runLines("sh", ["-c", "sleep 30 & echo $!; sleep 30; wait"], {
      signal: ac.signal,
      onLine: (l) => {
        background = Number(l);
        ac.abort();
      },
    });
    expect(r.signal).toBe("SIGTERM");
    expect(background).toBeGreaterThan(0);
    expect(await gone(background)).toBe(true);
  });

  it("SIGKILLs the group when SIGTERM is ignored, after the grace", async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const r = await runLines("sh", ["-c", "trap '' TERM; echo ready; sleep 30"], {
      signal: ac.signal,
      graceMs: 300,
      onLine: () => ac.abort(),
    });
    expect(r.signal).toBe("SIGKILL");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it("an already aborted signal kills at once", async () => {
    const r = await runLines("sh", ["-c", "sleep 30"], { signal: AbortSignal.abort() });
    expect(r.signal).toBe("SIGTERM");
  });
});

describe("spawnPiped", () => {
  const read = async (s: NodeJS.ReadableStream) => {
    let out = "";
    for await (const c of s) out += String(c);
    return out;
  };

  it("pipes stdout to the caller and reports stderr and the exit", async () => {
    const c = spawnPiped("sh", ["-c", "printf abc; echo oops >&2; exit 3"]);
    expect(await read(c.stdout)).toBe("abc");
    expect(await c.exited).toMatchObject({ code: 3, stderr: "oops\n" });
  });

  it("kill() ends the group; a missing program is reported", async () => {
    const c = spawnPiped("sh", ["-c", "sleep 30 & sleep 30; wait"]);
    c.kill();
    expect((await c.exited).signal).toBe("SIGTERM");
    expect(await spawnPiped(MISSING, []).exited).toMatchObject({ enoent: true, code: null });
  });
});
