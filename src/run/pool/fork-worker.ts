// A pool worker as a child process: the built CLI's worker module, forked with the engine's
// environment (DOCKER_HOST and TLS) so Docker and testcontainers in it reach that engine.
import { fork } from "node:child_process";
import path from "node:path";
import type { PoolMember } from "./inventory.js";
import type { FromWorker, ToWorker } from "./protocol.js";
import type { WorkerLink } from "./run-pool.js";

const WORKER = path.resolve(import.meta.dirname, "../../cli/pool-worker.js");

export function forkWorker(m: PoolMember, batch: Extract<ToWorker, { type: "run" }>, onMessage: (msg: FromWorker) => void): WorkerLink {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(m.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  // stdout and stderr go where ours go: a worker that crashes says why.
  const child = fork(WORKER, [], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  child.on("message", (msg: FromWorker) => onMessage(msg));
  child.send(batch);
  const finished = new Promise<void>((res) => {
    child.on("close", () => res());
    child.on("error", () => res());
  });
  return {
    abort: () => {
      if (child.connected) child.send({ type: "abort" } satisfies ToWorker);
    },
    finished,
  };
}
