// Derive deb-src lines from the machine's apt configuration text, and parse the
// little of apt-cache's output we need. Pure: text in, values out.
//
// The machine typically has `deb` entries only. We never touch its apt config: the
// lines produced here go into a private sources.list used with a private apt state.

/** One file of apt configuration: its path decides the format (`*.sources` is deb822). */
export interface AptSourceFile {
  path: string;
  text: string;
}

/** One (type, URI, suites) entry from either format. */
export interface AptEntry {
  types: string[];
  uri: string;
  suites: string[];
  components: string[];
  /** A keyring path; embedded keys are not carried over (see deriveDebSrcLines). */
  signedBy?: string;
}

/** Suites where Postfix releases live, for the main archive and the security archive. */
export const POSTFIX_MAIN_SUITES: readonly string[] = [
  "bookworm",
  "bookworm-updates",
  "trixie",
  "trixie-updates",
  "sid",
];
export const POSTFIX_SECURITY_SUITES: readonly string[] = ["bookworm-security", "trixie-security"];

const DEBIAN_SUITE_RE =
  /^(?:buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable|experimental)(?:[-/][a-z-]+)?$/;

function isDebianSuite(suite: string): boolean {
  return DEBIAN_SUITE_RE.test(suite);
}

function isSecuritySuite(suite: string): boolean {
  return /-security$/.test(suite) || /\/updates$/.test(suite);
}

/** Parses one-line format (`deb [opts] uri suite comp...`). */
export function parseOneLine(text: string): AptEntry[] {
  const out: AptEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, "").trim();
    if (!line) continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m) continue;
    const [, type, opts, uri, suite, comps] = m;
    const entry: AptEntry = {
      types: [type!],
      uri: uri!,
      suites: [suite!],
      components: (comps ?? "").split(/\s+/).filter(Boolean),
    };
    for (const opt of (opts ?? "").trim().split(/\s+/).filter(Boolean)) {
      const eq = opt.indexOf("=");
      if (eq > 0 && opt.slice(0, eq).toLowerCase() === "signed-by") entry.signedBy = opt.slice(eq + 1);
    }
    out.push(entry);
  }
  return out;
}

/** Parses deb822 format (`*.sources`): stanzas of `Field: value`, continuation lines indented. */
export function parseDeb822(text: string): AptEntry[] {
  const out: AptEntry[] = [];
  const stanzas: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  const flush = () => {
    if (cur.size) stanzas.push(cur);
    cur = new Map();
    last = undefined;
  };
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*#/.test(raw)) continue; // comment lines do not end a stanza
    if (raw.trim() === "") {
      flush();
      continue;
    }
    if (/^\s/.test(raw)) {
      if (last !== undefined) cur.set(last, `${cur.get(last) ?? ""}\n${raw.trim()}`);
      continue;
    }
    const colon = raw.indexOf(":");
    if (colon <= 0) continue;
    last = raw.slice(0, colon).trim().toLowerCase();
    cur.set(last, raw.slice(colon + 1).trim());
  }
  flush();
  const words = (v: string | undefined) => (v ?? "").split(/\s+/).filter(Boolean);
  for (const st of stanzas) {
    const enabled = (st.get("enabled") ?? "yes").trim().toLowerCase();
    if (enabled === "no" || enabled === "false") continue;
    const types = words(st.get("types"));
    const suites = words(st.get("suites"));
    const components = words(st.get("components"));
    const signed = st.get("signed-by")?.trim();
    // A keyring path (or several fingerprints/paths on one line) — not an embedded key block.
    const signedBy = signed && !signed.includes("\n") && !signed.includes("BEGIN PGP") ? signed : undefined;
    for (const uri of words(st.get("uris"))) {
      const e: AptEntry = { types, uri, suites, components };
      if (signedBy) e.signedBy = signedBy.split(/\s+/).join(",");
      out.push(e);
    }
  }
  return out;
}

export function parseAptSourceFiles(files: readonly AptSourceFile[]): AptEntry[] {
  return files.flatMap((f) => (f.path.endsWith(".sources") ? parseDeb822(f.text) : parseOneLine(f.text)));
}

function normUri(uri: string): string {
  return uri.replace(/\/+$/, "");
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
  for (const e of parseAptSourceFiles(files)) {
    if (!e.types.some((t) => t === "deb" || t === "deb-src")) continue;
    const suites = e.suites.filter(isDebianSuite);
    if (suites.length === 0) continue;
    const uri = normUri(e.uri);
    if (!/^(https?|file|cdrom|mirror\+\w+|tor\+\w+):/.test(uri)) continue;
    for (const suite of suites) {
      const security = isSecuritySuite(suite);
      let a = archives.find((x) => x.uri === uri && x.security === security);
      if (!a) {
        a = { uri, security, suites: [] };
        if (e.signedBy) a.signedBy = e.signedBy;
        archives.push(a);
      } else if (!a.signedBy && e.signedBy) {
        a.signedBy = e.signedBy;
      }
      if (!a.suites.includes(suite)) a.suites.push(suite);
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
