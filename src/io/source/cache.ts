// Local cache of Postfix release tarballs, keyed by sha256:
//   <cache>/sources/sha256/<hex>/postfix-<version>.tar.gz  (+ .asc when we have a signature)
// Entries are verified on every hit; files are verified before they are placed, and
// placed by rename so a reader never sees half a file.

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, stat, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { tarballName } from "../../core/source/releases.js";

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSTFIX_MATRIX_CACHE) return path.resolve(env.POSTFIX_MATRIX_CACHE);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), "postfix-matrix");
  return path.join(env.HOME || os.homedir(), ".cache", "postfix-matrix");
}

/** Streaming sha256 of a file, with its size. */
export async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash("sha256");
  let bytes = 0;
  await pipeline(createReadStream(file), async (src: AsyncIterable<Buffer>) => {
    for await (const chunk of src) {
      hash.update(chunk);
      bytes += chunk.length;
    }
  });
  return { sha256: hash.digest("hex"), bytes };
}

export function entryDir(cacheDir: string, sha256: string): string {
  return path.join(cacheDir, "sources", "sha256", sha256);
}

export function entryPath(cacheDir: string, sha256: string, version: string): string {
  return path.join(entryDir(cacheDir, sha256), tarballName(version));
}

/** A fresh temp path on the cache's file system (so rename into place is atomic). */
export async function cacheTempPath(cacheDir: string, hint: string): Promise<string> {
  const dir = path.join(cacheDir, "sources", "tmp");
  await mkdir(dir, { recursive: true });
  return path.join(dir, `${process.pid}-${randomBytes(6).toString("hex")}-${hint}`);
}

export interface CacheHit {
  path: string;
  bytes: number;
  signaturePath?: string;
}

/**
 * A verified cache entry, or undefined. A corrupt entry (wrong sha256) is removed.
 */
export async function lookupCache(
  cacheDir: string,
  version: string,
  sha256: string,
  log?: (line: string) => void,
): Promise<CacheHit | undefined> {
  const file = entryPath(cacheDir, sha256, version);
  try {
    const st = await stat(file);
    if (!st.isFile()) return undefined;
  } catch {
    return undefined;
  }
  const got = await sha256File(file).catch(() => undefined);
  if (!got || got.sha256 !== sha256) {
    log?.(`cache: removing corrupt entry ${file} (sha256 ${got?.sha256 ?? "unreadable"})`);
    await rm(entryDir(cacheDir, sha256), { recursive: true, force: true });
    return undefined;
  }
  const hit: CacheHit = { path: file, bytes: got.bytes };
  const sig = `${file}.asc`;
  if (
    await stat(sig).then(
      (s) => s.isFile(),
      () => false,
    )
  )
    hit.signaturePath = sig;
  return hit;
}

/**
 * Verifies `tmpFile` against `sha256` and moves it (and its signature, if any) into the
 * cache. On mismatch the temp files are deleted and a message is returned instead.
 */
export async function placeInCache(
  cacheDir: string,
  version: string,
  sha256: string,
  tmpFile: string,
  tmpSignature?: string,
): Promise<{ ok: true; hit: CacheHit } | { ok: false; reason: string }> {
  const got = await sha256File(tmpFile);
  if (got.sha256 !== sha256) {
    await unlink(tmpFile).catch(() => {});
    if (tmpSignature) await unlink(tmpSignature).catch(() => {});
    return { ok: false, reason: `sha256 mismatch: got ${got.sha256}, expected ${sha256}` };
  }
  const file = entryPath(cacheDir, sha256, version);
  await mkdir(path.dirname(file), { recursive: true });
  const hit: CacheHit = { path: file, bytes: got.bytes };
  if (tmpSignature) {
    // Signature first: the tarball's presence is what makes an entry.
    await rename(tmpSignature, `${file}.asc`);
    hit.signaturePath = `${file}.asc`;
  }
  await rename(tmpFile, file);
  return { ok: true, hit };
}
