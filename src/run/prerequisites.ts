// What a build needs first: its base image (nothing is pulled; a missing one is bootstrapped
// on request, else the run stops before any build) and its verified Postfix source (an
// unknown release fails before anything is fetched). `upgrade` gets all of them first;
// `run` starts them and lets each cell wait for its own, so ready cells build meanwhile.
import { EnvironmentError, PostfixMatrixError } from "../errors.js";
import { expectedSha256 } from "../core/source/releases.js";
import type { PostfixRelease } from "../core/matrix/model.js";
import { bootstrapBaseImage } from "../io/base/bootstrap.js";
import type { Engine } from "../io/docker/engine.js";
import { resolveSource, type ResolveOptions, type ResolvedSource } from "../io/source/resolve.js";

export async function ensureBaseImages(
  refs: readonly string[],
  o: { engine: Engine; bootstrapMissing: boolean; note: (line: string) => void; signal?: AbortSignal | undefined },
): Promise<void> {
  const missing: string[] = [];
  for (const ref of [...new Set(refs)]) {
    if (await o.engine.imageExists(ref)) continue;
    if (!o.bootstrapMissing) {
      missing.push(ref);
      continue;
    }
    o.note(`base image ${ref} is missing: bootstrapping it from Debian's mirror`);
    const r = await bootstrapBaseImage(ref, { engine: o.engine, log: (l) => o.note(`  ${l}`), ...(o.signal ? { signal: o.signal } : {}) });
    if (r.kind === "bootstrapped") o.note(`base image ${ref} bootstrapped in ${r.seconds.toFixed(1)} s`);
  }
  if (missing.length > 0) {
    throw new EnvironmentError(
      `base image${missing.length > 1 ? "s" : ""} missing and no registry is used: ${missing.join(", ")}`,
      `run \`postfix-matrix base bootstrap ${missing.join(" ")}\`, or pass --bootstrap-missing`,
    );
  }
}

/** Resolves each distinct release once; returns them by version. */
export async function resolveSources(
  releases: readonly PostfixRelease[],
  o: { sources: ResolveOptions; note: (line: string) => void },
): Promise<Map<string, ResolvedSource>> {
  const requests = new Map<string, { version: string; sha256: string }>();
  for (const r of releases) requests.set(r.version, { version: r.version, sha256: expectedSha256(r) });
  const out = new Map<string, ResolvedSource>();
  await Promise.all(
    [...requests.values()].map(async (req) => {
      out.set(req.version, noted(await resolveSource(req, o.sources), o.note));
    }),
  );
  return out;
}

/** Per cell: its base image and source, each made ready once; what failed, for the exit code. */
export interface Prerequisites {
  ready(baseImage: string, version: string): Promise<ResolvedSource>;
  failures(): PostfixMatrixError[];
}

/**
 * Checks every base image and release up front (a missing base without --bootstrap-missing,
 * or a release without a known checksum, stops here), then starts the work: sources in
 * parallel, missing bases bootstrapped one at a time.
 */
export async function startPrerequisites(
  cells: readonly { baseImage: string; release: PostfixRelease }[],
  o: {
    engine: Engine;
    bootstrapMissing: boolean;
    sources: ResolveOptions;
    note: (line: string) => void;
    signal?: AbortSignal | undefined;
    /** For tests: how a missing base image is made and a source is had. */
    bootstrap?: (ref: string) => Promise<void>;
    resolve?: typeof resolveSource;
  },
): Promise<Prerequisites> {
  const refs = [...new Set(cells.map((c) => c.baseImage))];
  const present = new Map<string, boolean>();
  for (const ref of refs) present.set(ref, await o.engine.imageExists(ref));
  const missing = refs.filter((r) => !present.get(r));
  if (missing.length > 0 && !o.bootstrapMissing) await ensureBaseImages(missing, o);
  const requests = new Map<string, { version: string; sha256: string }>();
  for (const c of cells) requests.set(c.release.version, { version: c.release.version, sha256: expectedSha256(c.release) });

  const failures: PostfixMatrixError[] = [];
  const track = <T>(p: Promise<T>): Promise<T> => {
    p.catch((e: unknown) => failures.push(e instanceof PostfixMatrixError ? e : new EnvironmentError((e as Error).message)));
    return p;
  };
  const bases = new Map<string, Promise<void>>();
  let queue: Promise<unknown> = Promise.resolve();
  for (const ref of refs) {
    if (present.get(ref)) bases.set(ref, Promise.resolve());
    else {
      // One debootstrap at a time: each is heavy on disk and network.
      const next = queue.then(() => (o.bootstrap ?? ((r: string) => ensureBaseImages([r], { ...o, bootstrapMissing: true })))(ref));
      queue = next.catch(() => undefined);
      bases.set(ref, track(next));
    }
  }
  const sources = new Map<string, Promise<ResolvedSource>>();
  for (const req of requests.values()) {
    sources.set(req.version, track((o.resolve ?? resolveSource)(req, o.sources).then((r) => noted(r, o.note))));
  }
  return {
    ready: async (baseImage, version) => {
      await bases.get(baseImage);
      return sources.get(version)!;
    },
    failures: () => [...new Set(failures)],
  };
}

function noted(r: ResolvedSource, note: (line: string) => void): ResolvedSource {
  note(`source postfix ${r.version}: ${r.origin}${r.from ? ` (${r.from})` : ""}, sha256 ${r.sha256.slice(0, 12)}…`);
  return r;
}
