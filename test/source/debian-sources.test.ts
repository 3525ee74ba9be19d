import { describe, expect, it } from "vitest";
import { parseDeb822Sources, parseOneLineSources } from "../../src/core/apt/sources.js";
import {
  debianVersionsFor,
  deriveDebSrcLines,
  parseShowSrcVersions,
  upstreamOfDebianVersion,
} from "../../src/core/source/debian-sources.js";

const KEY = "/usr/share/keyrings/debian-archive-keyring.gpg";
const M = "http://mirror.invalid/debian";
const S = "http://security.invalid/debian-security";

const MAIN_SUITES = ["bookworm", "bookworm-updates", "trixie", "trixie-updates", "sid"];
const SEC_SUITES = ["bookworm-security", "trixie-security"];
const lines = (uri: string, suites: string[], key?: string) =>
  suites.map((s) => `deb-src ${key ? `[signed-by=${key}] ` : ""}${uri} ${s} main`);

const DEB822 = `Types: deb
# ${M}
URIs: ${M}
Suites: bookworm bookworm-updates
Components: main
Signed-By: ${KEY}

Types: deb
# ${S}
URIs: ${S}
Suites: bookworm-security
Components: main
Signed-By: ${KEY}
`;

describe("deriveDebSrcLines", () => {
  it.each<[string, { path: string; text: string }[], string[]]>([
    [
      "deb822 with main and security stanzas (like this machine)",
      [{ path: "/etc/apt/sources.list.d/debian.sources", text: DEB822 }],
      [...lines(M, MAIN_SUITES, KEY), ...lines(S, SEC_SUITES, KEY)],
    ],
    [
      "one-line format with options and a trailing slash",
      [
        {
          path: "/etc/apt/sources.list",
          text: [
            "# comment",
            `deb [arch=amd64 signed-by=${KEY}] ${M}/ bookworm main contrib non-free-firmware`,
            `deb ${M} bookworm-updates main`,
            `deb ${S} bookworm-security main # trailing comment`,
            "",
          ].join("\n"),
        },
      ],
      [...lines(M, MAIN_SUITES, KEY), ...lines(S, SEC_SUITES)],
    ],
    [
      "own extra suites are kept (backports), main archive gets the Postfix suites",
      [{ path: "/etc/apt/sources.list", text: `deb ${M} bookworm-backports main\n` }],
      lines(M, ["bookworm-backports", ...MAIN_SUITES]),
    ],
    [
      "trixie machine",
      [
        {
          path: "/etc/apt/sources.list.d/debian.sources",
          text: `Types: deb deb-src\nURIs: ${M}\nSuites: trixie trixie-updates\nComponents: main\n\nTypes: deb\nURIs: ${S}\nSuites: trixie-security\nComponents: main\n`,
        },
      ],
      [
        ...lines(M, ["trixie", "trixie-updates", "bookworm", "bookworm-updates", "sid"]),
        ...lines(S, ["trixie-security", "bookworm-security"]),
      ],
    ],
    [
      "non-Debian and disabled entries are ignored",
      [
        { path: "/etc/apt/sources.list", text: "deb http://ubuntu.invalid/ubuntu jammy main\n" },
        {
          path: "/etc/apt/sources.list.d/other.sources",
          text: `Types: deb\nURIs: http://vendor.invalid/repo\nSuites: nodistro\nComponents: main\n\nEnabled: no\nTypes: deb\nURIs: ${M}\nSuites: bookworm\nComponents: main\n`,
        },
      ],
      [],
    ],
    [
      "the same archive from both files is listed once; embedded keys are dropped",
      [
        { path: "/etc/apt/sources.list", text: `deb ${M} bookworm main\n` },
        {
          path: "/etc/apt/sources.list.d/debian.sources",
          text: `Types: deb\nURIs: ${M}/\nSuites: bookworm\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n xyz\n -----END PGP PUBLIC KEY BLOCK-----\n`,
        },
      ],
      lines(M, MAIN_SUITES),
    ],
    ["empty configuration", [], []],
  ])("%s", (_name, files, expected) => {
    expect(deriveDebSrcLines(files)).toEqual(expected);
  });

  it("never invents a host: every line uses a URI from the input", () => {
    for (const l of deriveDebSrcLines([{ path: "x.sources", text: DEB822 }])) {
      expect(l.includes(M) || l.includes(S)).toBe(true);
    }
  });
});

