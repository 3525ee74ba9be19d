// Runs the built CLI (dist/) as a user would, under the Node that runs the tests.
import { spawn } from "node:child_process";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cli(
  args: string[],
  opts: { timeoutMs?: number; onSpawn?: (pid: number) => void; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string) => void } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "dist/cli/main.js"), ...args], {
      cwd: ROOT,
      env: { ...process.env, POSTFIX_MATRIX_MIRRORS: "none", TESTCONTAINERS_RYUK_DISABLED: "true", ...opts.env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      opts.onStderr?.(String(d));
      if (process.env.PM_ITG_VERBOSE) process.stderr.write(d);
    });
    if (child.pid) opts.onSpawn?.(child.pid);
    const timer = opts.timeoutMs ? setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs) : undefined;
    child.on("error", reject);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
