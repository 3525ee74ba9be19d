// Line output for pipes and CI: one line per state change and step, and a heartbeat when
// nothing else was printed for a few seconds, so a long compile never looks like a hang.
import type { RunObserver, CellState } from "../../run/observer.js";
import { CellBoard, shortStep } from "./cells.js";

export class PlainView implements RunObserver {
  private readonly board = new CellBoard();
  private last = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (line: string) => void,
    heartbeatMs = 5_000,
  ) {
    this.timer = setInterval(() => {
      if (Date.now() - this.last < heartbeatMs) return;
      const active = this.board.active();
      if (active.length === 0) return;
      this.print(
        `… ${active.map((v) => `${v.id} ${v.state} ${this.board.elapsed(v).toFixed(0)}s${v.step && v.state === "building" ? ` (${shortStep(v.step, 50)})` : ""}`).join("; ")}`,
      );
    }, 1_000);
    this.timer.unref();
  }

  private print(line: string) {
    this.last = Date.now();
    this.write(line);
  }

  note(line: string): void {
    this.print(line);
  }

  cellState(id: string, state: CellState, detail?: string): void {
    const v = this.board.state(id, state, detail);
    if (state === "queued") return;
    const t = v.ended ? ` after ${this.board.elapsed(v).toFixed(1)} s` : "";
    this.print(`[${id}] ${state}${detail ? `: ${detail}` : ""}${state === "failed" ? t : ""}`);
  }

  cellStep(id: string, step: string): void {
    this.board.step(id, step);
    this.print(`[${id}] ${shortStep(step, 110)}`);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
