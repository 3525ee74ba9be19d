// The plain (pipe/CI) run view and the cell board it keeps (src/cli/view/plain.ts, cells.ts):
// one line per state change and step, and a heartbeat when nothing was printed for a while.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CellBoard, shortStep } from "../../src/cli/view/cells.js";
import { PlainView } from "../../src/cli/view/plain.js";

describe("shortStep", () => {
  it("turns the [stage n/m] prefix into `stage n/m: ` and collapses white space", () => {
    expect(shortStep("[build 4/5] RUN make  makefiles")).toBe("build 4/5: RUN make makefiles");
    expect(shortStep("[runtime 2/7]   RUN\tapt-get\n update")).toBe("runtime 2/7: RUN apt-get update");
  });

  it("leaves a step without prefix as it is (white space collapsed)", () => {
    expect(shortStep("exporting layers")).toBe("exporting layers");
    expect(shortStep("a  b")).toBe("a b");
  });

  it("empty or missing step: empty string", () => {
    expect(shortStep(undefined)).toBe("");
    expect(shortStep("")).toBe("");
  });

  it("truncates to the width, ending in …", () => {
    const step = `[build 4/5] RUN make makefiles ${"CCARGS=-DUSE_TLS ".repeat(10)}`;
    const s = shortStep(step, 30);
    expect(s).toHaveLength(30);
    expect(s.endsWith("…")).toBe(true);
    expect(s.startsWith("build 4/5: RUN make makefiles")).toBe(true);
    // Default width 70.
    expect(shortStep(step)).toHaveLength(70);
  });

  it("exactly the width is not truncated", () => {
    expect(shortStep("x".repeat(20), 20)).toBe("x".repeat(20));
    expect(shortStep("x".repeat(21), 20)).toBe(`${"x".repeat(19)}…`);
  });
});

describe("CellBoard", () => {
  it("tracks start and end, elapsed seconds, active cells", () => {
    let t = 1_000;
    const board = new CellBoard(() => t);
    board.state("a", "queued");
    expect(board.elapsed(board.cells.get("a")!)).toBe(0);
    t = 2_000;
    board.state("a", "building");
    board.step("a", "[build 1/5] FROM x");
    t = 5_000;
    expect(board.active().map((v) => v.id)).toEqual(["a"]);
    expect(board.elapsed(board.cells.get("a")!)).toBe(3);
    board.state("a", "verifying");
    expect(board.cells.get("a")!.started).toBe(2_000);
    t = 9_000;
    const v = board.state("a", "passed");
    expect(v.ended).toBe(9_000);
    t = 20_000;
    expect(board.elapsed(v)).toBe(7);
    expect(board.active()).toEqual([]);
  });
});

