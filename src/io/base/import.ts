// Import the finished root filesystem into the engine as an image.

import { PassThrough } from "node:stream";

import { EnvironmentError, InterruptedError } from "../../errors.js";
import { describeExit, spawnPiped, type Exit } from "../exec/exec.js";
import type { BaseImageEngine } from "./bootstrap.js";

/**
 * `tar --numeric-owner -C <rootfs> -c .` piped into the engine. The stream handed to the
 * engine ends only once tar has exited 0; a failing tar errors the stream instead, so
 * a truncated archive is never imported as a good image.
 */
export async function importTree(
  rootfs: string,
  ref: string,
  engine: BaseImageEngine,
  changes: readonly string[],
  signal: AbortSignal | undefined,
): Promise<{ imageId: string }> {
  // Abort kills tar's process group (the seam's job); here it also fails the stream.
  const tar = spawnPiped("tar", ["--numeric-owner", "-C", rootfs, "-c", "."], { signal });
  const body = new PassThrough({ highWaterMark: 1 << 20 });
  tar.stdout.pipe(body, { end: false });
  const onAbort = () => body.destroy(new InterruptedError());
  signal?.addEventListener("abort", onAbort, { once: true });
  const tarFailed = (e: Exit & { stderr: string }) =>
    new EnvironmentError(`tar of the root filesystem failed (${describeExit(e)}): ${e.stderr.trim()}`);
  void tar.exited.then((e) => (e.code === 0 ? body.end() : body.destroy(tarFailed(e))));
  // Do not wait on an engine that ignores its source stream failing: abort wins.
  const aborted = new Promise<never>((_, reject) => {
    if (signal) signal.addEventListener("abort", () => reject(new InterruptedError()), { once: true });
  });
  aborted.catch(() => {});
  try {
    const importing = engine.importRootfs(body, ref, [...changes]);
    importing.catch(() => {});
    const result = await Promise.race([importing, aborted]).catch(async (err: unknown) => {
      tar.kill();
      await tar.exited;
      throw err;
    });
    const exit = await tar.exited;
    if (signal?.aborted) throw new InterruptedError();
    if (exit.code !== 0) throw tarFailed(exit);
    return result;
  } catch (err) {
    if (signal?.aborted) throw new InterruptedError();
    if (err instanceof EnvironmentError || err instanceof InterruptedError) throw err;
    throw new EnvironmentError(`importing ${ref} into the engine failed: ${(err as Error).message ?? String(err)}`);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
}
