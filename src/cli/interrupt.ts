// Ctrl-C and SIGTERM for a long command: abort the work, remove the containers it started.
import { InterruptedError } from "../errors.js";
import { ContainerRegistry } from "../io/verify/verify.js";

export function onInterrupt(note: (line: string) => void, what: string): { signal: AbortSignal; registry: ContainerRegistry } {
  const controller = new AbortController();
  const registry = new ContainerRegistry();
  const stop = (sig: string) => {
    if (controller.signal.aborted) return;
    note(`${sig}: stopping builds and removing ${what}…`);
    controller.abort(new InterruptedError());
    void registry.stopAll();
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
  return { signal: controller.signal, registry };
}
