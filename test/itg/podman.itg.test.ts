// Podman 4.3 (Debian's) through its Docker-compatible API (`podman system service`,
// scripts/podman-up.sh): one cell built with the classic builder and verified there through
// testcontainers; the default BuildKit builder refused up front with what to do instead.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DockerodeEngine } from "../../src/io/docker/dockerode-engine.js";
import { cli, ROOT } from "./cli.js";

const M = "test/fixtures/pool.yaml";
const CELL = "debian-bookworm-3.10.13-o1";
let host = "";
let podman: DockerodeEngine;

interface Report {
  cells: {
    id: string;
    passed: boolean;
    build: { kind: string };
    verify: { kind: string; result?: { checks: { name: string; status: string }[] } };
  }[];
}

beforeAll(async () => {
  // Loud on purpose: without Podman these tests cannot say anything.
  host = execFileSync("bash", [path.join(ROOT, "scripts/podman-up.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
  podman = new DockerodeEngine({ host, dockerOptions: { socketPath: host.replace("unix://", "") } });
  // The tool never pulls: Podman gets the base image from the Docker engine (save, load).
  if (!(await podman.imageExists("debian:bookworm"))) await podman.loadImage(await new DockerodeEngine().saveImage("debian:bookworm"));
}, 600_000);

describe("Podman's Docker-compatible API", () => {
  it("is recognised, and the default BuildKit builder is refused before anything is built (exit 3)", async () => {
    expect((await podman.info()).product).toBe("podman");
    const out = await mkdtemp(path.join(os.tmpdir(), "pm-podman-"));
    const r = await cli(["run", M, "--only", CELL, "--engine", host, "--out", out]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/is Podman 4\.3\.\d+: its Docker-compatible API has no BuildKit/);
    expect(r.stderr).toContain("hint: use --builder classic with Podman");
  });

  it("builds a cell with the classic builder and verifies it there: every check passes", async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), "pm-podman-"));
    const r = await cli(["run", M, "--only", CELL, "--engine", host, "--builder", "classic", "--reverify", "--out", out]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(await readFile(path.join(out, "itg-pool/report.json"), "utf8")) as Report;
    const cell = report.cells[0]!;
    expect(cell).toMatchObject({ id: CELL, passed: true });
    const checks = cell.verify.result!.checks;
    expect(checks.length).toBeGreaterThan(10);
    for (const name of ["postfix check", "mail delivery", "relay refused", "no toolchain"])
      expect(checks.find((c) => c.name === name)?.status, name).toBe("pass");
    expect(await podman.imageExists(`postfix-matrix/itg-pool:${CELL}`)).toBe(true);
    // Podman's step lines (`[2/4] STEP 6/7: RUN ...`) are read as steps.
    if (cell.build.kind === "built") expect(r.stderr).toMatch(new RegExp(`\\[${CELL}\\] .*RUN make makefiles`));
  });
});
