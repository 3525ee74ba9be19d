import { describe, expect, it } from "vitest";
import { cellPassed } from "../../src/core/outcome.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { COMPILE_LABEL, RECIPE_LABEL } from "../../src/core/recipe/identity.js";
import { BuildFailed } from "../../src/io/docker/engine.js";
import type { RunObserver } from "../../src/run/observer.js";
import type { PoolMember } from "../../src/run/pool/inventory.js";
import type { FromWorker } from "../../src/run/pool/protocol.js";
import { runPool, type StartWorker } from "../../src/run/pool/run-pool.js";
import { runMatrix } from "../../src/run/run-matrix.js";
import { yamlOf } from "../core/helpers.js";
import { FakeEngine } from "../run/fake-engine.js";
import { fakeRunOptions } from "../run/fake-run.js";

const matrix = prepareMatrix(
  yamlOf({
    name: "pool",
    axes: {
      os: ["debian:bookworm", "debian:trixie"],
      postfix: ["3.10.13"],
      options: [{ name: "a" }, { name: "b", features: ["pcre"] }],
    },
    include: [
      { os: "debian:bookworm", postfix: "3.10.13", options: { name: "a2", install_directories: { command_directory: "/opt/sbin" } } },
    ],
  }),
  "matrices/pool.yaml",
);

/** An engine that can be made to die: its builds then fail as a lost connection does, and pings fail. */
class MortalEngine extends FakeEngine {
  private readonly state: { dead: boolean };
  constructor(present: string[]) {
    const state = { dead: false };
    super((tag) => {
      if (state.dead)
        throw new BuildFailed(
          `lost the connection to the Docker engine (fake://): connect ECONNREFUSED (${tag})`,
          "[build 4/5] RUN make",
          [],
        );
      return { compileMs: 5, totalMs: 15 };
    }, present);
    this.state = state;
  }
  get dead() {
    return this.state.dead;
  }
  set dead(v: boolean) {
    this.state.dead = v;
  }
  override async ping() {
    if (this.dead) throw new Error("connect ECONNREFUSED");
    return super.ping();
  }
}

async function setup() {
  const base = await fakeRunOptions(new FakeEngine(() => ({ compileMs: 0, totalMs: 0 })));
  const { outDir: dir, render } = base;
  const notes: string[] = [];
  const observer: RunObserver = { note: (l) => notes.push(l), cellState: () => {}, cellStep: () => {} };
  // What the forked worker does, in this process: runMatrix on the member's engine, each result sent on.
  /** What happened in order: sources prepared, workers started. */
  const order: string[] = [];
  const startWorker: StartWorker = (m, batch, onMessage) => {
    order.push(`worker ${m.name}`);
    const engine = m.engine as MortalEngine;
    const abort = new AbortController();
    const send = (x: FromWorker) => onMessage(x);
    const finished = (async () => {
      const cells = matrix.cells.filter((c) => batch.cells.includes(c.cell.id));
      const run = await runMatrix(
        { ...matrix, cells },
        {
          ...base,
          engine,
          concurrency: batch.flags.concurrency,
          onResult: (result) => send({ type: "result", result }),
        },
      );
      send({ type: "done", ...(engine.dead ? { lost: "connect ECONNREFUSED" } : {}), environment: [], interrupted: run.interrupted });
    })();
    return { abort: () => abort.abort(), finished };
  };
  const member = (name: string, engine: FakeEngine): PoolMember => ({ name, host: `fake://${name}`, env: {}, engine });
  const pool = (members: PoolMember[]) =>
    runPool(matrix, {
      members,
      file: matrix.matrix.file,
      flags: { out: dir, concurrency: 2, builder: "buildkit", bootstrapMissing: false, verify: false, reverify: false, failFast: false },
      concurrencyFor: (info) => info.cpus,
      render,
      observer,
      signal: new AbortController().signal,
      startWorker,
      prepareSources: async () => void order.push("sources"),
    });
  return { pool, member, notes, order };
}

const BASES = ["debian:bookworm", "debian:trixie"];

