// Changes to the fresh debootstrap tree before it is imported, each as small as it can
// be, and its size.

import { constants as fsc, type Stats } from "node:fs";
import * as fs from "node:fs/promises";
import * as path from "node:path";

import { buildImageSources } from "../../core/base/base-ref.js";
import { EnvironmentError } from "../../errors.js";

export async function finishRootfs(
  rootfs: string,
  suite: string,
  mirrors: { archive: string; security: string | undefined },
): Promise<void> {
  // APT sources in deb822 form (as in Debian's images), with -updates and -security for
  // stable suites: debootstrap's own sources.list only has `<suite> main`.
  await writeInside(rootfs, "etc/apt/sources.list.d/debian.sources", buildImageSources(suite, mirrors));
  await removeInside(rootfs, "etc/apt/sources.list");

  // Downloaded packages and package lists are stale the moment the image exists and
  // only add size; builds run `apt-get update` anyway.
  await removeEntries(rootfs, "var/cache/apt/archives", (n) => n.endsWith(".deb"));
  await removeEntries(rootfs, "var/cache/apt", (n) => n.endsWith(".bin"));
  await removeEntries(rootfs, "var/lib/apt/lists", (n) => n !== "partial" && n !== "lock");
  await removeEntries(rootfs, "var/lib/apt/lists/partial", () => true);

  // debootstrap copied these from this machine; Docker bind-mounts its own at run time.
  await writeInside(rootfs, "etc/hostname", "");
  await writeInside(rootfs, "etc/resolv.conf", "");

  // As in Debian's official images: keep maintainer scripts from starting daemons
  // (e.g. postfix) inside `docker build`, where there is no init and starting fails.
  await writeInside(
    rootfs,
    "usr/sbin/policy-rc.d",
    "#!/bin/sh\n# Do not start services during image builds (as Debian's official images).\nexit 101\n",
    0o755,
  );
}

/** lstat, or undefined when nothing is there; any other error (EACCES, ELOOP, ...) throws. */
async function lstatIfExists(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Refuse to write through symlinks: a tree from debootstrap should never point outside itself. */
async function safePath(rootfs: string, rel: string): Promise<string> {
  const parts = rel.split("/");
  let cur = rootfs;
  for (const p of parts.slice(0, -1)) {
    cur = path.join(cur, p);
    const st = await lstatIfExists(cur);
    if (st === undefined) {
      await fs.mkdir(cur, { mode: 0o755 });
    } else if (!st.isDirectory()) {
      throw new EnvironmentError(`unexpected ${rel} in the bootstrapped tree: ${cur} is not a directory`);
    }
  }
  return path.join(rootfs, rel);
}

async function writeInside(rootfs: string, rel: string, content: string, mode = 0o644): Promise<void> {
  const file = await safePath(rootfs, rel);
  const st = await lstatIfExists(file);
  if (st !== undefined && !st.isFile()) await fs.rm(file, { force: true });
  const fh = await fs.open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, mode);
  try {
    await fh.writeFile(content);
    await fh.chmod(mode);
  } finally {
    await fh.close();
  }
}

async function removeInside(rootfs: string, rel: string): Promise<void> {
  await fs.rm(await safePath(rootfs, rel), { force: true });
}

async function removeEntries(rootfs: string, relDir: string, pick: (name: string) => boolean): Promise<void> {
  const dir = path.join(rootfs, relDir);
  const st = await lstatIfExists(dir);
  if (!st?.isDirectory()) return;
  for (const name of await fs.readdir(dir)) {
    if (pick(name)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/** Bytes in regular files (hard links once), without following symlinks or leaving the file system. */
export async function treeBytes(root: string): Promise<number> {
  const rootDev = (await fs.lstat(root)).dev;
  const seen = new Set<bigint | number>();
  let total = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const ent of await fs.readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) {
        const st = await fs.lstat(p);
        if (st.dev === rootDev) await walk(p);
      } else if (ent.isFile()) {
        const st = await fs.lstat(p);
        if (st.nlink > 1) {
          if (seen.has(st.ino)) continue;
          seen.add(st.ino);
        }
        total += st.size;
      }
    }
  };
  await walk(root);
  return total;
}
