// What the run tells whoever watches it (the live view, plain lines, tests).
export type CellState = "queued" | "building" | "verifying" | "passed" | "failed" | "cached";

export interface RunObserver {
  /** Free text about the run as a whole (sources, base images). */
  note(line: string): void;
  cellState(id: string, state: CellState, detail?: string): void;
  /** The build step a cell is on: "[build 4/5] RUN make ...". */
  cellStep(id: string, step: string): void;
}
