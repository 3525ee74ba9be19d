// What every run needs before its first build: the base images (nothing is pulled; a missing
// one is bootstrapped on request, else the run stops here) and verified Postfix sources (an
// unknown release fails before anything is fetched). Shared by `run` and `upgrade`.
import { EnvironmentError } from "../errors.js";
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
      const r = await resolveSource(req, o.sources);
      o.note(`source postfix ${r.version}: ${r.origin}${r.from ? ` (${r.from})` : ""}, sha256 ${r.sha256.slice(0, 12)}…`);
      out.set(req.version, r);
    }),
  );
  return out;
}
