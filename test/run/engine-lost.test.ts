import path from "node:path";
import { describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { EngineLostError, engineConnectionLost } from "../../src/io/docker/dockerode-engine.js";
import type { RunObserver } from "../../src/run/observer.js";
import { runMatrix } from "../../src/run/run-matrix.js";
import { yamlOf } from "../core/helpers.js";
import { FakeEngine } from "./fake-engine.js";
import { fakeRunOptions } from "./fake-run.js";

const sysErr = (code: string, syscall: string, message = `${syscall} ${code}`) => Object.assign(new Error(message), { code, syscall });

describe("engineConnectionLost", () => {
  it("is a socket that is gone or broke, not an API answer or a missing context file", () => {
    expect(engineConnectionLost(sysErr("ENOENT", "connect", "connect ENOENT /run/docker.sock"))).toBe(true);
    expect(engineConnectionLost(sysErr("ECONNREFUSED", "connect"))).toBe(true);
    expect(engineConnectionLost(Object.assign(new Error("aborted"), { code: "ECONNRESET" }))).toBe(true);
    expect(engineConnectionLost(sysErr("EPIPE", "write"))).toBe(true);
    expect(engineConnectionLost(sysErr("ENOENT", "open"))).toBe(false);
    expect(engineConnectionLost(Object.assign(new Error("(HTTP code 404) no such image"), { statusCode: 404 }))).toBe(false);
    expect(engineConnectionLost(undefined)).toBe(false);
  });

  it("says which engine was lost, exit 3 with the engine hint", () => {
    const e = new EngineLostError("unix:///tmp/x.sock", sysErr("ENOENT", "connect", "connect ENOENT /tmp/x.sock"));
    expect(e.message).toBe("lost the connection to the Docker engine (unix:///tmp/x.sock): connect ENOENT /tmp/x.sock");
    expect(e.exitCode).toBe(3);
    expect(e.hint).toContain("npm run engine:up");
    const cut = new EngineLostError("unix:///tmp/x.sock", Object.assign(new Error("aborted"), { code: "ECONNRESET" }));
    expect(cut.message).toBe("lost the connection to the Docker engine (unix:///tmp/x.sock): aborted (ECONNRESET)");
  });
});

describe("runMatrix when an engine call throws", () => {
  it("fails that cell with the reason, tells the observer, and finishes the others", async () => {
    const matrix = prepareMatrix(
      yamlOf({
        name: "lost",
        axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], options: [{ name: "a" }, { name: "b", features: ["pcre"] }] },
      }),
      "lost.yaml",
    );
    const engine = new FakeEngine(() => ({ compileMs: 5, totalMs: 10 }), ["debian:bookworm"]);
    const lostImage = matrix.cells[1]!.image;
    const inspect = engine.inspectImage.bind(engine);
    engine.inspectImage = async (ref: string) => {
      if (ref === lostImage) throw new EngineLostError("fake://", sysErr("ECONNREFUSED", "connect", "connect ECONNREFUSED"));
      return inspect(ref);
    };
    const states: string[] = [];
    const observer: RunObserver = {
      note: () => {},
      cellState: (id, s, d) => states.push(`${id} ${s}${d ? `: ${d}` : ""}`),
      cellStep: () => {},
    };
    const o = await fakeRunOptions(engine, { observer });
    const dir = o.outDir;
    const run = await runMatrix(matrix, o);
    expect(run.results.map((r) => r.build.kind)).toEqual(["built", "failed"]);
    const failed = run.results[1]!;
    expect(failed.build).toMatchObject({
      kind: "failed",
      message: "lost the connection to the Docker engine (fake://): connect ECONNREFUSED",
    });
    expect(failed.logFile).toBe(path.join(dir, "lost", failed.id, "build.log"));
    expect(states).toContain(`${failed.id} failed: lost the connection to the Docker engine (fake://): connect ECONNREFUSED`);
  });
});
