// What every command that runs a matrix (run, verify, push, reproduce) gives the run the same
// way: the engine, the renderer with SOURCE_DATE_EPOCH, the flags' folder, concurrency and
// builder, the source options, and the view, interrupt signal and container registry.
import { makeRenderer } from "../core/render/dockerfile.js";
import type { Engine } from "../io/docker/engine.js";
import { loadTemplates } from "../io/fs/templates.js";
import { defaultResolveOptions } from "../io/source/resolve.js";
import type { ContainerRegistry } from "../io/verify/verify.js";
import type { RunObserver } from "../run/observer.js";
import type { RunOptions } from "../run/run-matrix.js";
import { withSourceDate } from "./renderer.js";

export async function commonRunOptions(
  o: { out: string; concurrency: number; builder: "buildkit" | "classic"; bootstrapMissing?: boolean },
  at: { engine: Engine; observer: RunObserver & { note(line: string): void }; signal: AbortSignal; registry: ContainerRegistry },
) {
  return {
    ...at,
    render: withSourceDate(makeRenderer(await loadTemplates())),
    outDir: o.out,
    concurrency: o.concurrency,
    builder: o.builder,
    bootstrapMissing: Boolean(o.bootstrapMissing),
    // What the source cache and fetches do (a corrupt entry removed, a slow apt update);
    // the `source:` result line is noted by the run itself.
    sources: { ...defaultResolveOptions(), log: (l: string) => void (l.startsWith("source:") || at.observer.note(l)) },
  } satisfies Partial<RunOptions>;
}
