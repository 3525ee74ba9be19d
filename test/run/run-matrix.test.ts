import { describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { EnvironmentError } from "../../src/errors.js";
import { runMatrix, type RunOptions } from "../../src/run/run-matrix.js";
import type { RunObserver } from "../../src/run/observer.js";
import { yamlOf } from "../core/helpers.js";
import { FakeEngine, sleep, type FakeBuildScript } from "./fake-engine.js";
import { fakeRunOptions } from "./fake-run.js";

const quiet: RunObserver = { note: () => {}, cellState: () => {}, cellStep: () => {} };

const options = (engine: FakeEngine, extra: Partial<RunOptions> = {}) =>
  fakeRunOptions(engine, { concurrency: 4, observer: quiet, ...extra });

// Two install-time variants of one compile, and a cell of another base.
const matrix = prepareMatrix(
  yamlOf({
    name: "sched",
    axes: {
      os: ["debian:bookworm"],
      postfix: ["3.10.13"],
      options: [{ name: "a" }, { name: "b", install_directories: { command_directory: "/opt/sbin" } }],
    },
    include: [{ os: "debian:trixie", postfix: "3.10.13", options: { name: "t" } }],
  }),
  "sched.yaml",
);
const image = (suffix: string) => matrix.cells.find((c) => c.cell.id.endsWith(suffix))!.image;

describe("runMatrix scheduling", () => {
  it("has a chain of two and a cell on another base", () => {
    const keys = new Set(matrix.cells.filter((c) => c.recipe.baseImage === "debian:bookworm").map((c) => c.recipe.keys.compile));
    expect(matrix.cells).toHaveLength(3);
    expect(keys.size).toBe(1);
  });

  it("starts a chain's followers when the leader's compile is done, not when its build ends", async () => {
    const script = (): FakeBuildScript => ({ compileMs: 50, totalMs: 400 });
    const engine = new FakeEngine(script, ["debian:bookworm", "debian:trixie"]);
    const run = await runMatrix(matrix, await options(engine));
    expect(run.results.map((r) => r.build.kind)).toEqual(["built", "built", "built"]);
    const [leader, follower] = [image("-a"), image("-b")];
    expect(engine.when("build-start", follower)).toBeGreaterThanOrEqual(engine.when("compiled", leader));
    expect(engine.when("build-start", follower)).toBeLessThan(engine.when("build-end", leader));
  });

  it("builds cells of a present base while a missing base is bootstrapped", async () => {
    const engine = new FakeEngine(() => ({ compileMs: 20, totalMs: 60 }), ["debian:bookworm"]);
    let bootstrapped = -1;
    const bootstrap = async (ref: string) => {
      await sleep(300);
      engine.images.set(ref, { id: "sha256:base", size: 1, created: "", labels: {} });
      bootstrapped = Date.now();
    };
    const t0 = Date.now();
    const run = await runMatrix(matrix, await options(engine, { bootstrapMissing: true, bootstrap }));
    expect(run.results.map((r) => r.build.kind)).toEqual(["built", "built", "built"]);
    expect(engine.when("build-end", image("-a"))).toBeLessThan(bootstrapped - t0);
    expect(engine.when("build-start", image("-t"))).toBeGreaterThanOrEqual(bootstrapped - t0 - 5);
  });

  it("refuses a missing base without --bootstrap-missing before building anything", async () => {
    const engine = new FakeEngine(() => ({ compileMs: 1, totalMs: 2 }), ["debian:bookworm"]);
    const err = await runMatrix(matrix, await options(engine)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toContain("debian:trixie");
    expect(engine.events).toEqual([]);
  });

  it("fails only the cells whose base could not be bootstrapped, and says the machine is not ready", async () => {
    const engine = new FakeEngine(() => ({ compileMs: 1, totalMs: 2 }), ["debian:bookworm"]);
    const bootstrap = async () => {
      throw new EnvironmentError("debootstrap trixie failed");
    };
    const run = await runMatrix(matrix, await options(engine, { bootstrapMissing: true, bootstrap }));
    expect(run.results.map((r) => r.build.kind)).toEqual(["built", "built", "failed"]);
    expect(run.results[2]!.build).toMatchObject({ message: "debootstrap trixie failed" });
    expect(run.environment.map((e) => e.message)).toEqual(["debootstrap trixie failed"]);
  });

  it("removes the image a rebuilt cell's tag named before, when nothing else uses it", async () => {
    const engine = new FakeEngine(() => ({ compileMs: 1, totalMs: 2 }), ["debian:bookworm", "debian:trixie"]);
    engine.images.set(image("-a"), { id: "sha256:older", size: 1, created: "", labels: { "org.postfix-matrix.recipe": "stale" } });
    const run = await runMatrix(matrix, await options(engine));
    expect(run.results[0]!.build.kind).toBe("built");
    expect(engine.events.filter((e) => e.what === "remove-unused").map((e) => e.tag)).toEqual(["sha256:older"]);
  });
});
