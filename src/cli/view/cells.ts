// Per-cell state as the views show it.
import type { CellState } from "../../run/observer.js";

export interface CellView {
  id: string;
  state: CellState;
  step?: string;
  detail?: string;
  /** When the current state began (ms). */
  since: number;
  started?: number;
  ended?: number;
}

export class CellBoard {
  readonly cells = new Map<string, CellView>();
  constructor(private readonly now: () => number = Date.now) {}

  state(id: string, state: CellState, detail?: string): CellView {
    const prev = this.cells.get(id);
    const t = this.now();
    const v: CellView = {
      id,
      state,
      since: t,
      ...(prev?.started !== undefined ? { started: prev.started } : state === "building" || state === "verifying" ? { started: t } : {}),
      ...(detail !== undefined ? { detail } : {}),
      ...(state === "building" && prev?.step ? { step: prev.step } : {}),
    };
    if (["passed", "failed", "cached"].includes(state)) v.ended = t;
    this.cells.set(id, v);
    return v;
  }

  step(id: string, step: string): void {
    const v = this.cells.get(id);
    if (v) v.step = step;
  }

  elapsed(v: CellView): number {
    if (v.started === undefined) return 0;
    return ((v.ended ?? this.now()) - v.started) / 1000;
  }

  active(): CellView[] {
    return [...this.cells.values()].filter((v) => v.state === "building" || v.state === "verifying");
  }
}

/** "[build 4/5] RUN make makefiles ..." -> "build 4/5: RUN make makefiles ..." shortened. */
export function shortStep(step: string | undefined, width = 70): string {
  if (!step) return "";
  const s = step.replace(/\s+/g, " ").replace(/^\[([^\]]+)\]\s*/, "$1: ");
  return s.length > width ? `${s.slice(0, width - 1)}…` : s;
}