describe("runPool", () => {
  it("spreads the chains over both engines, keeps a chain on one, and sends a missing base image", async () => {
    const { pool, member, notes } = await setup();
    const e1 = new MortalEngine(BASES);
    const e2 = new MortalEngine(["debian:bookworm"]);
    const run = await pool([member("e1", e1), member("e2", e2)]);
    expect(run.results.every(cellPassed)).toBe(true);
    const engineOf = new Map(run.results.map((r) => [r.id, r.engine]));
    expect(new Set(engineOf.values())).toEqual(new Set(["e1", "e2"]));
    // a and a2 share a compile: one engine.
    const chain = matrix.cells.filter((c) => /bookworm-3\.10\.13-a2?$/.test(c.cell.id)).map((c) => engineOf.get(c.cell.id));
    expect(chain).toHaveLength(2);
    expect(new Set(chain).size).toBe(1);
    // Every image was built on the engine the report names.
    for (const r of run.results) expect((r.engine === "e1" ? e1 : e2).images.has(r.image)).toBe(true);
    // Placement is deterministic: the trixie chains go to e2, which gets the base from e1.
    expect(run.results.filter((r) => r.values.os === "debian:trixie").map((r) => r.engine)).toEqual(["e2", "e2"]);
    expect(run.engines.find((e) => e.name === "e2")!.transferred).toEqual(["debian:trixie"]);
    expect(e1.events.some((e) => e.what === "save" && e.tag === "debian:trixie")).toBe(true);
    expect(notes.some((n) => /^base image debian:trixie: sent from e1 to e2 \(save, load\) in \d+\.\d s$/.test(n))).toBe(true);
    expect(run.engines.every((e) => !e.lost)).toBe(true);
  });

  it("moves the unfinished cells of an engine lost mid-run to the other; nothing is lost", async () => {
    const { pool, member, notes } = await setup();
    const e1 = new MortalEngine(BASES);
    // e2 dies at the first build it starts.
    const dying = new MortalEngine(BASES);
    const build = dying.build.bind(dying);
    dying.build = async (req) => {
      dying.dead = true;
      return build(req);
    };
    const run = await pool([member("e1", e1), member("e2", dying)]);
    expect(run.results.map((r) => [r.id, cellPassed(r)])).toEqual(matrix.cells.map((c) => [c.cell.id, true]));
    const moved = run.results.filter((r) => r.movedFrom);
    expect(moved.length).toBeGreaterThan(0);
    for (const r of moved) {
      expect(r.movedFrom).toEqual(["e2"]);
      expect(r.engine).toBe("e1");
    }
    expect(run.engines.find((e) => e.name === "e2")!.lost).toBe("connect ECONNREFUSED");
    expect(notes.some((n) => /^engine e2 was lost \(connect ECONNREFUSED\): \d+ unfinished cells? placed again on e1$/.test(n))).toBe(true);
  });

  it("fails the cells, saying why, when no engine of the pool is left", async () => {
    const { pool, member } = await setup();
    const only = new MortalEngine(BASES);
    only.build = async () => {
      only.dead = true;
      throw new BuildFailed("lost the connection to the Docker engine (fake://): connect ECONNREFUSED", undefined, []);
    };
    const run = await pool([member("only", only)]);
    expect(run.results.some(cellPassed)).toBe(false);
    for (const r of run.results) {
      expect(r.build.kind === "failed" && r.build.message).toMatch(/^engine only was lost and no engine of the pool is left: /);
      expect(r.movedFrom).toEqual(["only"]);
    }
  });

  it("leaves out an engine that does not answer at the start, and says so", async () => {
    const { pool, member, notes } = await setup();
    const down = new MortalEngine(BASES);
    down.info = async () => {
      throw new Error("connect ENOENT /run/none.sock");
    };
    const run = await pool([member("up", new MortalEngine(BASES)), member("down", down)]);
    expect(run.results.every((r) => cellPassed(r) && r.engine === "up")).toBe(true);
    expect(run.engines.find((e) => e.name === "down")!.lost).toBe("did not answer at the start: connect ENOENT /run/none.sock");
    expect(notes).toContain("engine down (fake://down) left out: did not answer at the start: connect ENOENT /run/none.sock");
  });

  it("breaks ties by the order the engines were named, not by which answered first", async () => {
    const { pool, member } = await setup();
    const [first, second] = [new MortalEngine(BASES), new MortalEngine(BASES)];
    const info = first.info.bind(first);
    first.info = async () => {
      await new Promise((r) => setTimeout(r, 30));
      return info();
    };
    const run = await pool([member("first", first), member("second", second)]);
    // The heaviest chain (a, a2) has no better place: it goes to the first engine named.
    const chain = run.results.filter((r) => /bookworm-3\.10\.13-a2?$/.test(r.id));
    expect(chain.map((r) => r.engine)).toEqual(["first", "first"]);
  });

  it("sends a chain to the engine whose images say its compile is cached there, and labels what it builds", async () => {
    const { pool, member, notes } = await setup();
    const [first, second] = [new MortalEngine(BASES), new MortalEngine(BASES)];
    const a = matrix.cells.find((c) => c.cell.id.endsWith("bookworm-3.10.13-a"))!;
    // An image of another recipe (an install-time option since changed) from the same compile.
    second.images.set("pool:older", {
      id: "sha256:older",
      size: 1,
      created: "",
      labels: { [RECIPE_LABEL]: "stale", [COMPILE_LABEL]: a.recipe.keys.compile },
    });
    // A compile of no cell of this run is not counted.
    second.images.set("other:x", {
      id: "sha256:other",
      size: 1,
      created: "",
      labels: { [RECIPE_LABEL]: "x", [COMPILE_LABEL]: "0123456789abcdef" },
    });
    const run = await pool([member("first", first), member("second", second)]);
    const chain = run.results.filter((r) => /bookworm-3\.10\.13-a2?$/.test(r.id));
    expect(chain.map((r) => r.engine)).toEqual(["second", "second"]);
    expect(notes.some((n) => /^engine second .*; 0 of the cells already built there, 1 compile in its build cache$/.test(n))).toBe(true);
    expect(second.images.get(a.image)!.labels[COMPILE_LABEL]).toBe(a.recipe.keys.compile);
  });

  it("fetches the sources once, before any worker starts", async () => {
    const { pool, member, order } = await setup();
    await pool([member("e1", new MortalEngine(BASES)), member("e2", new MortalEngine(BASES))]);
    expect(order).toEqual(["sources", "worker e1", "worker e2"]);
  });
});
