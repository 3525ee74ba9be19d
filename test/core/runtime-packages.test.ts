// Runtime libraries derived from the recipe (release + features), before any compile.
import { describe, expect, it } from "vitest";
import { debianRuntimePackages, runtimeLibs } from "../../src/core/recipe/runtime-packages.js";
import { prepareOne } from "./helpers.js";

describe("runtimeLibs", () => {
  it.each([
    [{ features: [], disable: [] }, ["db", "nis"]],
    [{ features: ["tls", "sasl-cyrus", "sasl-dovecot"], disable: ["nis"] }, ["tls", "sasl", "db"]],
    [{ features: ["pcre", "eai"], disable: ["db"] }, ["pcre2", "icu", "nis"]],
    [{ features: ["lmdb", "cdb", "mongodb"], disable: ["db", "nis"] }, ["lmdb", "cdb", "mongodb"]],
  ] as const)("%j -> %j", (o, libs) => {
    expect(runtimeLibs({ ...o, pcre2: true }).sort()).toEqual([...libs].sort());
  });

  it("uses PCRE 1 before Postfix 3.7", () => {
    expect(runtimeLibs({ features: ["pcre"], disable: ["db", "nis"], pcre2: false })).toEqual(["pcre1"]);
  });
});

describe("debianRuntimePackages", () => {
  it.each([
    [
      "debian:bookworm",
      ["tls", "ldap", "db", "icu", "mongodb"],
      ["libbson-1.0-0", "libdb5.3", "libicu72", "libldap-2.5-0", "libmongoc-1.0-0", "libssl3"],
    ],
    [
      "debian:13",
      ["tls", "ldap", "db", "icu", "mongodb"],
      ["libbson-1.0-0t64", "libdb5.3t64", "libicu76", "libldap2", "libmongoc-1.0-0t64", "libssl3t64"],
    ],
    ["ubuntu:24.04", ["tls", "icu"], ["libicu74", "libssl3t64"]],
  ] as const)("%s %j", (image, libs, packages) => {
    expect(debianRuntimePackages(image, libs)).toEqual(packages);
  });

  it("has no table for rolling releases: their images find the libraries with ldd", () => {
    expect(debianRuntimePackages("debian:sid", ["tls"])).toBeUndefined();
    const c = prepareOne({ features: ["tls"] }, { os: "debian:sid" });
    expect(c.recipe.runtimeDerived).toBe(false);
    expect(c.recipe.runtimePackages).toEqual(["openssl"]);
  });

  it("puts every derived library and the feature's tools into the recipe", () => {
    const c = prepareOne({ features: ["tls", "sasl-cyrus", "pcre"], shared: true, dynamicmaps: true }, { os: "debian:trixie" });
    expect(c.recipe.runtimeDerived).toBe(true);
    expect(c.recipe.runtimePackages).toEqual([
      "libdb5.3t64",
      "libnsl2",
      "libpcre2-8-0",
      "libsasl2-2",
      "libsasl2-modules",
      "libssl3t64",
      "openssl",
    ]);
  });

  it("leaves other families to their own scan", () => {
    const c = prepareOne({ features: ["tls"] }, { os: "fedora:42" });
    expect(c.recipe.runtimeDerived).toBe(false);
  });
});
