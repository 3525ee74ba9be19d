import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

import { ConfigError, EnvironmentError, InterruptedError } from "../../src/errors.js";
import { bootstrapBaseImage, IMPORT_CHANGES, type BaseImageEngine } from "../../src/io/base/bootstrap.js";
import { mountsUnder } from "../../src/io/base/mounts.js";
import { treeBytes } from "../../src/io/base/rootfs.js";

function fakeEngine(exists: boolean): BaseImageEngine & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async imageExists(ref) {
      calls.push(`exists ${ref}`);
      return exists;
    },
    async importRootfs(_tar, ref) {
      calls.push(`import ${ref}`);
      throw new Error("not in unit tests");
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe("bootstrapBaseImage (no debootstrap run)", () => {
  it("rejects a non-Debian reference before asking the engine", async () => {
    const engine = fakeEngine(false);
    await expect(bootstrapBaseImage("ubuntu:noble", { engine })).rejects.toBeInstanceOf(ConfigError);
    expect(engine.calls).toEqual([]);
  });

  it("is idempotent: an existing image is reported present (no root needed)", async () => {
    vi.spyOn(process, "getuid").mockReturnValue(1000);
    const engine = fakeEngine(true);
    await expect(bootstrapBaseImage("debian:bookworm", { engine })).resolves.toEqual({ kind: "present", ref: "debian:bookworm" });
    expect(engine.calls).toEqual(["exists debian:bookworm"]);
  });

  it("needs root to build", async () => {
    vi.spyOn(process, "getuid").mockReturnValue(1000);
    const err = await bootstrapBaseImage("debian:bookworm", { engine: fakeEngine(false) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toMatch(/debootstrap (needs root|is not installed)/);
    expect((err as EnvironmentError).hint).toMatch(/sudo /);
  });

  it("fails clearly when the machine has no Debian mirror configured", async () => {
    vi.spyOn(process, "getuid").mockReturnValue(0);
    const aptRoot = await fs.mkdtemp(path.join(os.tmpdir(), "pm-apt-"));
    try {
      await fs.mkdir(path.join(aptRoot, "sources.list.d"));
      await fs.writeFile(path.join(aptRoot, "sources.list"), "deb http://ubuntu.invalid/ubuntu noble main\n");
      const err = await bootstrapBaseImage("debian:trixie", { engine: fakeEngine(false), aptRoot }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(EnvironmentError);
      expect((err as Error).message).toContain("no Debian archive found in");
    } finally {
      await fs.rm(aptRoot, { recursive: true });
    }
  });

  it("stops at once when already aborted", async () => {
    const engine = fakeEngine(false);
    const signal = AbortSignal.abort();
    await expect(bootstrapBaseImage("debian:bookworm", { engine, signal })).rejects.toBeInstanceOf(InterruptedError);
    expect(engine.calls).toEqual([]);
  });

  it("forces a rebuild past an existing image (reaches the root check)", async () => {
    vi.spyOn(process, "getuid").mockReturnValue(1000);
    const engine = fakeEngine(true);
    await expect(bootstrapBaseImage("debian:bookworm", { engine, force: true })).rejects.toBeInstanceOf(EnvironmentError);
  });
});

describe("IMPORT_CHANGES", () => {
  it("sets PATH and CMD like Debian's images", () => {
    expect(IMPORT_CHANGES).toEqual(["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 'CMD ["bash"]']);
  });
});

describe("mountsUnder", () => {
  const info = [
    "22 1 0:21 / / rw - overlay overlay rw",
    "30 22 0:5 / /tmp/pm-x/rootfs/proc rw - proc proc rw",
    "31 22 0:6 / /tmp/pm-x/rootfs/dev rw - tmpfs nodev rw",
    "32 31 0:7 /null /tmp/pm-x/rootfs/dev/null rw - devtmpfs udev rw",
    "33 22 0:8 / /tmp/pm-x/rootfs/with\\040space rw - tmpfs t rw",
    "34 22 0:9 / /tmp/pm-xy/rootfs/proc rw - proc proc rw",
    "",
  ].join("\n");
  it.each([
    ["/tmp/pm-x", ["/tmp/pm-x/rootfs/with space", "/tmp/pm-x/rootfs/dev/null", "/tmp/pm-x/rootfs/proc", "/tmp/pm-x/rootfs/dev"]],
    ["/tmp/pm-x/", ["/tmp/pm-x/rootfs/with space", "/tmp/pm-x/rootfs/dev/null", "/tmp/pm-x/rootfs/proc", "/tmp/pm-x/rootfs/dev"]],
    ["/tmp/pm-z", []],
  ])("%s", (dir, want) => {
    expect(mountsUnder(info, dir)).toEqual(want);
  });
});

describe("treeBytes", () => {
  it("counts regular files once per inode, not symlinks", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pm-tree-"));
    try {
      await fs.mkdir(path.join(dir, "a/b"), { recursive: true });
      await fs.writeFile(path.join(dir, "a/b/f"), "x".repeat(100));
      await fs.writeFile(path.join(dir, "g"), "y".repeat(23));
      await fs.link(path.join(dir, "g"), path.join(dir, "a/h"));
      await fs.symlink("/etc/passwd", path.join(dir, "s"));
      expect(await treeBytes(dir)).toBe(123);
    } finally {
      await fs.rm(dir, { recursive: true });
    }
  });
});
