// How much work this machine's cores do at once, relative to one core alone: a fixed CPU
// loop timed alone, then as many copies as cores at the same time. On shared or virtual
// hardware two "cores" often deliver well under twice one core's work.
import os from "node:os";
import { describeExit, runCapture } from "../io/exec/exec.js";

const LOOP =
  "const c=require('node:crypto');let b=Buffer.alloc(1<<16);for(let i=0;i<36000;i++)b=c.createHash('sha256').update(b).digest().length?b:b;";

function timeCopies(n: number): Promise<number> {
  const t0 = performance.now();
  return Promise.all(
    Array.from({ length: n }, async () => {
      const r = await runCapture(process.execPath, ["-e", LOOP]);
      if (r.code !== 0) throw new Error(`calibration loop failed (${describeExit(r)})`);
    }),
  ).then(() => performance.now() - t0);
}

/** Effective cores: n copies of one loop, against one copy alone (best of three each). */
export async function effectiveCores(
  n = os.availableParallelism(),
): Promise<{ cores: number; effective: number; aloneMs: number; togetherMs: number }> {
  const best = async (k: number) => Math.min(await timeCopies(k), await timeCopies(k), await timeCopies(k));
  const aloneMs = await best(1);
  const togetherMs = await best(n);
  return { cores: n, effective: (n * aloneMs) / togetherMs, aloneMs, togetherMs };
}
