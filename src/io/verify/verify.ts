// Starts a built image and runs the cell's checks against it.
// Verification containers never deliver outward: every transport but local is `error`.
import type { CheckResult, VerifyResult } from "../../core/outcome.js";
import type { CheckSpec } from "../../core/verify/checks.js";
import { InterruptedError } from "../../errors.js";
import type { Engine } from "../docker/engine.js";
import { imageFacts } from "./image-leaks.js";
import { ContainerRegistry, startPostfix } from "./postfix-container.js";
import { runProbe } from "./probe-handlers.js";
import type { Outcome } from "./probes.js";

export { ContainerRegistry };

export const VERIFY_HOSTNAME = "verify.postfix-matrix.test";

export async function verifyImage(
  image: string,
  checks: readonly CheckSpec[],
  opts: {
    /** Reads the image's history and labels (the checks that look at the image, not the container). */
    engine: Pick<Engine, "imageHistory" | "inspectImage">;
    registry?: ContainerRegistry;
    tls: boolean;
    log?: (line: string) => void;
    signal?: AbortSignal;
  },
): Promise<VerifyResult> {
  const t0 = Date.now();
  const container = await startPostfix(image, {
    hostname: VERIFY_HOSTNAME,
    tls: opts.tls,
    // The chroot check reads /proc/PID/root of daemons running as another user.
    ...(checks.some((c) => c.probe.kind === "chroot") ? { capabilities: ["SYS_PTRACE"] } : {}),
    labels: { "org.postfix-matrix.role": "verify" },
    ...(opts.registry ? { registry: opts.registry } : {}),
  });
  const startupSeconds = (Date.now() - t0) / 1000;
  const context = { image: imageFacts(opts.engine, image), maillog: () => container.maillog() };
  let throughput: VerifyResult["throughput"];
  try {
    const results: CheckResult[] = [];
    for (const c of checks) {
      // An interrupt that came while the container was starting: stop here, finally cleans up.
      if (opts.signal?.aborted) throw new InterruptedError();
      let r: Outcome;
      try {
        r = await runProbe(container, c.probe, context);
      } catch (e) {
        r = { ok: false, detail: (e as Error).message };
      }
      results.push({ name: c.name, status: r.ok ? "pass" : "fail", detail: r.detail });
      if (r.throughput) throughput = r.throughput;
      opts.log?.(`${r.ok ? "pass" : "FAIL"} ${c.name}: ${r.detail}`);
    }
    // The interrupt removes the container: checks that ran meanwhile say nothing about the image.
    if (opts.signal?.aborted) throw new InterruptedError();
    return { checks: results, ...(throughput ? { throughput } : {}), startupSeconds, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await container.stop();
  }
}
