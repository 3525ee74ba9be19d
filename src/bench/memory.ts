// The CLI's peak memory (maximum resident set size, from GNU time) while it expands and
// checks a synthetic matrix of a given size.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runSync } from "../io/exec/exec.js";
import { syntheticMatrix } from "./synthetic.js";

export async function peakMemory(
  cli: string,
  dir: string,
  cells: number,
): Promise<{ mb: number; seconds: number; code: number | null; error?: string }> {
  const file = path.join(dir, `synthetic-${cells}.yaml`);
  await writeFile(file, syntheticMatrix(cells));
  const t0 = Date.now();
  const r = runSync("/usr/bin/time", ["-f", "pm-maxrss-kb %M", process.execPath, cli, "expand", file], { stdout: "ignore" });
  const kb = Number(/pm-maxrss-kb (\d+)/.exec(r.stderr)?.[1]);
  const seconds = (Date.now() - t0) / 1000;
  if (!kb)
    return {
      mb: Number.NaN,
      seconds,
      code: r.code,
      error: r.enoent ? "/usr/bin/time is not installed (apt-get install time)" : r.stderr.slice(-300),
    };
  return { mb: kb / 1024, seconds, code: r.code };
}