describe("parsers (core/apt/sources.ts, as used here)", () => {
  it("parses one-line entries", () => {
    expect(parseOneLineSources(`deb-src [ signed-by=${KEY} ] ${M} sid main contrib`, "f.list")).toEqual([
      { types: ["deb-src"], uris: [M], suites: ["sid"], components: ["main", "contrib"], signedBy: KEY, file: "f.list" },
    ]);
    expect(parseOneLineSources("garbage line\n#deb x y z")).toEqual([]);
  });

  it("parses deb822 stanzas with comments and several URIs", () => {
    expect(parseDeb822Sources(`# top\nTypes: deb\nURIs: ${M} ${S}\nSuites: bookworm\nComponents: main\n`, "f.sources")).toEqual([
      { types: ["deb"], uris: [M, S], suites: ["bookworm"], components: ["main"], signedBy: undefined, file: "f.sources" },
    ]);
  });
});

describe("deriveDebSrcLines edge cases", () => {
  it("uses every URI of a deb822 stanza", () => {
    const text = `Types: deb\nURIs: ${M} http://other.invalid/debian\nSuites: sid\nComponents: main\n`;
    expect(deriveDebSrcLines([{ path: "d.sources", text }])).toEqual([
      ...lines(M, ["sid", ...MAIN_SUITES.filter((s) => s !== "sid")]),
      ...lines("http://other.invalid/debian", ["sid", ...MAIN_SUITES.filter((s) => s !== "sid")]),
    ]);
  });

  it("writes several deb822 keyrings as one comma-separated signed-by", () => {
    const text = `Types: deb\nURIs: ${M}\nSuites: bookworm\nComponents: main\nSigned-By: /a.gpg /b.gpg\n`;
    expect(deriveDebSrcLines([{ path: "d.sources", text }])[0]).toBe(`deb-src [signed-by=/a.gpg,/b.gpg] ${M} bookworm main`);
  });

  it("skips one-line entries disabled with [enabled=no]", () => {
    expect(deriveDebSrcLines([{ path: "/etc/apt/sources.list", text: `deb [enabled=no] ${M} bookworm main\n` }])).toEqual([]);
  });

  it("does not take the debug-symbols archive (suite *-debug) for a source archive", () => {
    const text = "deb http://debug.invalid/debian-debug bookworm-debug main\n";
    expect(deriveDebSrcLines([{ path: "/etc/apt/sources.list", text }])).toEqual([]);
  });

  it("ignores files APT ignores", () => {
    expect(deriveDebSrcLines([{ path: "/etc/apt/sources.list.d/old.list.disabled", text: `deb ${M} bookworm main\n` }])).toEqual([]);
  });
});

describe("Debian versions", () => {
  it.each([
    ["3.10.13-0+deb13u1", "3.10.13"],
    ["3.7.11-0+deb12u1", "3.7.11"],
    ["1:3.7.11-0+deb12u1", "3.7.11"],
    ["3.9.0-1~bpo12+1", "3.9.0"],
    ["3.9.0", "3.9.0"],
    ["3.8.4-1-2", "3.8.4-1"],
  ])("upstream of %s is %s", (deb, up) => {
    expect(upstreamOfDebianVersion(deb)).toBe(up);
  });

  const SHOWSRC = `Package: postfix
Binary: postfix, postfix-ldap
Version: 3.7.11-0+deb12u1
Files:
 abc 123 postfix_3.7.11.orig.tar.gz

Package: postfix
Binary: postfix
Version: 3.10.13-0+deb13u1

Package: postfix-gld
Version: 3.7.11-1

Package: postfix
Version: 3.7.11-0+deb12u1
`;

  it("parses apt-cache showsrc output", () => {
    expect(parseShowSrcVersions(SHOWSRC, "postfix")).toEqual(["3.7.11-0+deb12u1", "3.10.13-0+deb13u1"]);
    expect(debianVersionsFor(SHOWSRC, "3.10.13")).toEqual(["3.10.13-0+deb13u1"]);
    expect(debianVersionsFor(SHOWSRC, "3.7.11")).toEqual(["3.7.11-0+deb12u1"]);
    expect(debianVersionsFor(SHOWSRC, "3.7.1")).toEqual([]);
    expect(debianVersionsFor("", "3.7.11")).toEqual([]);
  });
});
