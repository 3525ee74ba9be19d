// An engine that goes away mid-run: socket errors are told from API answers, and a cell whose
// engine call throws fails with the reason while the other cells finish (no crash, so the
// report can still be written).
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { makeRenderer } from "../../src/core/render/dockerfile.js";
import { EngineLostError, engineConnectionLost } from "../../src/io/docker/dockerode-engine.js";
import { loadTemplates } from "../../src/io/fs/templates.js";
import type { ResolvedSource } from "../../src/io/source/resolve.js";
import { ContainerRegistry } from "../../src/io/verify/verify.js";
import type { RunObserver } from "../../src/run/observer.js";
import { type RunOptions, runMatrix } from "../../src/run/run-matrix.js";
import { yamlOf } from "../core/helpers.js";
import { FakeEngine } from "./fake-engine.js";

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
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-lost-"));
    const tarball = path.join(dir, "postfix.tar.gz");
    await writeFile(tarball, "x");
    const states: string[] = [];
    const observer: RunObserver = {
      note: () => {},
      cellState: (id, s, d) => states.push(`${id} ${s}${d ? `: ${d}` : ""}`),
      cellStep: () => {},
    };
    const resolve = async (req: { version: string }): Promise<ResolvedSource> =>
      ({ version: req.version, sha256: "", path: tarball, fileName: "p.tar.gz", bytes: 1, origin: "cache" }) as ResolvedSource;
    const o = {
      engine,
      render: makeRenderer(await loadTemplates()),
      outDir: dir,
      concurrency: 2,
      builder: "buildkit",
      bootstrapMissing: false,
      verify: false,
      build: true,
      failFast: false,
      sources: { cacheDir: dir, mirrors: [], debian: false },
      observer,
      signal: new AbortController().signal,
      registry: new ContainerRegistry(),
      resolve,
    } satisfies RunOptions;
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
