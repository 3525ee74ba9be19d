// Follows one build's event stream: which step runs, each step's last output lines, step
// timings, and the first failure. A build is failed by an `error`/`errorDetail` line or a
// failed BuildKit vertex, never by guessing from output text.
import type { StepTiming } from "../../core/outcome.js";
import { BuildFailed } from "./engine.js";
import { type BuildEvent, LogLines } from "./progress.js";

export class BuildTracker {
  private readonly steps = new Map<string, string>();
  private readonly tail: string[] = [];
  private readonly tailByStep = new Map<string, string[]>();
  private readonly timings = new Map<string, StepTiming>();
  private current: string | undefined;
  private readonly lines = new LogLines();
  private failure: { message: string; step?: string } | undefined;
  imageId = "";

  add(e: BuildEvent): void {
    if (e.kind === "step") {
      this.steps.set(e.id, e.name);
      if (e.state === "started") this.current = e.id;
      if (e.state === "error") this.failure ??= { message: e.error ?? "step failed", step: e.id };
      if ((e.state === "done" || e.state === "cached") && !e.name.startsWith("[internal]")) {
        this.timings.set(e.id, { name: e.name, seconds: e.seconds ?? 0, cached: e.state === "cached" });
      }
    } else if (e.kind === "log") {
      const line = this.lines.add(e);
      if (line !== undefined) this.push(e.step ?? this.current, line);
    } else if (e.kind === "error") {
      this.failure ??= { message: e.message, ...(this.current ? { step: this.current } : {}) };
    } else if (e.kind === "image") {
      this.imageId = e.id;
    }
  }

  /** The failure as BuildFailed (failing step name, its last 25 lines), if there was one. */
  failed(): BuildFailed | undefined {
    const f = this.failure;
    if (!f) return undefined;
    const stepName = f.step ? (this.steps.get(f.step) ?? f.step) : undefined;
    const lines = (f.step && this.tailByStep.get(f.step)) || this.tail;
    return new BuildFailed(f.message, stepName, lines.slice(-25));
  }

  /** The step that started last, by name (where a build was when its stream broke). */
  running(): string | undefined {
    return this.current && (this.steps.get(this.current) ?? this.current);
  }

  lastLines(): string[] {
    return this.tail.slice(-25);
  }

  stepTimings(): StepTiming[] {
    return [...this.timings.values()];
  }

  private push(step: string | undefined, text: string): void {
    this.tail.push(text);
    if (this.tail.length > 200) this.tail.shift();
    if (!step) return;
    const t = this.tailByStep.get(step) ?? [];
    t.push(text);
    if (t.length > 40) t.shift();
    this.tailByStep.set(step, t);
  }
}
