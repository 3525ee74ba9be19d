// The live view for a terminal: one row per cell (state, elapsed time, current step),
// redrawn in place; notes scroll above it.
import { createLogUpdate } from "log-update";
import type { RunObserver, CellState } from "../../run/observer.js";
import { CellBoard, shortStep, type CellView } from "./cells.js";

const MARK: Record<CellState, string> = {
  queued: "·",
  building: "▶",
  verifying: "✓?",
  passed: "✔",
  failed: "✘",
  cached: "=",
};

/** One frame of the live view, `cols` wide at most: a row per cell, then a done count. */
export function liveFrame(cells: CellView[], elapsed: (v: CellView) => number, cols: number): string {
  // Before the cells are queued (sources, base images) only the notes show.
  if (cells.length === 0) return "";
  const idw = Math.min(48, Math.max(...cells.map((c) => c.id.length), 4));
  const rows = cells.map((v) => {
    const what = v.state === "building" ? shortStep(v.step, Math.max(20, cols - idw - 30)) : v.state === "queued" ? "" : (v.detail ?? "");
    const t = v.started !== undefined ? `${elapsed(v).toFixed(0)}s` : "";
    return `${MARK[v.state].padEnd(2)} ${v.id.padEnd(idw)} ${v.state.padEnd(9)} ${t.padStart(5)}  ${what}`.trimEnd().slice(0, cols - 1);
  });
  const done = cells.filter((c) => c.ended !== undefined).length;
  return [...rows, `${done}/${cells.length} done`].join("\n");
}

export interface LiveViewOptions {
  /** Clock for elapsed times (tests). */
  now?: () => number;
  /** Redraw interval: elapsed times tick even while no event arrives. */
  redrawMs?: number;
}

export class LiveView implements RunObserver {
  private readonly board: CellBoard;
  private readonly update;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    o: LiveViewOptions = {},
  ) {
    this.board = new CellBoard(o.now);
    this.update = createLogUpdate(stream);
    this.timer = setInterval(() => this.render(), o.redrawMs ?? 250);
    this.timer.unref();
  }

  private render() {
    this.update(liveFrame([...this.board.cells.values()], (v) => this.board.elapsed(v), this.stream.columns ?? 120));
  }

  note(line: string): void {
    this.update.clear();
    this.stream.write(`${line}\n`);
    this.render();
  }

  cellState(id: string, state: CellState, detail?: string): void {
    this.board.state(id, state, detail);
  }

  cellStep(id: string, step: string): void {
    this.board.step(id, step);
  }

  close(): void {
    clearInterval(this.timer);
    this.render();
    this.update.done();
  }
}

/**
 * The terminal gets the live view; pipes, CI, dumb terminals and terminals that report no
 * size (a pty nobody sized: the board would be clipped to nothing) get plain lines.
 */
export function wantsLiveView(stream: { isTTY?: boolean; columns?: number; rows?: number }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.CI && env.TERM !== "dumb" && stream.columns !== 0 && stream.rows !== 0;
}
