// What a pool's coordinator and its per-engine workers say to each other over the IPC channel
// of a forked process. A worker runs on one engine because testcontainers picks its engine
// once per process (from DOCKER_HOST): one process per engine is how each cell is verified on
// the engine that built it.
import type { CellResult } from "../../core/outcome.js";
import type { CellState } from "../observer.js";

/** The flags of `run` that a worker's share of the run needs. */
export interface WorkerFlags {
  out: string;
  concurrency: number;
  builder: "buildkit" | "classic";
  bootstrapMissing: boolean;
  verify: boolean;
  reverify: boolean;
  failFast: boolean;
}

export type ToWorker = { type: "run"; file: string; cells: string[]; flags: WorkerFlags } | { type: "abort" };

export type FromWorker =
  | { type: "note"; line: string }
  | { type: "state"; id: string; state: CellState; detail?: string }
  | { type: "step"; id: string; step: string }
  | { type: "result"; result: CellResult }
  /** The batch is over. `lost`: the engine went away (its unfinished cells go elsewhere). */
  | { type: "done"; lost?: string; environment: { message: string; hint?: string }[]; interrupted: boolean }
  /** The batch could not run at all (say the engine did not answer when it started). */
  | { type: "error"; message: string; hint?: string; lost: boolean };
