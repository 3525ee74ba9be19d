// removeTempDir fails closed: with an unreadable mount table, or a mount left inside,
// nothing is removed.
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { currentMountsUnder, removeTempDir, type MountOps } from "../../src/io/base/mounts.js";

let tmp: string;
let logged: string[];
const log = (l: string) => logged.push(l);

beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "pm-mounts-"));
  await fs.mkdir(path.join(tmp, "rootfs", "proc"), { recursive: true });
  await fs.writeFile(path.join(tmp, "rootfs", "proc", "keep"), "x");
  logged = [];
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const exists = (p: string) =>
  fs.access(p).then(
    () => true,
    () => false,
  );

function fakeOps(mountinfo: () => Promise<string>): MountOps & { umounts: string[] } {
  const umounts: string[] = [];
  return {
    umounts,
    readMountinfo: mountinfo,
    umount: async (mp, lazy) => {
      umounts.push(`${lazy ? "-l " : ""}${mp}`);
      return false;
    },
  };
}

describe("removeTempDir", () => {
  it("removes the tree when nothing is mounted inside", async () => {
    await removeTempDir(
      tmp,
      log,
      fakeOps(async () => "22 1 0:21 / / rw - overlay overlay rw\n"),
    );
    expect(await exists(tmp)).toBe(false);
    expect(logged).toEqual([]);
  });

  it("removes nothing when the mount table cannot be read, and says why", async () => {
    const err = Object.assign(new Error("EACCES: permission denied, open '/proc/self/mountinfo'"), { code: "EACCES" });
    const ops = fakeOps(() => Promise.reject(err));
    await removeTempDir(tmp, log, ops);
    expect(await exists(path.join(tmp, "rootfs", "proc", "keep"))).toBe(true);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`warning: not removing ${tmp}`);
    expect(logged[0]).toContain("EACCES");
    expect(ops.umounts).toEqual([]);
  });

  it("removes nothing while a mount is left inside (after trying to unmount it)", async () => {
    const mp = path.join(tmp, "rootfs", "proc");
    const ops = fakeOps(async () => `30 22 0:5 / ${mp} rw - proc proc rw\n`);
    await removeTempDir(tmp, log, ops);
    expect(await exists(path.join(mp, "keep"))).toBe(true);
    expect(ops.umounts).toEqual([mp, `-l ${mp}`]);
    expect(logged.at(-1)).toBe(`warning: not removing ${tmp}: still mounted: ${mp}`);
  });
});

describe("currentMountsUnder", () => {
  it("throws (never answers 'none') when the mount table cannot be read", async () => {
    await expect(
      currentMountsUnder(
        tmp,
        fakeOps(() => Promise.reject(new Error("boom"))),
      ),
    ).rejects.toThrow(/cannot read \/proc\/self\/mountinfo: boom/);
  });
});
