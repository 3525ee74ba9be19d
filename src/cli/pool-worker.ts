// One engine's share of a pooled run, in a process of its own (forked by the coordinator,
// src/run/pool/run-pool.ts, with that engine's DOCKER_HOST): it builds and verifies the cells
// it is sent and reports each result over IPC as soon as it is final.
import path from "node:path";
import { PostfixMatrixError } from "../errors.js";
import { cellPassed } from "../core/outcome.js";
import { DockerodeEngine } from "../io/docker/dockerode-engine.js";
import { defaultCacheDir } from "../io/source/cache.js";
import { VerifyCache } from "../io/verify/cache.js";
import type { CellState } from "../run/observer.js";
import type { FromWorker, ToWorker } from "../run/pool/protocol.js";
import { runMatrix } from "../run/run-matrix.js";
import { onInterrupt } from "./interrupt.js";
import { load } from "./load.js";
import { commonRunOptions } from "./run-options.js";

process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

const send = (m: FromWorker) => new Promise<void>((res) => (process.send ? process.send(m, undefined, {}, () => res()) : res()));

async function runBatch(m: Extract<ToWorker, { type: "run" }>, abort: AbortController): Promise<FromWorker> {
  const engine = new DockerodeEngine();
  const note = (line: string) => void send({ type: "note", line });
  const view = {
    note,
    cellState: (id: string, state: CellState, detail?: string) => void send({ type: "state", id, state, ...(detail ? { detail } : {}) }),
    cellStep: (id: string, step: string) => void send({ type: "step", id, step }),
  };
  const { signal, registry } = onInterrupt(note, "verification containers");
  signal.addEventListener("abort", () => abort.abort(signal.reason));
  try {
    const p = await load(m.file, m.cells);
    const run = await runMatrix(p, {
      ...(await commonRunOptions(m.flags, { engine, observer: view, signal: abort.signal, registry })),
      verify: m.flags.verify,
      build: true,
      failFast: m.flags.failFast,
      verifyCache: new VerifyCache(path.join(defaultCacheDir(), "verify")),
      reverify: m.flags.reverify,
      onResult: (result) => void send({ type: "result", result }),
    });
    const lost = await engineLost(engine, !run.results.every(cellPassed));
    return {
      type: "done",
      ...(lost ? { lost: lost.message } : {}),
      environment: run.environment.map((e) => ({ message: e.message, ...(e.hint ? { hint: e.hint } : {}) })),
      interrupted: run.interrupted,
    };
  } catch (e) {
    const lost = await engineLost(engine, true);
    const hint = e instanceof PostfixMatrixError ? e.hint : undefined;
    return { type: "error", message: (e as Error).message, ...(hint ? { hint } : {}), lost: lost !== undefined };
  } finally {
    await registry.stopAll();
  }
}

/**
 * Whether the engine went away. After a failure it is asked a few times over 3 s: a daemon
 * being stopped fails the build it runs (with an API error, not a dropped connection) a moment
 * before its socket closes.
 */
async function engineLost(engine: DockerodeEngine, afterFailure: boolean): Promise<Error | undefined> {
  for (let i = 0; i < (afterFailure ? 4 : 1); i++) {
    if (engine.lostConnection) return engine.lostConnection;
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    const e = await engine.ping().then(
      () => undefined,
      (x: Error) => x,
    );
    if (e) return e;
  }
  return engine.lostConnection;
}

const abort = new AbortController();
process.on("message", (m: ToWorker) => {
  if (m.type === "abort") abort.abort();
  else
    void runBatch(m, abort).then(async (last) => {
      await send(last);
      process.disconnect?.();
    });
});
// The coordinator gone (killed, crashed): stop too, leaving no container behind.
process.on("disconnect", () => abort.abort());
