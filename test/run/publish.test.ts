// Push and the registry cache on a fake engine and a fake registry: only verified cells are
// pushed, every tag is checked before anything goes, and a fresh engine pulls by recipe.
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { CellResult, VerifyResult } from "../../src/core/outcome.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { VERIFICATION_LABEL } from "../../src/core/publish/oci-labels.js";
import { makeRenderer } from "../../src/core/render/dockerfile.js";
import { RECIPE_LABEL, recipeHash } from "../../src/core/recipe/identity.js";
import { expectedSha256 } from "../../src/core/source/releases.js";
import { checksFor } from "../../src/core/verify/checks.js";
import { checksKey } from "../../src/core/verify/checks-key.js";
import type { ImageInfo } from "../../src/io/docker/engine.js";
import { loadTemplates } from "../../src/io/fs/templates.js";
import type { RemoteImage } from "../../src/io/registry/registry-client.js";
import { ContainerRegistry } from "../../src/io/verify/verify.js";
import { pushCells, type RegistryView } from "../../src/run/push-cells.js";
import { verificationFromLabel } from "../../src/run/registry-cache.js";
import { runMatrix } from "../../src/run/run-matrix.js";
import { defaultMatrixText } from "../core/helpers.js";
import { FakeEngine } from "./fake-engine.js";

const p = prepareMatrix(defaultMatrixText(), "matrices/default.yaml");
const cells = p.cells.slice(0, 2);
const repository = { registry: "127.0.0.1:5000", path: "pm" };
const tags = new Map(cells.map((c) => [c.cell.id, c.cell.id]));
const LAYERS = ["sha256:l1", "sha256:l2"];

class FakeRegistry implements RegistryView {
  readonly images = new Map<string, RemoteImage>();
  async check() {}
  async image(reference: string) {
    return this.images.get(reference);
  }
}

const passing = (names: string[]): VerifyResult => ({
  checks: names.map((name) => ({ name, status: "pass", detail: "ok" })),
  startupSeconds: 1,
  seconds: 2,
});

function verified(
  engine: FakeEngine,
  verify: CellResult["verify"] = { kind: "verified", result: passing(["postfix check"]) },
): CellResult[] {
  return cells.map((c) => {
    engine.images.set(c.image, {
      id: `sha256:${c.cell.id}`,
      size: 1,
      created: "",
      labels: { [RECIPE_LABEL]: "h".repeat(32) },
      layers: LAYERS,
    });
    return {
      id: c.cell.id,
      image: c.image,
      values: c.cell.values,
      build: { kind: "cached", imageId: `sha256:${c.cell.id}`, size: 1 },
      verify,
      logFile: "",
      dockerfile: "",
    };
  });
}

const engineWith = () => new FakeEngine(() => ({ compileMs: 0, totalMs: 0 }));
const pushes = (e: FakeEngine) => e.events.filter((x) => x.what === "push").map((x) => x.tag);

describe("push", () => {
  it("pushes each verified cell under its tag and its recipe's cache tag, with its verification as a label", async () => {
    const engine = engineWith();
    const r = await pushCells(verified(engine), cells, {
      engine,
      registry: new FakeRegistry(),
      target: { repository, tags, force: false },
      log: () => {},
    });
    expect(r.refused).toEqual([]);
    for (const [i, c] of cells.entries()) {
      const push = r.results[i]!.push;
      expect(push).toMatchObject({ kind: "pushed", ref: `127.0.0.1:5000/pm:${c.cell.id}` });
      expect(push?.kind === "pushed" && push.digest).toBe(engine.pushed.get(`127.0.0.1:5000/pm:${c.cell.id}`));
    }
    expect(pushes(engine).sort()).toEqual(
      [
        ...cells.map((c) => `127.0.0.1:5000/pm:${c.cell.id}`),
        `127.0.0.1:5000/pm:recipe-${"h".repeat(32)}`,
        `127.0.0.1:5000/pm:recipe-${"h".repeat(32)}`,
      ].sort(),
    );
    const labelled = engine.images.get(`127.0.0.1:5000/pm:${cells[0]!.cell.id}`)!;
    expect(verificationFromLabel(labelled.labels, checksFor(cells[0]!.recipe))?.checks.map((c) => c.name)).toEqual(["postfix check"]);
  });

  it("the label keeps each check's name and status, not its detail (which may quote words the history check refuses)", async () => {
    const engine = engineWith();
    const result: VerifyResult = {
      ...passing([]),
      checks: [{ name: "history and labels", status: "pass", detail: "no PASSWORD, SECRET or TOKEN" }],
    };
    await pushCells(verified(engine, { kind: "verified", result }), cells, {
      engine,
      registry: new FakeRegistry(),
      target: { repository, tags, force: false },
      log: () => {},
    });
    const label = engine.images.get(`127.0.0.1:5000/pm:${cells[0]!.cell.id}`)!.labels[VERIFICATION_LABEL]!;
    expect(label).not.toMatch(/SECRET|PASSWORD|TOKEN/);
    expect(verificationFromLabel({ [VERIFICATION_LABEL]: label }, checksFor(cells[0]!.recipe))?.checks).toEqual([
      { name: "history and labels", status: "pass", detail: "passed before the push (carried in the image label)" },
    ]);
  });

  it.each([
    [{ kind: "skipped", reason: "--no-verify" }, "not verified (--no-verify)"],
    [{ kind: "error", message: "boom" }, "verification could not run"],
    [{ kind: "verified", result: { ...passing([]), checks: [{ name: "x", status: "fail", detail: "no" }] } }, "verification failed"],
  ] as [CellResult["verify"], string][])("never pushes a cell that is not verified and passing: %j", async (verify, reason) => {
    const engine = engineWith();
    const r = await pushCells(verified(engine, verify), cells, {
      engine,
      registry: new FakeRegistry(),
      target: { repository, tags, force: false },
      log: () => {},
    });
    expect(r.results.map((x) => x.push)).toEqual(cells.map(() => ({ kind: "skipped", reason })));
    expect(pushes(engine)).toEqual([]);
  });

  it("a tag that holds other content stops the whole push, unless --force", async () => {
    const registry = new FakeRegistry();
    registry.images.set(cells[1]!.cell.id, { digest: "sha256:other", configDigest: "sha256:c", layers: ["sha256:x"], labels: {} });
    const engine = engineWith();
    const refused = await pushCells(verified(engine), cells, {
      engine,
      registry,
      target: { repository, tags, force: false },
      log: () => {},
    });
    expect(refused.refused).toEqual([
      `127.0.0.1:5000/pm:${cells[1]!.cell.id} holds other content (sha256:other) than cell ${cells[1]!.cell.id}`,
    ]);
    expect(refused.results.every((x) => x.push?.kind === "skipped" && /nothing pushed/.test(x.push.reason))).toBe(true);
    expect(pushes(engine)).toEqual([]);
    const forced = await pushCells(verified(engine), cells, { engine, registry, target: { repository, tags, force: true }, log: () => {} });
    expect(forced.results.map((x) => x.push?.kind)).toEqual(["pushed", "pushed"]);
  });

  it("a tag that already holds the same layers is left as it is", async () => {
    const registry = new FakeRegistry();
    for (const c of cells)
      registry.images.set(c.cell.id, { digest: `sha256:${c.cell.id}`, configDigest: "sha256:c", layers: LAYERS, labels: {} });
    const engine = engineWith();
    const r = await pushCells(verified(engine), cells, { engine, registry, target: { repository, tags, force: false }, log: () => {} });
    expect(r.results.map((x) => x.push)).toEqual(
      cells.map((c) => ({ kind: "pushed", ref: `127.0.0.1:5000/pm:${c.cell.id}`, digest: `sha256:${c.cell.id}`, unchanged: true })),
    );
    expect(pushes(engine)).toEqual([]);
  });
});

