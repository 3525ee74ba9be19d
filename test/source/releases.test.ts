import { describe, expect, it } from "vitest";
import { SourceError } from "../../src/errors.js";
import {
  KNOWN_RELEASES,
  assertValidVersion,
  expectedSha256,
  isValidVersion,
  knownSha256,
  tarballName,
} from "../../src/core/source/releases.js";

const SHA_3_7_11 = "8451fb343692b23cba105b6a194a27a6f32ff21bd2c3bb2fed5ac50d0631deda";
const SHA_3_10_13 = "de6526fb11bbf20fcfa5aa4b67e88cc6b246cad614a9bcb4b006f457ba3788bc";
const OTHER = "a".repeat(64);

describe("releases table", () => {
  it("holds exactly the two checked releases", () => {
    expect(KNOWN_RELEASES).toEqual({ "3.7.11": SHA_3_7_11, "3.10.13": SHA_3_10_13 });
    expect(knownSha256("3.10.13")).toBe(SHA_3_10_13);
    expect(knownSha256("3.9.9")).toBeUndefined();
    expect(knownSha256("toString")).toBeUndefined();
  });

  it.each([
    ["3.7.11", true],
    ["3.10.13", true],
    ["3.11", true],
    ["3.10-RC1", true],
    ["3.11-20250101", true],
    ["3", false],
    ["3.10.13.1", false],
    ["../3.10.13", false],
    ["3.10.13; rm -rf /", false],
    ["3.10.13 ", false],
    ["", false],
    ["3.10-RC1-x", false],
  ])("version %j valid: %s", (v, ok) => {
    expect(isValidVersion(v)).toBe(ok);
    if (ok) expect(() => assertValidVersion(v)).not.toThrow();
    else expect(() => assertValidVersion(v)).toThrow(SourceError);
  });

  it("names the upstream tarball", () => {
    expect(tarballName("3.10.13")).toBe("postfix-3.10.13.tar.gz");
    expect(() => tarballName("x/y")).toThrow(SourceError);
  });
});

describe("expectedSha256", () => {
  it.each([
    [{ version: "3.7.11" }, SHA_3_7_11],
    [{ version: "3.10.13" }, SHA_3_10_13],
    [{ version: "3.10.13", sha256: SHA_3_10_13 }, SHA_3_10_13],
    [{ version: "3.10.13", sha256: SHA_3_10_13.toUpperCase() }, SHA_3_10_13],
    [{ version: "3.9.9", sha256: OTHER }, OTHER],
  ])("%j -> %s", (req, sha) => {
    expect(expectedSha256(req)).toBe(sha);
  });

  it("rejects an unknown version without a checksum", () => {
    expect(() => expectedSha256({ version: "3.9.9" })).toThrow(SourceError);
    expect(() => expectedSha256({ version: "3.9.9" })).toThrow(
      "unknown Postfix version 3.9.9: no checksum known; give `sha256:` for it in the matrix",
    );
  });

  it("rejects a given checksum that differs from the table", () => {
    expect(() => expectedSha256({ version: "3.7.11", sha256: OTHER })).toThrow(/differs from the known/);
  });

  it("rejects a malformed checksum and a malformed version", () => {
    expect(() => expectedSha256({ version: "3.9.9", sha256: "abc" })).toThrow(SourceError);
    expect(() => expectedSha256({ version: "3.9.9/..", sha256: OTHER })).toThrow(/invalid Postfix version/);
  });
});
