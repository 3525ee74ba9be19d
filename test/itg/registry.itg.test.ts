// Shipping what was verified, against real registries on 127.0.0.1 (Debian's docker-registry,
// started by scripts/registry-up.sh: :5000 open, :5001 with htpasswd auth) and a second,
// empty Docker engine standing in for a fresh CI runner (scripts/engine2-up.sh).
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RELEASE_DATES } from "../../src/core/source/releases.js";
import { DockerodeEngine } from "../../src/io/docker/dockerode-engine.js";
import { cli, ROOT } from "./cli.js";

const CELL = "debian-bookworm-3.10.13-defaults";
const OTHER = "debian-bookworm-3.10.13-shared-tls-pcre";
const IMAGE = `postfix-matrix/default:${CELL}`;
const M = "matrices/default.yaml";
// A repository of this run's own: nothing an earlier run pushed is found.
const REPO = `127.0.0.1:5000/pmx-itg-${Date.now().toString(36)}`;
const AUTH_REPO = `127.0.0.1:5001/pmx-itg-${Date.now().toString(36)}`;
const engine = new DockerodeEngine();

interface Report {
  cells: {
    id: string;
    build: { kind: string };
    verify: { kind: string; result?: { cached?: boolean; checks: { name: string; status: string }[] } };
    push?: { kind: string; ref?: string; digest?: string; reason?: string; unchanged?: boolean };
  }[];
}
const report = async (out: string) => JSON.parse(await readFile(path.join(out, "default/report.json"), "utf8")) as Report;
const outDir = () => mkdtemp(path.join(os.tmpdir(), "pm-registry-itg-"));

