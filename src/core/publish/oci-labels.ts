// The OCI annotations every image carries, so `docker inspect` tells what it is and how it
// was made. Pure: the build's facts (time, repository revision) come in as arguments.
import type { PreparedCell } from "../prepare.js";

export const OPTIONS_LABEL = "org.postfix-matrix.options";
export const VERIFICATION_LABEL = "org.postfix-matrix.verification";
/** Postfix's own licence (IBM Public License 1.0 or Eclipse Public License 2.0). */
export const POSTFIX_LICENSES = "IPL-1.0 OR EPL-2.0";

export interface Provenance {
  /** SOURCE_DATE_EPOCH in seconds, when known: `.created` is that moment. */
  sourceDateEpoch?: number;
  /** The matrix repository's URL and commit, when it is a git checkout. */
  source?: string;
  revision?: string;
}

export function ociLabels(matrix: { name: string; description?: string }, c: PreparedCell, p: Provenance): Record<string, string> {
  const description = [`Postfix ${c.recipe.version} on ${c.cell.os}, options ${c.cell.optionsName}`, matrix.description]
    .filter(Boolean)
    .join(" - ");
  return {
    "org.opencontainers.image.title": `postfix ${c.cell.id}`,
    "org.opencontainers.image.version": c.recipe.version,
    "org.opencontainers.image.description": description,
    "org.opencontainers.image.licenses": POSTFIX_LICENSES,
    ...(p.sourceDateEpoch !== undefined ? { "org.opencontainers.image.created": new Date(p.sourceDateEpoch * 1000).toISOString() } : {}),
    ...(p.source ? { "org.opencontainers.image.source": p.source } : {}),
    ...(p.revision ? { "org.opencontainers.image.revision": p.revision } : {}),
    "org.opencontainers.image.base.name": c.cell.os,
    [OPTIONS_LABEL]: JSON.stringify({ matrix: matrix.name, values: c.cell.values, options: c.cell.options }),
  };
}

/** `https://user:token@host/x.git` -> `https://host/x.git`: no credentials in a label. */
export function publicSourceUrl(url: string): string | undefined {
  const u = url.trim();
  if (!u) return undefined;
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(u);
  if (scp) return `https://${scp[1]}/${scp[2]}`;
  try {
    const parsed = new URL(u);
    if (parsed.protocol === "file:") return undefined;
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return undefined;
  }
}
