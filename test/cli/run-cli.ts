// Runs the CLI's main() in this process, capturing what it prints and the exit code it
// returns. No Docker: only commands that stop before the engine (expand, generate,
// upgrade --dry-run) are run this way.
import { vi } from "vitest";
import { main } from "../../src/cli/main.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Write = typeof process.stdout.write;

function capture(stream: NodeJS.WriteStream, sink: string[]) {
  return vi.spyOn(stream, "write").mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    sink.push(typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
    const done = rest.find((r) => typeof r === "function") as (() => void) | undefined;
    done?.();
    return true;
  }) as Write);
}

export async function cli(...args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const spies = [capture(process.stdout, out), capture(process.stderr, err)];
  const exitCode = process.exitCode;
  let code: number;
  try {
    code = await main(["node", "postfix-matrix", ...args]);
  } finally {
    for (const s of spies) s.mockRestore();
    // Commands set process.exitCode; it must not become this test process's exit code.
    process.exitCode = exitCode;
  }
  return { code, stdout: out.join(""), stderr: err.join("") };
}