describe("--cache-from on an engine that has nothing", () => {
  it("pulls each cell whose recipe the registry has, needs no base image or source, and takes the verification the image carries", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-cache-"));
    const render = makeRenderer(await loadTemplates());
    const sub = { ...p, cells };
    const registry = new FakeRegistry();
    const engine = engineWith();
    for (const c of cells) {
      const hash = recipeHash(render(c.recipe, { builder: "buildkit" }), expectedSha256(c.cell.postfix));
      const label = JSON.stringify({ checks: checksKey(checksFor(c.recipe)), result: passing(["postfix check", "mail delivery"]) });
      const remote: ImageInfo = {
        id: `sha256:pulled-${c.cell.id}`,
        size: 5,
        created: "",
        labels: { [RECIPE_LABEL]: hash, [VERIFICATION_LABEL]: label },
      };
      registry.images.set(`recipe-${hash}`, { digest: "sha256:d", configDigest: remote.id, layers: [], labels: remote.labels });
      engine.remote.set(`127.0.0.1:5000/pm:recipe-${hash}`, remote);
    }
    let resolved = 0;
    const run = await runMatrix(sub, {
      engine,
      render,
      outDir: dir,
      concurrency: 2,
      builder: "buildkit",
      bootstrapMissing: false,
      verify: true,
      build: true,
      failFast: false,
      sources: { cacheDir: dir, mirrors: [] } as never,
      observer: { note: () => {}, cellState: () => {}, cellStep: () => {} },
      signal: new AbortController().signal,
      registry: new ContainerRegistry(),
      cacheFrom: { registry, repo: "127.0.0.1:5000/pm" },
      resolve: async () => {
        resolved++;
        throw new Error("no source should be needed");
      },
    });
    expect(run.environment).toEqual([]);
    expect(resolved).toBe(0);
    expect(run.results.map((r) => r.build.kind)).toEqual(["pulled", "pulled"]);
    expect(run.results.map((r) => r.verify.kind === "verified" && r.verify.result.cached)).toEqual([true, true]);
    expect(engine.events.filter((e) => e.what === "build-start")).toEqual([]);
  });

  it("a label made under other checks, or with a failure, does not stand for a verification", () => {
    const checks = checksFor(cells[0]!.recipe);
    const ok = JSON.stringify({ checks: checksKey(checks), result: passing(["a"]) });
    expect(verificationFromLabel({ [VERIFICATION_LABEL]: ok }, checks)).toBeDefined();
    expect(verificationFromLabel({ [VERIFICATION_LABEL]: ok }, checks.slice(1))).toBeUndefined();
    const failed = JSON.stringify({
      checks: checksKey(checks),
      result: { ...passing([]), checks: [{ name: "a", status: "fail", detail: "" }] },
    });
    expect(verificationFromLabel({ [VERIFICATION_LABEL]: failed }, checks)).toBeUndefined();
    expect(verificationFromLabel({ [VERIFICATION_LABEL]: "{not json" }, checks)).toBeUndefined();
    expect(verificationFromLabel({}, checks)).toBeUndefined();
  });
});
