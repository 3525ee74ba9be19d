// Pins the local Docker engine to one core for a while, so a build step's wall time is its
// work in core-seconds (make -j"$(nproc)" sees one core): the measure the benchmark's lower
// bound (work over cores) needs. BuildKit in dockerd starts RUN steps as its own children,
// and children inherit the CPU affinity.
import { runSync } from "../io/exec/exec.js";

// Synchronous: `release` also runs in an exit handler, which cannot wait.
const run = (cmd: string, args: string[]) => runSync(cmd, args);

export interface Pinned {
  pid: number;
  original: string;
  release: () => void;
}

/** Pins dockerd's threads to the first allowed core, or says why it cannot. */
export function pinEngineToOneCore(): Pinned | { reason: string } {
  if (process.env.DOCKER_HOST && process.env.DOCKER_HOST !== "unix:///var/run/docker.sock")
    return { reason: "DOCKER_HOST names another engine" };
  const pid = Number(run("pidof", ["-s", "dockerd"]).stdout.trim());
  if (!pid) return { reason: "no local dockerd process" };
  const now = run("taskset", ["-p", "-c", String(pid)]);
  const original = /list:\s*(\S+)/.exec(now.stdout)?.[1];
  if (now.code !== 0 || !original) return { reason: `taskset cannot read dockerd's affinity: ${now.stderr.trim() || now.stdout.trim()}` };
  const first = original.split(/[,-]/)[0]!;
  const pin = run("taskset", ["-a", "-p", "-c", first, String(pid)]);
  if (pin.code !== 0) return { reason: `taskset cannot pin dockerd: ${pin.stderr.trim()}` };
  // An interrupted benchmark must not leave the engine on one core.
  const onSignal = () => {
    release();
    process.exit(130);
  };
  const release = () => {
    process.off("exit", release).off("SIGINT", onSignal).off("SIGTERM", onSignal);
    run("taskset", ["-a", "-p", "-c", original, String(pid)]);
  };
  process.once("exit", release).once("SIGINT", onSignal).once("SIGTERM", onSignal);
  return { pid, original, release };
}
