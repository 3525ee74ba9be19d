// A pool of two real Docker engines on this machine: the default one and a second dockerd
// with its own socket, data root and bridge (scripts/engine2-up.sh). One run spreads its
// compile chains over both, sends the base image to the engine that lacks it and verifies
// each cell on the engine that built it; another run loses the second engine mid-compile
// and finishes its cell on the first.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerodeEngine } from "../../src/io/docker/dockerode-engine.js";
import { cli, ROOT } from "./cli.js";

const M = "test/fixtures/pool.yaml";
const E1 = "unix:///var/run/docker.sock";
const E2 = "unix:///var/run/docker-pmx2.sock";
const NAME1 = "/var/run/docker.sock";
const NAME2 = "/var/run/docker-pmx2.sock";
/** The second engine over TLS (scripts/engine2-up.sh), and a Docker context for the first. */
const TCP2 = "tcp://127.0.0.1:2376";
const TLS_CERTS = "/var/lib/docker-pmx2-tls";
const CTX = "pmx-local";
const engine1 = new DockerodeEngine({ host: E1, dockerOptions: { socketPath: NAME1 } });
const engine2 = new DockerodeEngine({ host: E2, dockerOptions: { socketPath: NAME2 } });
/** The cell the first test built on the first engine (the second test moves it there again). */
let builtOnE1: string | undefined;
const image = (option: string) => `postfix-matrix/itg-pool:debian-bookworm-3.10.13-${option}`;

interface Report {
  engines: { name: string; cells: number; transferred: string[]; lost?: string }[];
  cells: {
    id: string;
    image: string;
    engine?: string;
    movedFrom?: string[];
    passed: boolean;
    build: { kind: string };
    verify: { kind: string; result?: { cached?: boolean; checks: { status: string }[] } };
  }[];
}
const report = async (out: string) => JSON.parse(await readFile(path.join(out, "itg-pool/report.json"), "utf8")) as Report;

/** A Docker config folder whose context store has one context, as `docker context create` writes it. */
async function contextStore(name: string, host: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pm-docker-config-"));
  const meta = path.join(dir, "contexts/meta", createHash("sha256").update(name).digest("hex"));
  await mkdir(meta, { recursive: true });
  await writeFile(
    path.join(meta, "meta.json"),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: { Host: host, SkipTLSVerify: false } } }),
  );
  return dir;
}

function script(name: string, ...args: string[]): string {
  // Loud on purpose: without the second engine these tests cannot say anything.
  return execFileSync("bash", [path.join(ROOT, "scripts", name), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

beforeAll(() => {
  expect(script("engine2-up.sh")).toBe(E2);
}, 300_000);

// Leave the second engine running, as the other tests expect to find or start it.
afterAll(() => {
  script("engine2-up.sh");
}, 300_000);

describe("a pool of two engines", () => {
  it("spreads the compile chains over both (a Docker context, and tcp:// with TLS), sends the base image, verifies each cell where it was built", async () => {
    for (const e of [engine1, engine2]) for (const o of ["o1", "os"]) await e.removeImage(image(o));
    // The second engine lacks the base image: the run sends it over from the first.
    await engine2.removeImage("debian:bookworm");
    const out = await mkdtemp(path.join(os.tmpdir(), "pm-pool-itg-"));
    // The first engine through a Docker context (read from the context store), the second
    // over tcp:// with TLS (client certificates from DOCKER_CERT_PATH, as docker's CLI reads them).
    const env = { DOCKER_CONFIG: await contextStore(CTX, E1), DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: TLS_CERTS };
    const r = await cli(["run", M, "--engine", CTX, "--engine", TCP2, "--reverify", "--out", out], { env });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toMatch(/base image debian:bookworm: sent from pmx-local to 127\.0\.0\.1:2376 \(save, load\) in \d+\.\d s/);
    const rep = await report(out);
    expect(rep.engines.map((e) => [e.name, e.cells, e.lost])).toEqual([
      [CTX, 1, undefined],
      ["127.0.0.1:2376", 1, undefined],
    ]);
    expect(rep.engines[1]!.transferred).toEqual(["debian:bookworm"]);
    expect(rep.cells.map((c) => c.engine).sort()).toEqual([CTX, "127.0.0.1:2376"].sort());
    for (const c of rep.cells) {
      expect(c.passed, c.id).toBe(true);
      // Verified for real on its own engine, not taken from the cache.
      expect(c.verify.kind).toBe("verified");
      expect(c.verify.result!.cached).toBeUndefined();
      expect(c.verify.result!.checks.length).toBeGreaterThan(10);
      const [here, there] = c.engine === CTX ? [engine1, engine2] : [engine2, engine1];
      expect(await here.imageExists(c.image), `${c.image} on ${c.engine}`).toBe(true);
      expect(await there.imageExists(c.image), `${c.image} not on the other engine`).toBe(false);
    }
    expect(r.stdout).toMatch(/^\s+cell\s+image\s+engine\s+build\s/m);
    builtOnE1 = rep.cells.find((c) => c.engine === CTX)!.id;
  });

  it("moves a cell off an engine stopped mid-compile: it passes on the other, exit 5 says what happened", async () => {
    // The cell the first test built on the first engine: compiled there already (build cache),
    // so once moved it costs seconds. The second engine is named first, so the one chain goes
    // there (a tie), and must really compile: nothing cached there.
    expect(builtOnE1, "the first test ran").toBeDefined();
    const victim = builtOnE1!;
    for (const e of [engine1, engine2]) await e.removeImage(image(victim.replace(/^.*-/, "")));
    await engine2.pruneBuildCache();
    const out = await mkdtemp(path.join(os.tmpdir(), "pm-pool-itg-"));
    let building = false;
    let stopped = false;
    const onStderr = (chunk: string) => {
      for (const line of chunk.split("\n")) {
        building ||= line === `[${victim}] building: on ${NAME2}`;
        if (building && !stopped && line.startsWith(`[${victim}] build `) && /\bmake\b/.test(line)) {
          stopped = true;
          script("engine2-down.sh");
        }
      }
    };
    const r = await cli(["run", M, "--only", victim, "--engine", E2, "--engine", E1, "--out", out], { onStderr });
    expect(stopped, `the second engine was never seen compiling:\n${r.stderr}`).toBe(true);
    expect(r.code, r.stderr + r.stdout).toBe(5);
    expect(r.stderr).toMatch(
      /engine \/var\/run\/docker-pmx2\.sock was lost \(.+\): 1 unfinished cell placed again on \/var\/run\/docker\.sock/,
    );
    const rep = await report(out);
    expect(rep.engines.find((e) => e.name === NAME2)!.lost).toBeTruthy();
    expect(rep.cells).toHaveLength(1);
    expect(rep.cells[0]).toMatchObject({ id: victim, passed: true, engine: NAME1, movedFrom: [NAME2] });
    expect(await engine1.imageExists(rep.cells[0]!.image)).toBe(true);
    expect(r.stdout).toContain(`(moved off ${NAME2})`);
  });
});
