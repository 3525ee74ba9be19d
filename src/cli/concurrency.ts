// How many cells build at once when -j is not given. A cell keeps its cores busy only while
// it compiles: its apt downloads, make makefiles, make upgrade and image export leave them
// idle, so two cells per core fill those gaps (measured on 2 vCPUs, default matrix cold: 2 at
// a time 224-234 s, 3 at a time 212 s, 4 at a time 202-212 s). Each cell may need ~2 GiB.
import os from "node:os";

export interface Machine {
  cores: number;
  memoryBytes: number;
}

export const MAX_DEFAULT_CONCURRENCY = 8;

export function defaultConcurrency(m: Machine = { cores: os.availableParallelism(), memoryBytes: os.totalmem() }): number {
  const byMemory = Math.floor(m.memoryBytes / 2 ** 30 / 2);
  return Math.max(1, Math.min(2 * m.cores, byMemory, MAX_DEFAULT_CONCURRENCY));
}

/** The default for an engine, from the CPUs and memory it reports (it may be another machine). */
export const engineDefaultConcurrency = (info: { cpus: number; memoryBytes: number }): number =>
  defaultConcurrency({ cores: Math.max(1, info.cpus), memoryBytes: info.memoryBytes });
