// Faults inside a cell (issue 13): APT's mirror unreachable in a build, a corrupted tarball
// in the source cache, a verification container whose Postfix never starts. The cell says
// why, the other cells finish, and what the test made is removed.
import { open } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import tar from "tar-stream";
import { describe, expect, it } from "vitest";
import { sha256File } from "../../src/io/source/cache.js";
import { ROOT } from "./cli.js";
import { noStack, privateCache, startCli } from "./faults-support.js";

const docker = new Docker();

/** A classic build through the Engine API; rejects with the engine's error. */
async function build(tag: string, context: NodeJS.ReadableStream | { context: string; src: string[] }): Promise<void> {
  const stream = await docker.buildImage(context, { t: tag, rm: true, forcerm: true });
  await new Promise<void>((res, rej) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = err?.message ?? out.find((o) => o.error)?.error;
      if (failed) rej(new Error(`building ${tag}: ${failed}`));
      else res();
    }),
  );
}

function dockerfileOnly(text: string): NodeJS.ReadableStream {
  const pack = tar.pack();
  pack.entry({ name: "Dockerfile" }, text);
  pack.finalize();
  return pack as unknown as NodeJS.ReadableStream;
}

const tmpOut = (name: string) => path.join(os.tmpdir(), `pm-faults-${name}-${process.pid}-${Date.now()}`);

describe("faults: inside a cell", () => {
  it("APT mirror unreachable in a build: that cell fails at its apt step with apt's error, the other passes, exit 1", async () => {
    const base = "postfix-matrix-test/debian:bookworm";
    const context = path.join(ROOT, "test/fixtures/faults/closed-mirror");
    await build(base, { context, src: ["Dockerfile", "debian.sources", "99-direct"] });
    try {
      const out = tmpOut("mirror");
      const run = startCli(["run", "test/fixtures/faults/mirror.yaml", "--out", out]);
      const code = await run.exited(1_200_000);
      const { stdout, stderr } = run.out;
      expect(code, stdout + stderr).toBe(1);
      noStack(stdout + stderr);
      expect(stdout).toMatch(/FAIL\s+postfix-matrix-test-debian-bookworm-3\.10\.13\s/);
      expect(stdout).toMatch(/ok\s+debian-bookworm-3\.10\.13\s/);
      expect(stdout).toContain("1 of 2 cells passed");
      const details = stdout.slice(stdout.indexOf("--- postfix-matrix-test-debian-bookworm-3.10.13"));
      expect(details).toMatch(/build failed at step: \[(deps|runtime) \d+\/\d+\] RUN .*apt-get update/);
      // apt's own words: the closed port, and then nothing to install.
      expect(details).toMatch(/127\.0\.0\.1:9.*(Connection refused|Could not connect)/);
      expect(details).toMatch(/E: (Unable to locate package|Package '?\S+'? has no installation candidate)/);
    } finally {
      await docker.getImage(base).remove({ force: true });
    }
  });

  it("corrupted tarball in the source cache: detected by its checksum, fetched again from Debian's archive", async () => {
    const cache = await privateCache("3.7.11");
    const fh = await open(cache.tarball, "r+");
    await fh.write(Buffer.alloc(4096, 0x5a), 0, 4096, 1 << 20);
    await fh.close();
    expect((await sha256File(cache.tarball)).sha256).not.toBe(cache.sha256);
    const only = ["--only", "debian-bookworm-3.7.11-defaults"];
    const run = startCli(["run", "matrices/default.yaml", ...only, "--no-verify", "--out", tmpOut("cache")], {
      POSTFIX_MATRIX_CACHE: cache.dir,
    });
    const code = await run.exited(1_200_000);
    const { stdout, stderr } = run.out;
    expect(code, stdout + stderr).toBe(0);
    expect(stderr).toContain(`cache: removing corrupt entry ${cache.tarball}`);
    expect(stderr).toMatch(/source postfix 3\.7\.11: debian \(3\.7\.11-/);
    expect((await sha256File(cache.tarball)).sha256).toBe(cache.sha256);
  });

  it("Postfix never starts in verification: the cause is named, the container removed, the other cell passes", async () => {
    const good = "postfix-matrix/default:debian-bookworm-3.10.13-defaults";
    const ensure = startCli([
      "run",
      "matrices/default.yaml",
      "--only",
      "debian-bookworm-3.10.13-defaults",
      "--no-verify",
      "--out",
      tmpOut("ensure"),
    ]);
    expect(await ensure.exited(1_200_000), ensure.out.stderr).toBe(0);
    const repo = "postfix-matrix/itg-faults-verify";
    const broken = `${repo}:debian-bookworm-3.10.13-broken`;
    const fine = `${repo}:debian-bookworm-3.10.13-fine`;
    // `postconf -e` in the start command accepts it; `postfix start-fg` refuses and exits.
    await build(broken, dockerfileOnly(`FROM ${good}\nRUN postconf -e mail_owner=pm-no-such-user\n`));
    await docker.getImage(good).tag({ repo, tag: "debian-bookworm-3.10.13-fine" });
    const ours = async () =>
      (await docker.listContainers({ all: true, filters: { label: ["org.postfix-matrix.role=verify"] } })).filter((c) =>
        c.Image.startsWith(`${repo}:`),
      ).length;
    try {
      expect(await ours()).toBe(0);
      const run = startCli(["verify", "test/fixtures/faults/verify.yaml", "--reverify", "--out", tmpOut("verify")]);
      const code = await run.exited(600_000);
      const { stdout, stderr } = run.out;
      expect(code, stdout + stderr).toBe(1);
      noStack(stdout + stderr);
      expect(stdout).toMatch(/ok\s+debian-bookworm-3\.10\.13-fine\s.*\s(\d+)\/\1 pass/);
      expect(stdout).toContain(
        "verification could not run: Postfix did not start: the container exited before Postfix logged `daemon started`; " +
          "last output: postfix: fatal: file /etc/postfix/main.cf: parameter mail_owner: unknown user name value: pm-no-such-user",
      );
      expect(await ours()).toBe(0);
    } finally {
      await docker.getImage(broken).remove({ force: true });
      // Only the tag: the image is the default matrix's.
      await docker.getImage(fine).remove();
    }
  });
});
