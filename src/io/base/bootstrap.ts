// `postfix-matrix base bootstrap debian:<suite>`: build a Debian base image offline
// (no registry is reachable) with debootstrap from the machine's own Debian mirror,
// then import the root filesystem into the engine as `debian:<suite>`.

import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";

import { parseAptSourceFiles } from "../../core/apt/sources.js";
import { pickDebianMirrors } from "../../core/base/apt-config.js";
import { parseBaseRef, type DebianBaseRef } from "../../core/base/base-ref.js";
import { EnvironmentError, InterruptedError } from "../../errors.js";
import { readAptSourceFiles } from "../apt/read-sources.js";
import { findExecutable, INSTALL_DEBOOTSTRAP, installDebootstrap, runDebootstrap } from "./debootstrap.js";
import { importTree } from "./import.js";
import { removeTempDir, unmountUnder } from "./mounts.js";
import { finishRootfs, treeBytes } from "./rootfs.js";

export interface BaseImageEngine {
  imageExists(ref: string): Promise<boolean>;
  /**
   * Like `docker import --change ... - ref`. The stream emits `error` (instead of
   * ending) when the tar producer failed: the import must then fail and not tag `ref`.
   */
  importRootfs(tar: NodeJS.ReadableStream, ref: string, changes: string[]): Promise<{ imageId: string }>;
}

export interface BootstrapOptions {
  engine: BaseImageEngine;
  /** Rebuild even if the image exists. */
  force?: boolean;
  /** Where the temporary root filesystem goes (default `os.tmpdir()`); needs ~300 MB. */
  workDir?: string;
  /** The machine's APT configuration directory (default `/etc/apt`). */
  aptRoot?: string;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export type BootstrapOutcome =
  | { kind: "present"; ref: string }
  | { kind: "bootstrapped"; ref: string; imageId: string; seconds: number; rootfsBytes: number };

/** Image config set on import: what Debian's official images set. */
export const IMPORT_CHANGES: readonly string[] = ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 'CMD ["bash"]'];

export async function bootstrapBaseImage(ref: string, opts: BootstrapOptions): Promise<BootstrapOutcome> {
  const base = parseBaseRef(ref);
  const log = opts.log ?? (() => {});
  const signal = opts.signal;
  checkAborted(signal);

  if (!opts.force && (await opts.engine.imageExists(base.ref))) return { kind: "present", ref: base.ref };
  checkAborted(signal);

  let debootstrap = await requireRoot(base);
  const aptRoot = opts.aptRoot ?? "/etc/apt";
  const mirrors = await machineMirrors(base, aptRoot, log);

  if (!debootstrap) {
    log(`debootstrap is not installed; installing it: ${INSTALL_DEBOOTSTRAP.join(" ")}`);
    await installDebootstrap(log, signal);
    debootstrap = await findExecutable("debootstrap");
    if (!debootstrap) throw new EnvironmentError("debootstrap is still missing after installing it");
  }
  checkAborted(signal);

  const started = performance.now();
  const workDir = opts.workDir ?? os.tmpdir();
  const tmp = await fs.realpath(await fs.mkdtemp(path.join(workDir, "postfix-matrix-bootstrap-")));
  const rootfs = path.join(tmp, "rootfs");
  try {
    log(`bootstrapping ${base.ref} (Debian ${base.suite}) from ${mirrors.archive}`);
    await runDebootstrap(debootstrap, base.suite, rootfs, mirrors.archive, { log, signal });
    // debootstrap unmounts what it mounted; make sure before tar reads the tree.
    await unmountUnder(rootfs, log);

    await finishRootfs(rootfs, base.suite, mirrors);
    const rootfsBytes = await treeBytes(rootfs);
    checkAborted(signal);

    log(`importing ${(rootfsBytes / 1e6).toFixed(0)} MB root filesystem as ${base.ref}`);
    const { imageId } = await importTree(rootfs, base.ref, opts.engine, IMPORT_CHANGES, signal);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    log(`${base.ref} is ${imageId} (${seconds} s)`);
    return { kind: "bootstrapped", ref: base.ref, imageId, seconds, rootfsBytes };
  } finally {
    await removeTempDir(tmp, log);
  }
}

/** Bootstrapping needs root; returns debootstrap's path when it is installed. */
async function requireRoot(base: DebianBaseRef): Promise<string | undefined> {
  const isRoot = process.getuid?.() === 0;
  const debootstrap = await findExecutable("debootstrap");
  if (!debootstrap && !isRoot) {
    throw new EnvironmentError(
      `cannot bootstrap ${base.ref}: debootstrap is not installed (and bootstrapping needs root)`,
      `install it with: sudo ${INSTALL_DEBOOTSTRAP.join(" ")}; then run this command as root`,
    );
  }
  if (!isRoot) {
    throw new EnvironmentError(
      `cannot bootstrap ${base.ref}: debootstrap needs root (it chroots, mounts /proc and creates device nodes)`,
      `run it as root, e.g.: sudo postfix-matrix base bootstrap ${base.ref}`,
    );
  }
  return debootstrap;
}

/** The machine's Debian archive (required) and security archive (warned about when missing). */
async function machineMirrors(
  base: DebianBaseRef,
  aptRoot: string,
  log: (line: string) => void,
): Promise<{ archive: string; security: string | undefined }> {
  const { archive, security } = pickDebianMirrors(parseAptSourceFiles(await readAptSourceFiles(aptRoot)));
  if (archive === undefined) {
    throw new EnvironmentError(
      `cannot bootstrap ${base.ref}: no Debian archive found in ${aptRoot}/sources.list or ${aptRoot}/sources.list.d/*.{list,sources}`,
      "configure a Debian mirror for APT on this machine (a `deb` entry with a Debian suite and component main)",
    );
  }
  if (security === undefined) {
    log(`warning: no Debian security archive (suite *-security) in ${aptRoot}; the image gets none`);
  }
  return { archive, security };
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError();
}
