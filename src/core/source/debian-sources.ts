// Derive deb-src lines from the machine's apt configuration text, and parse the
// little of apt-cache's output we need. Pure: text in, values out.
//
// The machine typically has `deb` entries only. We never touch its apt config: the
// lines produced here go into a private sources.list used with a private apt state.

import { isDebianSuite, parseAptSourceFiles, splitSuite, type AptSourceFile } from "../apt/sources.js";

/** Suites where Postfix releases live, for the main archive and the security archive. */
export const POSTFIX_MAIN_SUITES: readonly string[] = ["bookworm", "bookworm-updates", "trixie", "trixie-updates", "sid"];
export const POSTFIX_SECURITY_SUITES: readonly string[] = ["bookworm-security", "trixie-security"];

/** URI schemes APT itself can fetch from (the private apt state is used by apt, not debootstrap). */
const APT_URI = /^(https?|file|cdrom|mirror\+\w+|tor\+\w+):/;

function normUri(uri: string): string {
  return uri.replace(/\/+$/, "");
}

/**
 * A deb822 Signed-By as a one-line `signed-by=` value: keyring paths or fingerprints,
 * comma-separated. An inline key block cannot be written on one line: it is dropped.
 */
function oneLineSignedBy(signed: string | undefined): string | undefined {
  if (signed === undefined || signed.includes("\n") || signed.includes("BEGIN PGP")) return undefined;
  return signed.split(/\s+/).join(",");
}

/**
 * deb-src lines covering the suites where Postfix releases live, for each Debian archive
 * the machine already uses: one line per suite, component `main`, keeping its `signed-by`.
 * Main archive: the machine's suites plus POSTFIX_MAIN_SUITES; security archive (an
 * archive whose suites end in -security): its suites plus POSTFIX_SECURITY_SUITES.
 * Entries that are not Debian (no Debian suite name) are ignored.
 */
export function deriveDebSrcLines(files: readonly AptSourceFile[]): string[] {
  interface Archive {
    uri: string;
    security: boolean;
    signedBy?: string;
    suites: string[];
  }
  const archives: Archive[] = [];
  const add = (uri: string, suite: string, signedBy: string | undefined) => {
    const security = splitSuite(suite).pocket === "security";
    let a = archives.find((x) => x.uri === uri && x.security === security);
    if (!a) {
      a = { uri, security, suites: [] };
      archives.push(a);
    }
    if (!a.signedBy && signedBy) a.signedBy = signedBy;
    if (!a.suites.includes(suite)) a.suites.push(suite);
  };
  for (const e of parseAptSourceFiles(files)) {
    if (!e.types.some((t) => t === "deb" || t === "deb-src")) continue;
    const suites = e.suites.filter(isDebianSuite);
    const signedBy = oneLineSignedBy(e.signedBy);
    for (const uri of e.uris.map(normUri).filter((u) => APT_URI.test(u))) {
      for (const suite of suites) add(uri, suite, signedBy);
    }
  }
  const lines: string[] = [];
  for (const a of archives) {
    const wanted = [...a.suites, ...(a.security ? POSTFIX_SECURITY_SUITES : POSTFIX_MAIN_SUITES)];
    // Old-style security suites ("bullseye/updates") live on the security archive too;
    // keep them, they are harmless and may hold older releases.
    const opts = a.signedBy ? `[signed-by=${a.signedBy}] ` : "";
    for (const suite of [...new Set(wanted)]) {
      const line = `deb-src ${opts}${a.uri} ${suite} main`;
      if (!lines.includes(line)) lines.push(line);
    }
  }
  return lines;
}

/** Debian version to upstream version: strip an epoch (`1:`) and the `-revision`. */
export function upstreamOfDebianVersion(debVersion: string): string {
  let v = debVersion.trim();
  const colon = v.indexOf(":");
  if (colon >= 0 && /^\d+$/.test(v.slice(0, colon))) v = v.slice(colon + 1);
  const dash = v.lastIndexOf("-");
  return dash >= 0 ? v.slice(0, dash) : v;
}

/** `apt-cache showsrc` output: versions of source package `pkg`, in the order shown. */
export function parseShowSrcVersions(text: string, pkg: string): string[] {
  const versions: string[] = [];
  for (const stanza of text.split(/\r?\n\s*\r?\n/)) {
    let name: string | undefined;
    let version: string | undefined;
    for (const line of stanza.split(/\r?\n/)) {
      const m = /^(Package|Version):\s*(\S+)/.exec(line);
      if (!m) continue;
      if (m[1] === "Package") name = m[2];
      else version = m[2];
    }
    if (name === pkg && version && !versions.includes(version)) versions.push(version);
  }
  return versions;
}

/** Debian versions whose upstream part is exactly `version`. */
export function debianVersionsFor(showSrcText: string, version: string, pkg = "postfix"): string[] {
  return parseShowSrcVersions(showSrcText, pkg).filter((v) => upstreamOfDebianVersion(v) === version);
}
