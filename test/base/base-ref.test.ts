import { describe, expect, it } from "vitest";

import { buildImageSources, debootstrapArgv, parseBaseRef, SUPPORTED_BASE_REFS } from "../../src/core/base/base-ref.js";
import { ConfigError } from "../../src/errors.js";

describe("parseBaseRef", () => {
  it.each([
    ["debian:bookworm", { suite: "bookworm", repo: "debian", tag: "bookworm" }],
    ["debian:trixie", { suite: "trixie", repo: "debian", tag: "trixie" }],
    ["debian:forky", { suite: "forky", repo: "debian", tag: "forky" }],
    ["debian:sid", { suite: "sid", repo: "debian", tag: "sid" }],
    ["debian:unstable", { suite: "unstable", repo: "debian", tag: "unstable" }],
    ["debian:testing", { suite: "testing", repo: "debian", tag: "testing" }],
    ["debian:12", { suite: "bookworm", repo: "debian", tag: "12" }],
    ["debian:13", { suite: "trixie", repo: "debian", tag: "13" }],
    ["  debian:bookworm ", { suite: "bookworm", repo: "debian", tag: "bookworm" }],
    ["postfix-matrix-test/debian:bookworm", { suite: "bookworm", repo: "postfix-matrix-test/debian", tag: "bookworm" }],
  ])("%s", (input, want) => {
    const got = parseBaseRef(input);
    expect(got).toEqual({ distro: "debian", ref: `${want.repo}:${want.tag}`, ...want });
  });

  it.each([
    ["ubuntu:24.04", undefined],
    ["fedora:41", undefined],
    ["alpine:3.20", undefined],
    ["debian", "give the suite as the tag"],
    ["debian:latest", undefined],
    ["debian:buster", undefined],
    ["debian:bookworm-slim", undefined],
    ["Debian:bookworm", undefined],
    ["debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "digest"],
    ["debian:bookworm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "digest"],
    ["registry.invalid/debian:bookworm", "registry host"],
    ["localhost:5000/debian:bookworm", "registry host"],
    ["localhost/debian:bookworm", "registry host"],
    ["library/ubuntu:noble", undefined],
    ["", undefined],
  ])("rejects %j", (input, hint) => {
    let err: unknown;
    try {
      parseBaseRef(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.issues).toHaveLength(1);
    expect(ce.issues[0]!.file).toBe("<command line>");
    expect(ce.issues[0]!.path).toBe("ref");
    expect(ce.issues[0]!.message).toBe(
      `cannot bootstrap ${input.trim() || '""'}: only Debian suites can be bootstrapped offline (debootstrap); ` +
        `supported: ${SUPPORTED_BASE_REFS.join(", ")}`,
    );
    if (hint) expect(ce.hint).toContain(hint);
  });

  it("lists the supported references in the message", () => {
    expect(() => parseBaseRef("ubuntu:noble")).toThrow(
      /^<command line>: ref: cannot bootstrap ubuntu:noble: only Debian suites can be bootstrapped offline \(debootstrap\); supported: debian:bookworm, debian:trixie, /,
    );
  });
});

const mirrors = { archive: "http://mirror.invalid/debian", security: "http://mirror.invalid/debian-security" };
const stanza = (uri: string, suites: string) =>
  `Types: deb\nURIs: ${uri}\nSuites: ${suites}\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`;

describe("buildImageSources", () => {
  it.each([
    ["bookworm", `${stanza(mirrors.archive, "bookworm bookworm-updates")}\n${stanza(mirrors.security, "bookworm-security")}`],
    ["trixie", `${stanza(mirrors.archive, "trixie trixie-updates")}\n${stanza(mirrors.security, "trixie-security")}`],
    ["sid", stanza(mirrors.archive, "sid")],
    ["unstable", stanza(mirrors.archive, "unstable")],
  ])("%s", (suite, want) => {
    expect(buildImageSources(suite, mirrors)).toBe(want);
  });

  it("leaves out the security stanza when the machine has no security archive", () => {
    expect(buildImageSources("bookworm", { archive: mirrors.archive })).toBe(stanza(mirrors.archive, "bookworm bookworm-updates"));
  });
});

describe("debootstrapArgv", () => {
  it.each([
    ["bookworm", ["--variant=minbase", "bookworm", "/w/rootfs", "http://mirror.invalid/debian"]],
    ["trixie", ["--variant=minbase", "trixie", "/w/rootfs", "http://mirror.invalid/debian"]],
    ["sid", ["--variant=minbase", "sid", "/w/rootfs", "http://mirror.invalid/debian"]],
    // Debian 12's debootstrap has no forky script: name sid's explicitly.
    ["forky", ["--variant=minbase", "forky", "/w/rootfs", "http://mirror.invalid/debian", "sid"]],
  ])("%s", (suite, want) => {
    expect(debootstrapArgv(suite, "/w/rootfs", "http://mirror.invalid/debian")).toEqual(want);
  });
});
