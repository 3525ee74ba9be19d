// The terminal live view (src/cli/view/live.ts): its frame, redrawn in place on a timer, with
// notes scrolling above it; and when a run gets it instead of plain lines.
import { stripVTControlCharacters } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CellBoard } from "../../src/cli/view/cells.js";
import { LiveView, liveFrame, wantsLiveView } from "../../src/cli/view/live.js";

describe("liveFrame", () => {
  const board = () => {
    let t = 0;
    const b = new CellBoard(() => t);
    return {
      b,
      at: (ms: number) => {
        t = ms;
      },
    };
  };

  it("a row per cell: mark, id, state, elapsed time, and the step or the outcome", () => {
    const { b, at } = board();
    b.state("debian-bookworm-3.10.13-defaults", "queued");
    b.state("debian-trixie-3.7.11-tls", "building");
    b.step("debian-trixie-3.7.11-tls", "[build 4/5] RUN make  makefiles CCARGS=-DUSE_TLS");
    b.state("x", "building");
    at(12_000);
    b.state("x", "failed", "build failed at build 4/5");
    at(42_000);
    const lines = liveFrame([...b.cells.values()], (v) => b.elapsed(v), 120).split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^·\s+debian-bookworm-3\.10\.13-defaults\s+queued$/);
    expect(lines[1]).toMatch(/^▶\s+debian-trixie-3\.7\.11-tls\s+building\s+42s\s+build 4\/5: RUN make makefiles CCARGS=-DUSE_TLS$/);
    // A finished cell's clock stops when it ends.
    expect(lines[2]).toMatch(/^✘\s+x\s+failed\s+12s\s+build failed at build 4\/5$/);
    expect(lines[3]).toBe("1/3 done");
  });

  it("columns line up: ids are padded to the longest", () => {
    const { b } = board();
    b.state("a", "passed", "ok");
    b.state("a-much-longer-cell-id", "cached", "image cached");
    const [r1, r2] = liveFrame([...b.cells.values()], (v) => b.elapsed(v), 120).split("\n");
    expect(r1!.indexOf("passed")).toBe(r2!.indexOf("cached"));
  });

  it("no row is wider than the terminal; a long step is shortened with …", () => {
    const { b } = board();
    b.state("c", "building");
    b.step("c", `[build 4/5] RUN make makefiles ${"CCARGS=-DX ".repeat(30)}`);
    for (const cols of [60, 80, 200]) {
      const rows = liveFrame([...b.cells.values()], (v) => b.elapsed(v), cols).split("\n");
      for (const r of rows) expect(r.length).toBeLessThan(cols);
      expect(rows[0]).toContain("…");
    }
  });

  it("no cells yet: an empty frame, so only the notes show", () => {
    expect(liveFrame([], () => 0, 100)).toBe("");
  });

  it("counts done cells: passed, failed and cached", () => {
    const { b } = board();
    for (const [id, s] of [
      ["a", "passed"],
      ["b", "failed"],
      ["c", "cached"],
      ["d", "verifying"],
      ["e", "queued"],
    ] as const)
      b.state(id, s);
    expect(
      liveFrame([...b.cells.values()], (v) => b.elapsed(v), 100)
        .split("\n")
        .at(-1),
    ).toBe("3/5 done");
  });
});

/** A terminal stand-in: keeps what was written. */
function fakeTerminal(columns = 100) {
  const chunks: string[] = [];
  const stream = {
    isTTY: true,
    columns,
    rows: 40,
    write(chunk: string) {
      chunks.push(String(chunk));
      return true;
    },
    on() {
      return stream;
    },
    once() {
      return stream;
    },
    off() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, chunks, text: () => stripVTControlCharacters(chunks.join("")) };
}

describe("LiveView", () => {
  let t: number;
  beforeEach(() => {
    vi.useFakeTimers();
    t = 0;
  });
  afterEach(() => vi.useRealTimers());
  /** A live view on a fake terminal, on the test's clock, redrawing every 250 ms. */
  const start = () => {
    const term = fakeTerminal();
    return { term, view: new LiveView(term.stream, { now: () => t, redrawMs: 250 }) };
  };

  it("redraws on its timer, so elapsed times tick while a step runs silently", () => {
    const { term, view } = start();
    view.cellState("cell-1", "building");
    view.cellStep("cell-1", "[build 4/5] RUN make makefiles");
    t = 1_000;
    vi.advanceTimersByTime(250);
    expect(term.text()).toMatch(/cell-1\s+building\s+1s\s+build 4\/5: RUN make makefiles/);
    const before = term.chunks.length;
    t = 7_000;
    vi.advanceTimersByTime(250);
    expect(term.chunks.length).toBeGreaterThan(before);
    const latest = stripVTControlCharacters(term.chunks.slice(before).join(""));
    expect(latest).toMatch(/cell-1\s+building\s+7s/);
    view.close();
  });

  it("redraws in place: each frame erases the one before it", () => {
    const { term, view } = start();
    view.cellState("a", "building");
    vi.advanceTimersByTime(250);
    t = 2_000;
    vi.advanceTimersByTime(250);
    // log-update moves the cursor up over the previous frame (ESC [ n A) and erases lines (ESC [ 2 K).
    const raw = term.chunks.join("");
    expect(raw).toMatch(/\u001b\[2K/);
    expect(raw).toMatch(/\u001b\[1A/);
    view.close();
  });

  it("a note scrolls above the board and the board is drawn again below it", () => {
    const { term, view } = start();
    view.cellState("a", "building");
    vi.advanceTimersByTime(250);
    const before = term.chunks.length;
    view.note("sources: 2 releases, from the cache");
    const after = stripVTControlCharacters(term.chunks.slice(before).join(""));
    const noteAt = after.indexOf("sources: 2 releases, from the cache\n");
    expect(noteAt).toBeGreaterThanOrEqual(0);
    expect(after.indexOf("0/1 done", noteAt)).toBeGreaterThan(noteAt);
    view.close();
  });

  it("close() draws the final states, leaves them on screen and stops redrawing", () => {
    const { term, view } = start();
    view.cellState("a", "building");
    view.cellState("b", "building");
    t = 3_000;
    view.cellState("a", "passed", "built in 3.0 s; 9 checks passed");
    view.cellState("b", "failed", "build failed at build 4/5");
    view.close();
    const text = term.text();
    expect(text).toMatch(/✔\s+a\s+passed\s+3s\s+built in 3\.0 s; 9 checks passed/);
    expect(text).toMatch(/✘\s+b\s+failed\s+3s\s+build failed at build 4\/5/);
    expect(text.trimEnd().endsWith("2/2 done")).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
    const written = term.chunks.length;
    vi.advanceTimersByTime(5_000);
    expect(term.chunks.length).toBe(written);
  });
});

describe("wantsLiveView", () => {
  it.each([
    [{ isTTY: true }, {}, true],
    [{ isTTY: false }, {}, false],
    [{}, {}, false],
    [{ isTTY: true }, { CI: "true" }, false],
    [{ isTTY: true }, { TERM: "dumb" }, false],
    [{ isTTY: true }, { TERM: "xterm-256color" }, true],
    [{ isTTY: true, columns: 120, rows: 40 }, {}, true],
    [{ isTTY: true, columns: 0, rows: 0 }, {}, false],
    [{ isTTY: true, columns: 80, rows: 0 }, {}, false],
  ])("stream %o, env %o: %s", (stream, env, want) => {
    expect(wantsLiveView(stream, env as NodeJS.ProcessEnv)).toBe(want);
  });
});
