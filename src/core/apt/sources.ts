// Pure parsing of APT source configuration: the one parser for the machine's
// /etc/apt/sources.list and sources.list.d (base images pick their mirror from it, the
// Debian source fallback derives deb-src lines from it). Nothing here knows a mirror
// host: every URI comes from the parsed text.
//
// Two formats exist side by side:
//  - one-line:  /etc/apt/sources.list and sources.list.d/*.list
//      deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://host/debian bookworm main
//  - deb822:    sources.list.d/*.sources
//      Types: deb\nURIs: ...\nSuites: ...\nComponents: ...\nSigned-By: ...
// APT ignores files with other suffixes (e.g. `x.list.disabled`, `x.sources.save`).

/** One file of APT configuration, as read. */
export interface AptSourceFile {
  /** Path (or name); its suffix (`.list`, `.sources`) selects the format. */
  path: string;
  text: string;
}

/** One enabled entry (a one-line line or a deb822 stanza). */
export interface AptSourceEntry {
  /** `deb` and/or `deb-src`. */
  types: string[];
  /** Several only in deb822 (APT uses each with every suite). */
  uris: string[];
  suites: string[];
  components: string[];
  /** Keyring paths or fingerprints (or a deb822 inline key block), verbatim. */
  signedBy: string | undefined;
  /** The file the entry came from, for messages. */
  file: string;
}

/**
 * Whether APT reads this file (and in which format): `.list` or `.sources`, and (as
 * sources.list(5) says for sources.list.d) a name of letters, digits, `_`, `-` and `.` only.
 */
export function aptSourceFormat(pathOrName: string): "one-line" | "deb822" | undefined {
  const name = pathOrName.slice(pathOrName.lastIndexOf("/") + 1);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return undefined;
  if (name.endsWith(".list")) return "one-line";
  if (name.endsWith(".sources")) return "deb822";
  return undefined;
}

/** Parse a set of files, each by its suffix, in the order given; files APT would ignore are skipped. */
export function parseAptSourceFiles(files: readonly AptSourceFile[]): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const f of files) {
    const format = aptSourceFormat(f.path);
    if (format === "one-line") out.push(...parseOneLineSources(f.text, f.path));
    else if (format === "deb822") out.push(...parseDeb822Sources(f.text, f.path));
  }
  return out;
}

/** One-line format. Malformed lines are skipped (APT would refuse them). */
export function parseOneLineSources(text: string, file = "sources.list"): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (line === "") continue;
    // APT allows no space after `]`.
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s*)?(\S+)\s+(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const [, type, opts, uri, suite, rest] = m;
    const options = parseOneLineOptions(opts ?? "");
    if (isDisabled(options.get("enabled"))) continue;
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

/** deb822 format: stanzas separated by blank lines. Stanzas without types, URIs or suites are skipped. */
export function parseDeb822Sources(text: string, file = "debian.sources"): AptSourceEntry[] {
  const out: AptSourceEntry[] = [];
  for (const stanza of deb822Stanzas(text)) {
    if (isDisabled(stanza.get("enabled"))) continue;
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
  "buzz",
  "rex",
  "bo",
  "hamm",
  "slink",
  "potato",
  "woody",
  "sarge",
  "etch",
  "lenny",
  "squeeze",
  "wheezy",
  "jessie",
  "stretch",
  "buster",
  "bullseye",
  "bookworm",
  "trixie",
  "forky",
  "duke",
  "sid",
  "experimental",
  "rc-buggy",
  "stable",
  "oldstable",
  "oldoldstable",
  "testing",
  "unstable",
]);

/** `bookworm-updates` -> { base: "bookworm", pocket: "updates" }; `buster/updates` is old security. */
export function splitSuite(suite: string): { base: string; pocket: string | undefined } {
  const slash = /^([a-z-]+)\/updates$/.exec(suite);
  if (slash) return { base: slash[1]!, pocket: "security" };
  const m = /^([a-z]+)-(updates|security|backports|backports-sloppy|proposed-updates)$/.exec(suite);
  if (m) return { base: m[1]!, pocket: m[2]! };
  return { base: suite, pocket: undefined };
}

/** A suite of the Debian archive itself (a Debian codename or alias, with a known pocket). */
export function isDebianSuite(suite: string): boolean {
  return DEBIAN_SUITE_NAMES.has(splitSuite(suite).base);
}

// ---- helpers ---------------------------------------------------------------------------

function words(s: string): string[] {
  return s.split(/\s+/).filter((w) => w !== "");
}

/** APT's boolean parsing (StringToBool): these mean false; anything else keeps the default (enabled). */
function isDisabled(value: string | undefined): boolean {
  return ["no", "false", "without", "off", "disable", "0"].includes((value ?? "").trim().toLowerCase());
}

/** One-line format: `#` starts a comment anywhere on the line (APT cuts at the first one). */
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
 * (`#` in column 0, as in APT) may sit anywhere, including inside a stanza, and do not
 * end it. Continuation lines start with whitespace; a lone ` .` stands for an empty line.
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
