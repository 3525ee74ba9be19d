// The live view for a terminal: one row per cell (state, elapsed time, current step),
// redrawn in place; notes scroll above it.
import { createLogUpdate } from "log-update";
import type { RunObserver, CellState } from "../../run/observer.js";
import { CellBoard, shortStep } from "./cells.js";

const MARK: Record<CellState, string> = {
  queued: "·", building: "▶", verifying: "✓?", passed: "✔", failed: "✘", cached: "=",
};

export class LiveView implements RunObserver {
  private readonly board = new CellBoard();
  private readonly update;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly stream: NodeJS.WriteStream) {
    this.update = createLogUpdate(stream);
    this.timer = setInterval(() => this.render(), 250);
    this.timer.unref();
  }

  private render() {
    const cols = this.stream.columns ?? 120;
    const cells = [...this.board.cells.values()];
    const idw = Math.min(48, Math.max(...cells.map((c) => c.id.length), 4));
    const rows = cells.map((v) => {
      const what = v.state === "building" ? shortStep(v.step, Math.max(20, cols - idw - 30)) : v.state === "queued" ? "" : (v.detail ?? "");
      const t = v.started !== undefined ? `${this.board.elapsed(v).toFixed(0)}s` : "";
      return `${MARK[v.state].padEnd(2)} ${v.id.padEnd(idw)} ${v.state.padEnd(9)} ${t.padStart(5)}  ${what}`.slice(0, cols - 1);
    });
    const done = cells.filter((c) => c.ended !== undefined).length;
    this.update([...rows, `${done}/${cells.length} done`].join("\n"));
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
