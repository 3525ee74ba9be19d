import { describe, expect, it } from "vitest";

import {
  aptSourceFormat,
  isDebianSuite,
  parseAptSourceFiles,
  parseDeb822Sources,
  parseOneLineSources,
  splitSuite,
  type AptSourceEntry,
} from "../../src/core/apt/sources.js";
import { pickDebianMirrors } from "../../src/core/base/apt-config.js";

const DEB822 = `# Debian archive, as in the official images
Types: deb
# http://snapshot.invalid/archive/debian/20250520T000000Z
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
# http://snapshot.invalid/archive/debian-security/20250520T000000Z
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

describe("parseDeb822Sources", () => {
  it("reads two stanzas with comments inside and between them", () => {
    expect(parseDeb822Sources(DEB822, "debian.sources")).toEqual<AptSourceEntry[]>([
      {
        types: ["deb"],
        uris: ["http://mirror.invalid/debian"],
        suites: ["bookworm", "bookworm-updates"],
        components: ["main"],
        signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
        file: "debian.sources",
      },
      {
        types: ["deb"],
        uris: ["http://mirror.invalid/debian-security"],
        suites: ["bookworm-security"],
        components: ["main"],
        signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg",
        file: "debian.sources",
      },
    ]);
  });

  it.each([
    [
      "case-insensitive field names, several types and URIs, no Signed-By",
      "types: deb deb-src\nuris: http://a.invalid/debian http://b.invalid/debian\nsuites: trixie\ncomponents: main contrib\n",
      [
        {
          types: ["deb", "deb-src"],
          uris: ["http://a.invalid/debian", "http://b.invalid/debian"],
          suites: ["trixie"],
          components: ["main", "contrib"],
          signedBy: undefined,
          file: "x.sources",
        },
      ],
    ],
    ["Enabled: no is skipped", "Enabled: no\nTypes: deb\nURIs: http://a.invalid/debian\nSuites: sid\nComponents: main\n", []],
    [
      "inline key as a multi-line Signed-By",
      "Types: deb\nURIs: http://a.invalid/debian\nSuites: sid\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n -----END PGP PUBLIC KEY BLOCK-----\n",
      [
        {
          types: ["deb"],
          uris: ["http://a.invalid/debian"],
          suites: ["sid"],
          components: ["main"],
          signedBy: "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----",
          file: "x.sources",
        },
      ],
    ],
    ["stanza without URIs is skipped", "Types: deb\nSuites: sid\n", []],
    [
      "Enabled: false (any APT false word) is skipped",
      "Types: deb\nURIs: http://a.invalid/debian\nSuites: sid\nEnabled: False\n\nTypes: deb\nURIs: http://a.invalid/debian\nSuites: sid\nEnabled: off\n",
      [],
    ],
    [
      "Enabled: yes is kept",
      "Types: deb\nURIs: http://a.invalid/debian\nSuites: sid\nComponents: main\nEnabled: yes\n",
      [
        {
          types: ["deb"],
          uris: ["http://a.invalid/debian"],
          suites: ["sid"],
          components: ["main"],
          signedBy: undefined,
          file: "x.sources",
        },
      ],
    ],
    [
      "CRLF line ends",
      "Types: deb\r\nURIs: http://a.invalid/debian\r\nSuites: sid\r\nComponents: main\r\n",
      [
        {
          types: ["deb"],
          uris: ["http://a.invalid/debian"],
          suites: ["sid"],
          components: ["main"],
          signedBy: undefined,
          file: "x.sources",
        },
      ],
    ],
  ])("%s", (_name, text, want) => {
    expect(parseDeb822Sources(text, "x.sources")).toEqual(want);
  });
});

describe("parseOneLineSources", () => {
  const entry = (over: Partial<AptSourceEntry>): AptSourceEntry => ({
    types: ["deb"],
    uris: ["http://mirror.invalid/debian"],
    suites: ["bookworm"],
    components: ["main"],
    signedBy: undefined,
    file: "sources.list",
    ...over,
  });
  it.each([
    ["plain", "deb http://mirror.invalid/debian bookworm main", [entry({})]],
    [
      "[signed-by=...] option and several components",
      "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.invalid/debian bookworm main contrib non-free-firmware",
      [entry({ signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg", components: ["main", "contrib", "non-free-firmware"] })],
    ],
    [
      "options with spaces inside the brackets",
      "deb [ arch=amd64 signed-by=/k.gpg ] http://mirror.invalid/debian-security bookworm-security main",
      [entry({ signedBy: "/k.gpg", uris: ["http://mirror.invalid/debian-security"], suites: ["bookworm-security"] })],
    ],
    [
      "comments and blank lines",
      "# deb http://x.invalid/debian sid main\n\n   \ndeb http://mirror.invalid/debian bookworm main # trailing\n",
      [entry({})],
    ],
    ["deb-src", "deb-src http://mirror.invalid/debian bookworm main", [entry({ types: ["deb-src"] })]],
    ["malformed line is skipped", "deb http://mirror.invalid/debian\nrpm http://x.invalid/ f41 main\n", []],
    ["enabled=no", "deb [enabled=no] http://mirror.invalid/debian bookworm main", []],
    ["enabled=false", "deb [enabled=false] http://mirror.invalid/debian bookworm main", []],
    [
      "no space after the options (APT accepts it)",
      "deb [signed-by=/k.gpg]http://mirror.invalid/debian bookworm main",
      [entry({ signedBy: "/k.gpg" })],
    ],
  ])("%s", (_name, text, want) => {
    expect(parseOneLineSources(text)).toEqual(want);
  });
});

describe("pickDebianMirrors", () => {
  it.each([
    [
      "deb822 archive and security",
      [{ path: "/etc/apt/sources.list.d/debian.sources", text: DEB822 }],
      { archive: "http://mirror.invalid/debian", security: "http://mirror.invalid/debian-security" },
    ],
    [
      "third-party repositories are not the Debian archive",
      [
        { path: "/etc/apt/sources.list", text: "deb https://vendor.invalid/apt cloud-sdk-bookworm main\n" },
        {
          path: "/etc/apt/sources.list.d/nodesource.sources",
          text: "Types: deb\nURIs: https://node.invalid/node_20.x\nSuites: nodistro\nComponents: main\n",
        },
        { path: "/etc/apt/sources.list.d/debian.sources", text: DEB822 },
      ],
      { archive: "http://mirror.invalid/debian", security: "http://mirror.invalid/debian-security" },
    ],
    [
      "one-line format, deb-src ignored, trailing slash trimmed",
      [
        {
          path: "/etc/apt/sources.list",
          text: "deb-src http://src.invalid/debian bookworm main\ndeb http://mirror.invalid/debian/ bookworm main\ndeb http://mirror.invalid/debian-security/ bookworm-security main\n",
        },
      ],
      { archive: "http://mirror.invalid/debian", security: "http://mirror.invalid/debian-security" },
    ],
    [
      "old-style security suite",
      [
        {
          path: "sources.list",
          text: "deb http://mirror.invalid/debian buster main\ndeb http://sec.invalid/debian-security buster/updates main\n",
        },
      ],
      { archive: "http://mirror.invalid/debian", security: "http://sec.invalid/debian-security" },
    ],
    [
      "Ubuntu is not Debian",
      [
        {
          path: "sources.list",
          text: "deb http://ubuntu.invalid/ubuntu noble main\ndeb http://ubuntu.invalid/ubuntu noble-security main\n",
        },
      ],
      { archive: undefined, security: undefined },
    ],
    [
      "files APT ignores are ignored",
      [{ path: "/etc/apt/sources.list.d/debian.sources.disabled", text: DEB822 }],
      { archive: undefined, security: undefined },
    ],
    [
      "APT-only URI schemes are skipped",
      [
        {
          path: "sources.list",
          text: "deb mirror+file:/etc/apt/mirrors.txt bookworm main\ndeb http://mirror.invalid/debian bookworm main\n",
        },
      ],
      { archive: "http://mirror.invalid/debian", security: undefined },
    ],
  ])("%s", (_name, files, want) => {
    expect(pickDebianMirrors(parseAptSourceFiles(files))).toEqual(want);
  });
});

describe("which files APT reads", () => {
  it.each([
    ["/etc/apt/sources.list", "one-line"],
    ["/etc/apt/sources.list.d/debian.sources", "deb822"],
    ["vendor_repo-1.2.list", "one-line"],
    ["/etc/apt/sources.list.d/debian.sources.disabled", undefined],
    ["/etc/apt/sources.list.d/x.list.save", undefined],
    // sources.list(5): only letters, digits, `_`, `-` and `.` in the name.
    ["/etc/apt/sources.list.d/backup~.list", undefined],
    ["/etc/apt/sources.list.d/my repo.sources", undefined],
  ])("%s", (name, want) => {
    expect(aptSourceFormat(name)).toBe(want);
  });
});

describe("Debian suites", () => {
  it.each([
    ["bookworm", true],
    ["bookworm-updates", true],
    ["bookworm-security", true],
    ["bookworm-backports", true],
    ["bookworm-proposed-updates", true],
    ["buster/updates", true],
    ["stretch", true],
    ["stable-security", true],
    ["rc-buggy", true],
    ["bookworm-debug", false],
    ["cloud-sdk-bookworm", false],
    ["nodistro", false],
    ["jammy", false],
    ["noble-security", false],
  ])("%s -> %s", (suite, want) => {
    expect(isDebianSuite(suite)).toBe(want);
  });

  it("splits pockets", () => {
    expect(splitSuite("bookworm-security")).toEqual({ base: "bookworm", pocket: "security" });
    expect(splitSuite("bullseye/updates")).toEqual({ base: "bullseye", pocket: "security" });
    expect(splitSuite("sid")).toEqual({ base: "sid", pocket: undefined });
  });
});
