// `reproduce`, for real: a default cell rebuilt with every step run again, and its installed
// Postfix files compared byte for byte with the first build's.
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ReproduceResult } from "../../src/core/publish/reproduce-report.js";
import { DockerodeEngine } from "../../src/io/docker/dockerode-engine.js";
import { cli } from "./cli.js";

const CELL = "debian-bookworm-3.10.13-defaults";

describe("postfix-matrix reproduce", () => {
  it("rebuilds a default cell without its cache: every installed file is identical, and the rebuild is removed", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "pm-reproduce-itg-"));
    const r = await cli(["reproduce", "matrices/default.yaml", "--only", CELL, "--out", out]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const [result] = JSON.parse(await readFile(path.join(out, "default/reproduce.json"), "utf8")) as ReproduceResult[];
    expect(result!.id).toBe(CELL);
    if (result!.outcome.kind !== "compared") throw new Error(`not compared: ${JSON.stringify(result!.outcome)}`);
    // Programs, the daemon directory, makedefs.out and the other meta files: well over 100 files.
    expect(result!.outcome.files).toBeGreaterThan(100);
    expect(result!.outcome.differing).toEqual([]);
    // It ran every step again: the rebuild took more than a cached build's few seconds.
    expect(result!.outcome.seconds).toBeGreaterThan(20);
    expect(r.stdout).toContain(`${CELL}: reproducible (${result!.outcome.files} files identical`);
    expect(await new DockerodeEngine().imageExists(`postfix-matrix/default:${CELL}-reproduce`)).toBe(false);
  });
});
