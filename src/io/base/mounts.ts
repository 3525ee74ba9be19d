// Mounts left inside the temporary bootstrap tree (debootstrap binds /proc, /sys and
// /dev into the chroot) and removing that tree safely.

import * as fs from "node:fs/promises";

import { EnvironmentError } from "../../errors.js";
import { runCapture } from "../exec/exec.js";

const MOUNTINFO = "/proc/self/mountinfo";

/** What removing the tree needs from the machine; tests pass fakes. */
export interface MountOps {
  /** The text of /proc/self/mountinfo; rejects when it cannot be read. */
  readMountinfo(): Promise<string>;
  /** `umount [-l] <mp>`; whether it succeeded. */
  umount(mountPoint: string, lazy: boolean): Promise<boolean>;
}

export const hostMounts: MountOps = {
  readMountinfo: () => fs.readFile(MOUNTINFO, "utf8"),
  umount: async (mp, lazy) => (await runCapture("umount", lazy ? ["-l", mp] : [mp])).code === 0,
};

/** Mount points at or below `dir` in /proc/self/mountinfo text, deepest first. */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const base = dir.replace(/\/+$/, "");
  const out: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (field === undefined) continue;
    const mp = field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === base || mp.startsWith(`${base}/`)) out.push(mp);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** Mount points under `dir` now. Throws when the mount table cannot be read: "none" is not known. */
export async function currentMountsUnder(dir: string, ops: MountOps = hostMounts): Promise<string[]> {
  let text: string;
  try {
    text = await ops.readMountinfo();
  } catch (err) {
    throw new EnvironmentError(`cannot read ${MOUNTINFO}: ${(err as Error).message}`);
  }
  return mountsUnder(text, dir);
}

/** Unmount leftovers (e.g. after an interrupted debootstrap); lazily if they are busy. */
export async function unmountUnder(dir: string, log: (l: string) => void, ops: MountOps = hostMounts): Promise<void> {
  for (const mp of await currentMountsUnder(dir, ops)) {
    log(`unmounting ${mp}`);
    if (!(await ops.umount(mp, false))) await ops.umount(mp, true);
  }
}

/**
 * Remove the temporary tree, but never while anything is (or may be) mounted inside it:
 * a recursive delete would walk into the machine's /proc, /sys or /dev. So when the
 * mount table cannot be read, nothing is removed. Never throws: it runs in `finally`.
 */
export async function removeTempDir(tmp: string, log: (l: string) => void, ops: MountOps = hostMounts): Promise<void> {
  try {
    await unmountUnder(tmp, log, ops);
    const left = await currentMountsUnder(tmp, ops);
    if (left.length > 0) {
      log(`warning: not removing ${tmp}: still mounted: ${left.join(", ")}`);
      return;
    }
  } catch (err) {
    log(`warning: not removing ${tmp}: cannot tell whether anything is mounted inside: ${(err as Error).message}`);
    return;
  }
  try {
    await fs.rm(tmp, { recursive: true, force: true, maxRetries: 3 });
  } catch (err) {
    log(`warning: could not remove ${tmp}: ${(err as Error).message}`);
  }
}
