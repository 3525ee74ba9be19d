// For the fault tests: the CLI as a child process with its own environment, and a
// unix-socket proxy in front of the real engine, so a test can take "the engine" away (cut)
// or hold it, without touching the real dockerd, and see every request made.
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { expect } from "vitest";
import { expectedSha256 } from "../../src/core/source/releases.js";
import { entryPath } from "../../src/io/source/cache.js";
import { defaultResolveOptions, resolveSource } from "../../src/io/source/resolve.js";
import { ROOT } from "./cli.js";

/** Every file under `dir`, relative; none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const all = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return all.filter((d) => d.isFile()).map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

/** A message for a user, not a crash: no internal error, no stack frame. */
export const noStack = (s: string) => expect(s).not.toMatch(/internal error|\n\s+at .+:\d+:\d+\)?\n/);

/**
 * A private source cache holding a copy of the real cached tarball (fetched into the real
 * cache first if need be), so a test may damage it.
 */
export async function privateCache(version: string): Promise<{ dir: string; tarball: string; sha256: string }> {
  const sha256 = expectedSha256({ version });
  const real = await resolveSource({ version }, defaultResolveOptions());
  const dir = await mkdtemp(path.join(os.tmpdir(), "pm-faults-cache-"));
  const tarball = entryPath(dir, sha256, version);
  await mkdir(path.dirname(tarball), { recursive: true });
  await copyFile(real.path, tarball);
  return { dir, tarball, sha256 };
}

export interface RunningCli {
  readonly pid: number;
  readonly out: { stdout: string; stderr: string };
  /** The exit code; the child is killed (and this rejects) when it outlives `ms`. */
  exited(ms: number): Promise<number>;
  waitFor(re: RegExp, ms: number): Promise<void>;
}

export function startCli(args: string[], env: Record<string, string> = {}): RunningCli {
  const child = spawn(process.execPath, [path.join(ROOT, "dist/cli/main.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, CI: "true", POSTFIX_MATRIX_MIRRORS: "none", TESTCONTAINERS_RYUK_DISABLED: "true", ...env },
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => {
    out.stderr += d;
    if (process.env.PM_ITG_VERBOSE) process.stderr.write(d);
  });
  const closed = new Promise<number>((res, rej) => child.on("close", (code) => res(code ?? -1)).on("error", rej));
  if (!child.pid) throw new Error(`could not start the CLI: ${args.join(" ")}`);
  return {
    pid: child.pid,
    out,
    async exited(ms) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, rej) => {
        timer = setTimeout(() => {
          child.kill("SIGKILL");
          rej(new Error(`the CLI was still running after ${ms / 1000} s (killed); stderr:\n${out.stderr}`));
        }, ms);
      });
      try {
        return await Promise.race([closed, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    async waitFor(re, ms) {
      const t0 = Date.now();
      while (!re.test(out.stderr)) {
        if (child.exitCode !== null) throw new Error(`the CLI ended (${child.exitCode}) before ${re}; stderr:\n${out.stderr}`);
        if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${re}; stderr:\n${out.stderr}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}

export const REAL_SOCKET = "/var/run/docker.sock";

export interface EngineProxy {
  /** `unix://...`, for DOCKER_HOST. */
  readonly dockerHost: string;
  /** Request lines (`POST /v1.47/build?...`) seen so far, in order. */
  readonly requests: string[];
  connections(): number;
  /** The engine goes away: no new connection, every open one destroyed. */
  cut(): Promise<void>;
  /** Requests wait until released (the engine "hangs"). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startEngineProxy(): Promise<EngineProxy> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pm-proxy-"));
  const socket = path.join(dir, "docker.sock");
  const open = new Set<net.Socket>();
  const requests: string[] = [];
  let connections = 0;
  let held: (() => void)[] | undefined;
  const server = net.createServer((client) => {
    connections++;
    open.add(client);
    const connect = () => {
      if (client.destroyed) return;
      const up = net.connect(REAL_SOCKET);
      open.add(up);
      client.on("data", (d: Buffer) => {
        // Not a full HTTP parser: request lines at chunk starts are enough to see what was asked.
        const m = /^(GET|POST|PUT|DELETE|HEAD) (\S+)/.exec(d.subarray(0, 2048).toString("latin1"));
        if (m) requests.push(`${m[1]} ${m[2]}`);
      });
      client.pipe(up).pipe(client);
      const end = () => {
        client.destroy();
        up.destroy();
        open.delete(client);
        open.delete(up);
      };
      client.on("error", end).on("close", end);
      up.on("error", end).on("close", end);
    };
    client.pause();
    if (held) held.push(connect);
    else connect();
  });
  await new Promise<void>((res, rej) => server.once("error", rej).listen(socket, () => res()));
  let closed = false;
  const close = async () => {
    if (!closed) {
      closed = true;
      await new Promise<void>((res) => {
        server.close(() => res());
        for (const s of open) s.destroy();
        open.clear();
      });
    }
  };
  return {
    dockerHost: `unix://${socket}`,
    requests,
    connections: () => connections,
    cut: close,
    hold: () => {
      held ??= [];
    },
    release: () => {
      const waiting = held ?? [];
      held = undefined;
      for (const go of waiting) go();
    },
    close: async () => {
      await close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
