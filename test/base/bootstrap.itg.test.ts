// Really bootstraps Debian bookworm with debootstrap from this machine's mirror and
// imports it under a TEST tag. Never touches `debian:bookworm` / `debian:trixie`.
import { execFile } from "node:child_process";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EnvironmentError, InterruptedError } from "../../src/errors.js";
import { bootstrapBaseImage, type BaseImageEngine } from "../../src/io/base/bootstrap.js";
import { mountsUnder } from "../../src/io/base/mounts.js";

const run = promisify(execFile);
const TEST_REF = "postfix-matrix-test/debian:bookworm";

/** The smallest engine adapter over dockerode that the bootstrap needs. */
class DockerodeBaseImageEngine implements BaseImageEngine {
  constructor(private readonly docker: Docker) {}

  async imageExists(ref: string): Promise<boolean> {
    try {
      await this.docker.getImage(ref).inspect();
      return true;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return false;
      throw err;
    }
  }

  async importRootfs(tar: NodeJS.ReadableStream, ref: string, changes: string[]): Promise<{ imageId: string }> {
    const colon = ref.lastIndexOf(":");
    const [repo, tag] = [ref.slice(0, colon), ref.slice(colon + 1)];
    // docker-modem destroys the request when the source stream errors (failed tar).
    const res = (await this.docker.importImage(tar, { repo, tag, changes })) as NodeJS.ReadableStream;
    let text = "";
    for await (const chunk of res) text += chunk.toString();
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const msg = JSON.parse(line) as { error?: string; errorDetail?: { message?: string } };
      if (msg.error) throw new Error(msg.errorDetail?.message ?? msg.error);
    }
    const info = await this.docker.getImage(ref).inspect();
    return { imageId: info.Id };
  }
}

const docker = new Docker();
const engine = new DockerodeBaseImageEngine(docker);

async function imageId(ref: string): Promise<string | undefined> {
  try {
    return (await docker.getImage(ref).inspect()).Id;
  } catch {
    return undefined;
  }
}

async function removeTestImage(): Promise<void> {
  if (await engine.imageExists(TEST_REF)) await docker.getImage(TEST_REF).remove({ force: true });
}

async function inImage(...cmd: string[]): Promise<string> {
  const { stdout } = await run("docker", ["run", "--rm", "--network", "none", TEST_REF, ...cmd]);
  return stdout;
}

/** Sizes of files as stored in the image (not as bind-mounted into a running container). */
async function fileSizesInImage(...files: string[]): Promise<number[]> {
  const { stdout } = await run("docker", ["create", TEST_REF]);
  const id = stdout.trim();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pm-itg-"));
  try {
    const sizes: number[] = [];
    for (const [i, f] of files.entries()) {
      await run("docker", ["cp", `${id}:${f}`, path.join(dir, String(i))]);
      sizes.push((await fs.stat(path.join(dir, String(i)))).size);
    }
    return sizes;
  } finally {
    await run("docker", ["rm", id]);
    await fs.rm(dir, { recursive: true, force: true });
  }
}

