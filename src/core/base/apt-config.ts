// Pure parsing of the machine's APT source configuration, so that base images can be
// bootstrapped from (and later updated against) the same Debian mirror the machine uses.
// Nothing here knows a mirror host: every URI comes from the parsed text.
//
// Two formats exist side by side:
//  - one-line:  /etc/apt/sources.list and sources.list.d/*.list
//      deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://host/debian bookworm main
//  - deb822:    sources.list.d/*.sources
//      Types: deb\nURIs: ...\nSuites: ...\nComponents: ...\nSigned-By: ...
// APT ignores files with other suffixes (e.g. `x.list.disabled`, `x.sources.save`).

export interface AptSourceEntry {
  /** `deb` and/or `deb-src`. */
  types: string[];
  uris: string[];
  suites: string[];
  components: string[];
  /** A keyring path (or an inline key block, verbatim) when the entry names one. */
  signedBy: string | undefined;
  /** The file the entry came from, for messages. */
  file: string;
}

export interface AptSourceFile {
  /** Path or name; its suffix (`.list`, `.sources`) selects the format. */
  name: string;
  text: string;
}

export interface DebianMirrors {
  /** The Debian main archive URI (what `debootstrap` downloads from). */
  archive: string | undefined;
  /** The Debian security archive URI (the entry whose suites end with `-security`). */
  security: string | undefined;
}

/** Whether APT reads this file name from sources.list.d (and in which format). */
export function aptSourceFormat(name: string): "one-line" | "deb822" | undefined {
  if (/\.list$/.test(name)) return "one-line";
  if (/\.sources$/.test(name)) return "deb822";
  return undefined;
}

/** Parse a set of files, each by its suffix; files APT would ignore are skipped. */
export function parseAptSourceFiles(files: readonly AptSourceFile[]): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const f of files) {
    const format = aptSourceFormat(f.name);
    if (format === "one-line") out.push(...parseOneLineSources(f.text, f.name));
    else if (format === "deb822") out.push(...parseDeb822Sources(f.text, f.name));
  }
  return out;
}

/** `/etc/apt/sources.list` one-line format. Malformed lines are skipped, as APT would refuse them. */
export function parseOneLineSources(text: string, file = "sources.list"): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (line === "") continue;
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s*)?(\S+)\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const [, type, opts, uri, suite, rest] = m;
    const options = parseOneLineOptions(opts ?? "");
    if (options.get("enabled") === "no") continue;
    out.push({
      types: [type!],
      uris: [uri!],
      suites: [suite!],
      components: words(rest ?? ""),
      signedBy: options.get("signed-by"),
      file,
    });
  }
  return out;
}

/** `sources.list.d/*.sources` deb822 format: stanzas separated by blank lines. */
export function parseDeb822Sources(text: string, file = "debian.sources"): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const stanza of deb822Stanzas(text)) {
    if ((stanza.get("enabled") ?? "yes").trim().toLowerCase() === "no") continue;
    const types = words(stanza.get("types") ?? "");
    const uris = words(stanza.get("uris") ?? "");
    const suites = words(stanza.get("suites") ?? "");
    if (types.length === 0 || uris.length === 0 || suites.length === 0) continue;
    const signed = stanza.get("signed-by")?.trim();
    out.push({
      types,
      uris,
      suites,
      components: words(stanza.get("components") ?? ""),
      signedBy: signed === undefined || signed === "" ? undefined : signed,
      file,
    });
  }
  return out;
}

/**
 * Every Debian suite name and codename the archive has used, so that third-party
 * repositories (e.g. suite `cloud-sdk-bookworm`, `nodistro`) or an Ubuntu archive
 * (`jammy`) are never mistaken for the Debian archive.
 */
const DEBIAN_SUITE_NAMES = new Set([
  "buzz", "rex", "bo", "hamm", "slink", "potato", "woody", "sarge", "etch", "lenny",
  "squeeze", "wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie",
  "forky", "duke", "sid", "experimental", "rc-buggy",
  "stable", "oldstable", "oldoldstable", "testing", "unstable",
]);

/** `bookworm-updates` -> { base: "bookworm", pocket: "updates" }; `buster/updates` is old security. */
export function splitSuite(suite: string): { base: string; pocket: string | undefined } {
  const slash = /^([a-z-]+)\/updates$/.exec(suite);
  if (slash) return { base: slash[1]!, pocket: "security" };
  const m = /^([a-z]+)-(updates|security|backports|backports-sloppy|proposed-updates)$/.exec(suite);
  if (m) return { base: m[1]!, pocket: m[2]! };
  return { base: suite, pocket: undefined };
}

function isDebianSuite(suite: string): boolean {
  return DEBIAN_SUITE_NAMES.has(splitSuite(suite).base);
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

// ---- helpers ---------------------------------------------------------------------------

function trimSlash(uri: string): string {
  return uri.replace(/\/+$/, "");
}

function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== "");
}

/** One-line format: `#` starts a comment anywhere outside the `[...]` options. */
function stripComment(line: string): string {
  const i = line.indexOf("#");
  return i < 0 ? line : line.slice(0, i);
}

/** `arch=amd64 signed-by=/a.gpg,/b.gpg` -> map (names lower-cased; `arch+=` style kept by name). */
function parseOneLineOptions(s: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const w of words(s)) {
    const eq = w.indexOf("=");
    if (eq <= 0) continue;
    map.set(w.slice(0, eq).replace(/[+-]$/, "").toLowerCase(), w.slice(eq + 1));
  }
  return map;
}

/**
 * Split deb822 text into stanzas of field -> value (names lower-cased). Comment lines
 * (`#` in column 0) may sit anywhere, including inside a stanza, and do not end it.
 * Continuation lines start with whitespace; a lone ` .` stands for an empty line.
 */
function deb822Stanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let cur: Map<string, string> | undefined;
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith("#")) continue;
    if (line.trim() === "") {
      cur = undefined;
      last = undefined;
      continue;
    }
    if (/^[ \t]/.test(line)) {
      if (cur && last !== undefined) {
        const t = line.trim();
        cur.set(last, `${cur.get(last)}\n${t === "." ? "" : t}`);
      }
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    if (!cur) {
      cur = new Map();
      stanzas.push(cur);
    }
    last = line.slice(0, colon).trim().toLowerCase();
    cur.set(last, line.slice(colon + 1).trim());
  }
  return stanzas;
}
