// Pure: which of the machine's APT sources is the Debian mirror, so that base images
// can be bootstrapped from (and later updated against) the same mirror the machine
// uses. Parsing lives in core/apt/sources.ts; nothing here knows a mirror host.

import { isDebianSuite, splitSuite, type AptSourceEntry } from "../apt/sources.js";

export interface DebianMirrors {
  /** The Debian main archive URI (what `debootstrap` downloads from). */
  archive: string | undefined;
  /** The Debian security archive URI (the entry whose suites end with `-security`). */
  security: string | undefined;
}

/** Schemes `debootstrap` can download from (APT-only methods such as `mirror+file:` or `tor+http:` are not). */
function isFetchableUri(uri: string): boolean {
  return /^(https?|file):/i.test(uri);
}

/**
 * Pick the Debian main archive and the Debian security archive from parsed entries,
 * first match in APT's file order. Only binary (`deb`) entries with Debian suite names count.
 */
export function pickDebianMirrors(entries: readonly AptSourceEntry[]): DebianMirrors {
  let archive: string | undefined;
  let security: string | undefined;
  for (const e of entries) {
    if (!e.types.includes("deb")) continue;
    const debianSuites = e.suites.filter(isDebianSuite);
    if (debianSuites.length === 0) continue;
    const uri = e.uris.find(isFetchableUri);
    if (uri === undefined) continue;
    const isSecurity = debianSuites.some((s) => splitSuite(s).pocket === "security");
    const isArchive = debianSuites.some((s) => {
      const p = splitSuite(s).pocket;
      return p === undefined || p === "updates";
    });
    if (isSecurity && security === undefined) security = trimSlash(uri);
    if (isArchive && !isSecurity && archive === undefined) archive = trimSlash(uri);
  }
  return { archive, security };
}

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, "");
}