describe("PlainView", () => {
  let lines: string[];
  let view: PlainView;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date("2025-01-01T00:00:00Z"));
    lines = [];
    view = new PlainView((l) => lines.push(l), 5_000);
  });
  afterEach(() => {
    view.close();
    vi.useRealTimers();
  });

  it("queued prints nothing", () => {
    view.cellState("a", "queued");
    expect(lines).toEqual([]);
  });

  it("state changes and steps print one line each, naming the cell", () => {
    view.cellState("cell-1", "building");
    view.cellStep("cell-1", "[build 4/5] RUN make  makefiles");
    view.cellState("cell-1", "verifying");
    view.cellState("cell-1", "passed");
    expect(lines).toHaveLength(4);
    for (const l of lines) expect(l).toContain("cell-1");
    expect(lines[0]).toMatch(/building/);
    expect(lines[1]).toContain("build 4/5: RUN make makefiles");
    expect(lines[2]).toMatch(/verifying/);
    expect(lines[3]).toMatch(/passed/);
  });

  it("a failure prints its detail and how long the cell ran", () => {
    view.cellState("c", "building");
    vi.advanceTimersByTime(3_000);
    view.cellState("c", "failed", "make exited 2");
    expect(lines.at(-1)).toContain("c");
    expect(lines.at(-1)).toContain("failed");
    expect(lines.at(-1)).toContain("make exited 2");
    expect(lines.at(-1)).toMatch(/3\.0 s/);
  });

  it("note prints its line as is", () => {
    view.note("sources: 2 releases");
    expect(lines).toEqual(["sources: 2 releases"]);
  });

  it("heartbeat after 5 s of silence while a cell builds", () => {
    view.cellState("cell-1", "building");
    view.cellStep("cell-1", "[build 4/5] RUN make  makefiles");
    const printed = lines.length;
    vi.advanceTimersByTime(4_000);
    expect(lines).toHaveLength(printed);
    vi.advanceTimersByTime(2_000);
    const beats = lines.slice(printed);
    expect(beats).toHaveLength(1);
    const beat = beats[0]!;
    expect(beat.startsWith("… ")).toBe(true);
    expect(beat).toContain("cell-1");
    expect(beat).toContain("building");
    expect(beat).toMatch(/\b5s\b/);
    expect(beat).toContain("build 4/5: RUN make makefiles");
  });

  it("the heartbeat counts as output: the next one comes 5 s later, with the time grown", () => {
    view.cellState("a", "building");
    vi.advanceTimersByTime(5_000);
    vi.advanceTimersByTime(5_000);
    const beats = lines.filter((l) => l.startsWith("… "));
    expect(beats).toHaveLength(2);
    expect(beats[0]).toMatch(/\ba building 5s\b/);
    expect(beats[1]).toMatch(/\ba building 10s\b/);
  });

  it("other output postpones the heartbeat", () => {
    view.cellState("a", "building");
    vi.advanceTimersByTime(4_000);
    view.cellStep("a", "[build 2/5] COPY x");
    vi.advanceTimersByTime(4_000);
    expect(lines.filter((l) => l.startsWith("… "))).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(lines.filter((l) => l.startsWith("… "))).toHaveLength(1);
  });

  it("names every active cell; verifying cells without their build step", () => {
    view.cellState("a", "building");
    view.cellStep("a", "[build 3/5] RUN tar");
    view.cellState("b", "building");
    view.cellStep("b", "[build 5/5] RUN find");
    view.cellState("b", "verifying");
    view.cellState("c", "queued");
    vi.advanceTimersByTime(5_000);
    const beat = lines.at(-1)!;
    expect(beat.startsWith("… ")).toBe(true);
    expect(beat).toContain("a building");
    expect(beat).toContain("build 3/5: RUN tar");
    expect(beat).toContain("b verifying");
    expect(beat).not.toContain("build 5/5");
    expect(beat).not.toMatch(/\bc\b/);
  });

  it("long steps are shortened in the heartbeat", () => {
    view.cellState("a", "building");
    view.cellStep("a", `[build 4/5] RUN make makefiles ${"x".repeat(200)}`);
    vi.advanceTimersByTime(5_000);
    const beat = lines.at(-1)!;
    expect(beat.startsWith("… ")).toBe(true);
    expect(beat).toContain("…)");
    expect(beat.length).toBeLessThan(120);
  });

  it("no heartbeat when no cell is active", () => {
    vi.advanceTimersByTime(20_000);
    view.cellState("a", "queued");
    vi.advanceTimersByTime(20_000);
    view.cellState("b", "building");
    view.cellState("b", "passed");
    const printed = lines.length;
    vi.advanceTimersByTime(20_000);
    expect(lines).toHaveLength(printed);
    expect(lines.some((l) => l.startsWith("… "))).toBe(false);
  });

  it("close() stops the timer", () => {
    view.cellState("a", "building");
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    view.close();
    expect(vi.getTimerCount()).toBe(0);
    const printed = lines.length;
    vi.advanceTimersByTime(30_000);
    expect(lines).toHaveLength(printed);
  });

  it("heartbeatMs is honoured", () => {
    view.close();
    lines = [];
    view = new PlainView((l) => lines.push(l), 10_000);
    view.cellState("a", "building");
    vi.advanceTimersByTime(9_000);
    expect(lines.filter((l) => l.startsWith("… "))).toEqual([]);
    vi.advanceTimersByTime(1_000);
    expect(lines.filter((l) => l.startsWith("… "))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/\b10s\b/);
  });
});