describe("bootstrapBaseImage (debootstrap + docker import)", () => {
  let realBookworm: string | undefined;
  beforeAll(async () => {
    realBookworm = await imageId("debian:bookworm");
    await removeTestImage();
  });
  afterAll(async () => {
    await removeTestImage();
    // The real base image others use is untouched.
    expect(await imageId("debian:bookworm")).toBe(realBookworm);
  });

  it("bootstraps bookworm, then reports it present", async () => {
    const lines: string[] = [];
    const outcome = await bootstrapBaseImage(TEST_REF, { engine, log: (l) => lines.push(l) });
    expect(outcome.kind).toBe("bootstrapped");
    if (outcome.kind !== "bootstrapped") return;
    console.log(`bootstrapped ${TEST_REF} in ${outcome.seconds} s, rootfs ${(outcome.rootfsBytes / 1e6).toFixed(1)} MB`);
    expect(outcome.ref).toBe(TEST_REF);
    expect(outcome.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(outcome.rootfsBytes).toBeGreaterThan(50e6);
    expect(lines.some((l) => l.startsWith("debootstrap: I: Base system installed successfully"))).toBe(true);

    expect((await inImage("cat", "/etc/debian_version")).trim()).toMatch(/^12\./);

    const sources = await inImage("cat", "/etc/apt/sources.list.d/debian.sources");
    expect(sources).toMatch(/^Suites: bookworm bookworm-updates$/m);
    expect(sources).toMatch(/^Suites: bookworm-security$/m);
    expect(sources).toMatch(/^Signed-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg$/m);
    const state = await inImage(
      "bash",
      "-c",
      "test ! -e /etc/apt/sources.list && echo no-sources-list; ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l; " +
        "ls /var/lib/apt/lists | tr '\\n' ' '; echo; /usr/sbin/policy-rc.d; echo rc=$?",
    );
    expect(state.split("\n")).toEqual(["no-sources-list", "0", "partial ", "rc=101", ""]);
    // A running container sees Docker's own hostname/resolv.conf: look at the image's files.
    expect(await fileSizesInImage("/etc/hostname", "/etc/resolv.conf")).toEqual([0, 0]);

    const info = await docker.getImage(TEST_REF).inspect();
    expect(info.Config.Cmd).toEqual(["bash"]);
    expect(info.Config.Env).toContain("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");

    await expect(bootstrapBaseImage(TEST_REF, { engine })).resolves.toEqual({ kind: "present", ref: TEST_REF });
  });

  it("on abort mid-debootstrap, stops, unmounts and removes its temporary tree", async () => {
    await removeTestImage();
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), "pm-itg-work-"));
    try {
      const ac = new AbortController();
      const lines: string[] = [];
      let abortedAt = 0;
      const log = (l: string) => {
        lines.push(l);
        // Second stage: /proc, /sys and /dev binds are mounted inside the tree by now.
        if (/^debootstrap: I: Configuring /.test(l) && !ac.signal.aborted) {
          abortedAt = Date.now();
          ac.abort();
        }
      };
      const started = Date.now();
      const err = await bootstrapBaseImage(TEST_REF, { engine, workDir, log, signal: ac.signal }).catch((e: unknown) => e);
      const stopSeconds = (Date.now() - abortedAt) / 1000;
      console.log(`aborted after ${((abortedAt - started) / 1000).toFixed(1)} s, stopped ${stopSeconds.toFixed(1)} s later`);
      console.log(lines.slice(-6).join("\n"));
      expect(stopSeconds).toBeLessThan(30);
      expect(err).toBeInstanceOf(InterruptedError);
      expect(ac.signal.aborted).toBe(true);
      expect(mountsUnder(await fs.readFile("/proc/self/mountinfo", "utf8"), workDir)).toEqual([]);
      expect(await fs.readdir(workDir)).toEqual([]);
      expect(await engine.imageExists(TEST_REF)).toBe(false);
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
    }
  });

  it("reports debootstrap's own output when it fails (unreachable mirror)", async () => {
    const workDir = await fs.mkdtemp(path.join(os.tmpdir(), "pm-itg-work-"));
    const aptRoot = await fs.mkdtemp(path.join(os.tmpdir(), "pm-itg-apt-"));
    try {
      await fs.writeFile(path.join(aptRoot, "sources.list"), "deb http://mirror.invalid/debian bookworm main\n");
      const err = await bootstrapBaseImage(TEST_REF, { engine, workDir, aptRoot, force: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentError);
      const msg = (err as Error).message;
      console.log(msg);
      expect(msg).toMatch(/^debootstrap bookworm failed \(exit code \d+\); last output:\n {2}\S/);
      expect(msg).toContain("mirror.invalid");
      expect((err as EnvironmentError).hint).toContain("http://mirror.invalid/debian");
      expect(await fs.readdir(workDir)).toEqual([]);
      expect(await engine.imageExists(TEST_REF)).toBe(false);
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
      await fs.rm(aptRoot, { recursive: true, force: true });
    }
  });
});
