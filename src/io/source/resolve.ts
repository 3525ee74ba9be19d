// Resolve a Postfix release by version: local cache (by sha256), then mirrors (upstream
// first), then Debian's source archive through apt. The result is a verified file on
// disk that later goes into a docker build context; nothing is downloaded in a Dockerfile.

import { SourceError } from "../../errors.js";
import { assertValidVersion, expectedSha256, tarballName } from "../../core/source/releases.js";
import { defaultCacheDir, lookupCache, type CacheHit } from "./cache.js";
import { fetchFromDebian } from "./debian.js";
import { DEFAULT_MIRROR_TIMEOUT_MS, fetchFromMirrors, parseMirrorList } from "./mirrors.js";

export interface SourceRequest {
  version: string;
  /** Given in a matrix: extends the known table; differing from it is an error. */
  sha256?: string;
}

export type SourceOrigin = "cache" | "mirror" | "debian";

export interface ResolvedSource {
  version: string;
  sha256: string;
  path: string;
  /** postfix-<version>.tar.gz */
  fileName: string;
  bytes: number;
  origin: SourceOrigin;
  /** The URL, or the Debian version, it came from. */
  from?: string;
  /** Detached upstream signature next to it in the cache, when one was fetched. */
  signaturePath?: string;
}

export interface ResolveOptions {
  cacheDir: string;
  /** URL templates with `{version}` / `{file}`, tried in order. */
  mirrors: string[];
  /** Fall back to Debian's source archive through apt. */
  debian: boolean;
  mirrorTimeoutMs?: number;
  log?: (line: string) => void;
  fetchImpl?: typeof fetch;
  /** Machine apt configuration to derive deb-src lines from; default /etc/apt. */
  aptRoot?: string;
}

/** Cache dir from POSTFIX_MATRIX_CACHE / XDG_CACHE_HOME / ~/.cache; mirrors from POSTFIX_MATRIX_MIRRORS. */
export function defaultResolveOptions(env: NodeJS.ProcessEnv = process.env): ResolveOptions {
  return {
    cacheDir: defaultCacheDir(env),
    mirrors: parseMirrorList(env.POSTFIX_MATRIX_MIRRORS),
    debian: true,
    mirrorTimeoutMs: DEFAULT_MIRROR_TIMEOUT_MS,
  };
}

const inflight = new Map<string, Promise<ResolvedSource>>();

/**
 * A verified local copy of the release. Concurrent calls for the same release and cache
 * share one resolution. Throws SourceError when the checksum is unknown or mismatched,
 * or no origin had it.
 */
export function resolveSource(req: SourceRequest, opts: ResolveOptions): Promise<ResolvedSource> {
  let sha: string;
  try {
    assertValidVersion(req.version);
    sha = expectedSha256(req);
  } catch (err) {
    return Promise.reject(err);
  }
  const key = `${opts.cacheDir}\0${req.version}\0${sha}`;
  const existing = inflight.get(key);
  if (existing) return existing;
  const p = resolveNow(req.version, sha, opts).finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

async function resolveNow(version: string, sha256: string, opts: ResolveOptions): Promise<ResolvedSource> {
  const log = opts.log;
  const fileName = tarballName(version);
  const done = (hit: CacheHit, origin: SourceOrigin, from?: string): ResolvedSource => {
    const r: ResolvedSource = { version, sha256, path: hit.path, fileName, bytes: hit.bytes, origin };
    if (from !== undefined) r.from = from;
    if (hit.signaturePath) r.signaturePath = hit.signaturePath;
    log?.(`source: postfix ${version} from ${origin}${from ? ` (${from})` : ""}: ${hit.path}`);
    return r;
  };

  const cached = await lookupCache(opts.cacheDir, version, sha256, log);
  if (cached) return done(cached, "cache");

  const tried: string[] = [];
  if (opts.mirrors.length > 0) {
    const m = await fetchFromMirrors(version, sha256, opts.mirrors, {
      cacheDir: opts.cacheDir,
      timeoutMs: opts.mirrorTimeoutMs ?? DEFAULT_MIRROR_TIMEOUT_MS,
      ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
      ...(log ? { log } : {}),
    });
    if (m.ok) return done(m.hit, "mirror", m.url);
    tried.push(...m.reasons);
  } else {
    tried.push("mirrors: none configured");
  }

  if (opts.debian) {
    const d = await fetchFromDebian(version, sha256, {
      cacheDir: opts.cacheDir,
      ...(opts.aptRoot ? { aptRoot: opts.aptRoot } : {}),
      ...(log ? { log } : {}),
    });
    if (d.ok) return done(d.hit, "debian", d.debianVersion);
    tried.push(...d.reasons);
  } else {
    tried.push("debian: fallback disabled");
  }

  const mismatch = tried.some((t) => t.includes("sha256 mismatch"));
  throw new SourceError(
    `could not obtain Postfix ${version} (sha256 ${sha256})${mismatch ? ": a download did not match its checksum" : ""}; tried:\n` +
      tried.map((t) => `  - ${t}`).join("\n"),
    mismatch
      ? "check the `sha256:` given for this version in the matrix"
      : "set POSTFIX_MATRIX_MIRRORS to a reachable mirror, or put the tarball in the cache",
  );
}