function script(name: string, ...args: string[]): string {
  // Loud on purpose: without the registries these tests cannot say anything.
  return execFileSync("bash", [path.join(ROOT, "scripts", name), ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

async function dockerConfig(auths: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pm-docker-config-"));
  const entries = Object.fromEntries(Object.entries(auths).map(([k, v]) => [k, { auth: Buffer.from(v).toString("base64") }]));
  await writeFile(path.join(dir, "config.json"), JSON.stringify({ auths: entries }));
  return dir;
}

async function manifestStatus(base: string, repo: string, ref: string, auth?: string): Promise<{ status: number; digest: string | null }> {
  const r = await fetch(`${base}/v2/${repo}/manifests/${ref}`, {
    headers: {
      accept: "application/vnd.docker.distribution.manifest.v2+json",
      ...(auth ? { authorization: `Basic ${Buffer.from(auth).toString("base64")}` } : {}),
    },
  });
  return { status: r.status, digest: r.headers.get("docker-content-digest") };
}
const repoPath = (repo: string) => repo.slice(repo.indexOf("/") + 1);

beforeAll(() => {
  script("registry-up.sh");
}, 300_000);

// The registry names this run gave images are taken off again (the images a cell's own tag
// still names stay).
afterAll(async () => {
  for (const i of await engine.listImages({})) {
    const info = await engine.inspectImage(i.id);
    const refs = [...i.tags, ...(info?.repoDigests ?? [])].filter((r) => r.startsWith(REPO) || r.startsWith(AUTH_REPO));
    for (const ref of refs) await engine.removeImage(ref);
  }
});

describe("image metadata", () => {
  it("every image carries the OCI labels; .created is the release date Postfix itself reports", async () => {
    const r = await cli(["run", M, "--only", CELL, "--out", await outDir()]);
    expect(r.code, r.stderr).toBe(0);
    const info = await engine.inspectImage(IMAGE);
    const l = info!.labels;
    expect(l["org.opencontainers.image.version"]).toBe("3.10.13");
    expect(l["org.opencontainers.image.licenses"]).toBe("IPL-1.0 OR EPL-2.0");
    expect(l["org.opencontainers.image.title"]).toContain(CELL);
    expect(l["org.opencontainers.image.created"]).toBe(`${RELEASE_DATES["3.10.13"]}T00:00:00.000Z`);
    expect(JSON.parse(l["org.postfix-matrix.options"]!).values).toEqual({ os: "debian:bookworm", postfix: "3.10.13", options: "defaults" });
    const head = execFileSync("git", ["-C", ROOT, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    expect(l["org.opencontainers.image.revision"]).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    // An image built at an earlier commit keeps that commit: it is the same recipe.
    expect(head).toMatch(/^[0-9a-f]{40}$/);
    const date = await engine.runHelper({ image: IMAGE, cmd: ["postconf", "-h", "mail_release_date"] });
    expect(date.output.trim()).toBe(RELEASE_DATES["3.10.13"]!.replaceAll("-", ""));
  });
});

describe("push to a real registry", () => {
  it("round trip: push, remove locally, pull by digest, verify again: the same checks pass", async () => {
    const out = await outDir();
    const pushed = await cli(["run", M, "--only", CELL, "--push", "--to", REPO, "--out", out]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const cell = (await report(out)).cells[0]!;
    expect(cell.push).toMatchObject({ kind: "pushed", ref: `${REPO}:${CELL}` });
    const digest = cell.push!.digest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pushed.stdout).toContain(`${CELL}@${digest.slice(0, 19)}`);
    expect(await manifestStatus("http://127.0.0.1:5000", repoPath(REPO), digest)).toEqual({ status: 200, digest });
    const checksBefore = cell.verify.result!.checks.map((c) => c.name);

    for (const ref of [`${REPO}:${CELL}`, IMAGE]) await engine.removeImage(ref);
    for (const i of await engine.listImages({})) if (i.tags.some((t) => t.startsWith(REPO))) await engine.removeImage(i.id);
    expect(await engine.imageExists(IMAGE)).toBe(false);
    await engine.pull(`${REPO}@${digest}`);
    await engine.tag(`${REPO}@${digest}`, IMAGE);
    const vout = await outDir();
    const again = await cli(["verify", M, "--only", CELL, "--reverify", "--out", vout]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    const c = (await report(vout)).cells[0]!;
    expect(c.verify.result!.cached).toBeFalsy();
    expect(c.verify.result!.checks.map((x) => x.name)).toEqual(checksBefore);
    expect(c.verify.result!.checks.every((x) => x.status === "pass")).toBe(true);
  });

  it("registry unreachable: exit 3 with the address, nothing built or pushed", async () => {
    const r = await cli(["run", M, "--only", CELL, "--push", "--to", "127.0.0.1:5999/nowhere", "--out", await outDir()]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/registry 127\.0\.0\.1:5999 is unreachable/);
    expect(r.stdout).toBe("");
  });

  it("htpasswd registry: anonymous and a wrong password are refused (exit 3), the right one pushes", async () => {
    const anonymous = await cli(["push", M, "--only", CELL, "--to", AUTH_REPO], { env: { DOCKER_CONFIG: await dockerConfig({}) } });
    expect(anonymous.code).toBe(3);
    expect(anonymous.stderr).toMatch(/refused anonymous access \(HTTP 401\)/);
    const wrong = await dockerConfig({ "127.0.0.1:5001": "pmx-test:wrong" });
    const refused = await cli(["push", M, "--only", CELL, "--to", AUTH_REPO], { env: { DOCKER_CONFIG: wrong } });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/refused the credentials of pmx-test/);
    const right = await dockerConfig({ "127.0.0.1:5001": "pmx-test:pmx-test-secret" });
    const out = await outDir();
    const ok = await cli(["push", M, "--only", CELL, "--to", AUTH_REPO, "--out", out], { env: { DOCKER_CONFIG: right } });
    expect(ok.code, ok.stderr).toBe(0);
    const digest = (await report(out)).cells[0]!.push!.digest!;
    expect(await manifestStatus("http://127.0.0.1:5001", repoPath(AUTH_REPO), CELL)).toEqual({ status: 401, digest: null });
    expect(await manifestStatus("http://127.0.0.1:5001", repoPath(AUTH_REPO), CELL, "pmx-test:pmx-test-secret")).toEqual({
      status: 200,
      digest,
    });
  });

  it("a tag that holds another cell's image is refused (exit 4, nothing pushed) unless --force", async () => {
    const built = await cli(["run", M, "--only", CELL, OTHER, "--out", await outDir()]);
    expect(built.code, built.stderr).toBe(0);
    const first = await outDir();
    expect((await cli(["push", M, "--only", CELL, "--to", REPO, "--tag-template", "stable", "--out", first])).code).toBe(0);
    const digest = (await report(first)).cells[0]!.push!.digest!;
    const clash = await cli(["push", M, "--only", OTHER, "--to", REPO, "--tag-template", "stable", "--out", await outDir()]);
    expect(clash.code).toBe(4);
    expect(clash.stderr).toMatch(new RegExp(`${REPO}:stable holds other content \\(${digest}\\) than cell ${OTHER}`));
    expect((await manifestStatus("http://127.0.0.1:5000", repoPath(REPO), "stable")).digest).toBe(digest);
    const same = await outDir();
    expect((await cli(["push", M, "--only", CELL, "--to", REPO, "--tag-template", "stable", "--out", same])).code).toBe(0);
    expect((await report(same)).cells[0]!.push).toMatchObject({ kind: "pushed", digest, unchanged: true });
    const forced = await outDir();
    const f = await cli(["push", M, "--only", OTHER, "--to", REPO, "--tag-template", "stable", "--force", "--out", forced]);
    expect(f.code, f.stderr).toBe(0);
    const now = (await manifestStatus("http://127.0.0.1:5000", repoPath(REPO), "stable")).digest;
    expect(now).toBe((await report(forced)).cells[0]!.push!.digest);
    expect(now).not.toBe(digest);
  });

  it("a cell with no verification on record is not pushed; the report says why (exit 1)", async () => {
    const out = await outDir();
    // An empty cache folder: no verification result is known for the image.
    const r = await cli(["push", M, "--only", CELL, "--to", REPO, "--out", out], { env: { POSTFIX_MATRIX_CACHE: await outDir() } });
    expect(r.code).toBe(1);
    expect((await report(out)).cells[0]!.push).toMatchObject({ kind: "skipped", reason: expect.stringMatching(/not verified/) });
  });
});

describe("a registry cache for a fresh engine", () => {
  it("an empty second engine pulls the cell by its recipe instead of building it, and takes its verification along", async () => {
    const host = script("engine2-up.sh", "--fresh");
    const env = { DOCKER_HOST: host };
    const seeded = await cli(["run", M, "--only", CELL, "--cache-to", REPO, "--out", await outDir()]);
    expect(seeded.code, seeded.stderr).toBe(0);
    const out = await outDir();
    const r = await cli(["run", M, "--only", CELL, "--cache-from", REPO, "--out", out], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/make makefiles/);
    expect(r.stderr).toMatch(/1 of 1 cells found, pulled instead of built/);
    const c = (await report(out)).cells[0]!;
    expect(c.build.kind).toBe("pulled");
    expect(c.verify.result!.cached).toBe(true);
    // --reverify on the fresh engine: the checks run there, for real, and pass.
    const again = await outDir();
    const v = await cli(["run", M, "--only", CELL, "--cache-from", REPO, "--reverify", "--out", again], { env });
    expect(v.code, v.stderr + v.stdout).toBe(0);
    const checked = (await report(again)).cells[0]!;
    expect(checked.verify.result!.cached).toBeFalsy();
    expect(checked.verify.result!.checks.every((x) => x.status === "pass")).toBe(true);
  });
});
