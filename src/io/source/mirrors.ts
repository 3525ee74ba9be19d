// Fetch a release tarball from a list of mirrors (URL templates), in order, with a
// per-mirror timeout. Each download streams to a temp file in the cache while being
// hashed, and only goes into the cache when its sha256 matches.

import { createWriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { SourceError } from "../../errors.js";
import { tarballName } from "../../core/source/releases.js";
import { cacheTempPath, placeInCache, type CacheHit } from "./cache.js";

/** Upstream first. `{file}` is postfix-<version>.tar.gz, `{version}` the version. */
export const DEFAULT_MIRRORS: readonly string[] = [
  "https://ftp.porcupine.org/mirrors/postfix-release/official/{file}",
  "https://cdn.postfix.johnriley.me/mirrors/postfix-release/official/{file}",
];

export const DEFAULT_MIRROR_TIMEOUT_MS = 20_000;

/**
 * POSTFIX_MATRIX_MIRRORS: comma-separated URL templates; `none` means no mirrors.
 * Unset or empty: the default list.
 */
export function parseMirrorList(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [...DEFAULT_MIRRORS];
  if (value.trim().toLowerCase() === "none") return [];
  const list = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const m of list) {
    let u: URL;
    try {
      u = new URL(m.replaceAll("{version}", "0").replaceAll("{file}", "f"));
    } catch {
      throw new SourceError(`POSTFIX_MATRIX_MIRRORS: not a URL: ${JSON.stringify(m)}`);
    }
    if (u.protocol !== "http:" && u.protocol !== "https:") {
      throw new SourceError(`POSTFIX_MATRIX_MIRRORS: only http(s) mirrors are supported: ${m}`);
    }
  }
  return list;
}

/**
 * The URL of a release on one mirror. A template without `{file}` or `{version}` is taken
 * as a directory and the file name is appended.
 */
export function mirrorUrl(template: string, version: string): string {
  const file = tarballName(version);
  if (!template.includes("{file}") && !template.includes("{version}")) {
    return `${template.replace(/\/+$/, "")}/${file}`;
  }
  return template.replaceAll("{version}", version).replaceAll("{file}", file);
}

export interface MirrorFetchOptions {
  cacheDir: string;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
  log?: (line: string) => void;
}

export type MirrorResult = { ok: true; hit: CacheHit; url: string } | { ok: false; reasons: string[] };

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? String(err)} (${cause})` : (e?.message ?? String(err));
}

async function download(url: string, dest: string, fetchImpl: typeof fetch, signal: AbortSignal): Promise<void> {
  const res = await fetchImpl(url, { signal, redirect: "follow" });
  if (!res.ok || !res.body) {
    await res.body?.cancel().catch(() => {});
    throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}`);
  }
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(dest), {
    signal,
  });
}

/** Tries each mirror in order; the first whose file matches `sha256` wins. */
export async function fetchFromMirrors(
  version: string,
  sha256: string,
  mirrors: readonly string[],
  opts: MirrorFetchOptions,
): Promise<MirrorResult> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_MIRROR_TIMEOUT_MS;
  const reasons: string[] = [];
  for (const template of mirrors) {
    const url = mirrorUrl(template, version);
    const tmp = await cacheTempPath(opts.cacheDir, tarballName(version));
    opts.log?.(`mirror: fetching ${url}`);
    try {
      await download(url, tmp, fetchImpl, AbortSignal.timeout(timeoutMs));
    } catch (err) {
      await unlink(tmp).catch(() => {});
      const why = describe(err, timeoutMs);
      opts.log?.(`mirror: ${url}: ${why}`);
      reasons.push(`${url}: ${why}`);
      continue;
    }
    // Upstream's detached signature (.gpg2) sits next to the tarball; best effort only.
    let sig: string | undefined = await cacheTempPath(opts.cacheDir, `${tarballName(version)}.asc`);
    try {
      await download(`${url}.gpg2`, sig, fetchImpl, AbortSignal.timeout(timeoutMs));
    } catch {
      await unlink(sig).catch(() => {});
      sig = undefined;
    }
    const placed = await placeInCache(opts.cacheDir, version, sha256, tmp, sig);
    if (placed.ok) return { ok: true, hit: placed.hit, url };
    opts.log?.(`mirror: ${url}: ${placed.reason}`);
    reasons.push(`${url}: ${placed.reason}`);
  }
  return { ok: false, reasons };
}
