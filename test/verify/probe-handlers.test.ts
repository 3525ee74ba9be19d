// The image checks' probe handlers (src/io/verify/probe-handlers.ts) against canned output.
import { describe, expect, it } from "vitest";
import { checksFor, type Probe } from "../../src/core/verify/checks.js";
import { PROBE_HANDLERS, recordMatches, runProbe } from "../../src/io/verify/probe-handlers.js";
import { inDynamicmaps, postfixCheck, relayVerdict } from "../../src/io/verify/probes.js";
import { one } from "../../src/io/verify/text.js";
import { prepareOne } from "../core/helpers.js";
import { fakePostfix } from "./fake-postfix.js";

// Every Probe kind, checked by the compiler both ways (a kind missing here does not compile).
const KINDS = [
  "postfix-check",
  "postconf",
  "map-types",
  "shlib",
  "plugins",
  "lookups",
  "eai",
  "build-record",
  "compiled-defaults",
  "pie",
  "sasl",
  "no-toolchain",
  "compiler",
  "plugin-packages",
  "local-submission",
  "no-listener",
  "chroot",
  "throughput",
  "log-hygiene",
  "mail-delivery",
  "relay-refused",
  "starttls",
  "setgid",
  "queue-modes",
  "config-modes",
  "image-history",
] as const satisfies readonly Probe["kind"][];
const allKinds: [Exclude<Probe["kind"], (typeof KINDS)[number]>] extends [never] ? true : false = true;

describe("the probe handler table", () => {
  it("has one handler for every Probe kind", () => {
    expect(allKinds).toBe(true);
    expect(Object.keys(PROBE_HANDLERS).sort()).toEqual([...KINDS].sort());
  });

  it("handles every probe a fully loaded cell gets", () => {
    const recipe = prepareOne({ shared: true, dynamicmaps: true, pie: true, features: ["tls", "pcre", "eai", "sasl-cyrus"] }).recipe;
    for (const c of checksFor(recipe)) expect(PROBE_HANDLERS, c.name).toHaveProperty([c.probe.kind]);
  });
});

describe("postfix-check", () => {
  it("passes on exit 0 with no output", async () => {
    expect(await postfixCheck(fakePostfix([["postfix check", {}]]))).toEqual({ ok: true, detail: "exit 0, no warnings" });
  });

  it("fails on a warning even with exit 0, and on a non-zero exit", async () => {
    const warn = await runProbe(fakePostfix([["postfix check", { out: "postfix/postfix-script: warning: not owned by root" }]]), {
      kind: "postfix-check",
    });
    expect(warn).toEqual({ ok: false, detail: "exit 0: postfix/postfix-script: warning: not owned by root" });
    const bad = await postfixCheck(fakePostfix([["postfix check", { code: 1, out: "fatal:\n  bad" }]]));
    expect(bad).toEqual({ ok: false, detail: "exit 1: fatal: bad" });
  });

  it("cuts the detail at the given length", async () => {
    const r = await postfixCheck(fakePostfix([["postfix check", { code: 1, out: "x".repeat(1000) }]]), 800);
    expect(r.detail).toBe(`exit 1: ${"x".repeat(800)}`);
  });
});

describe("relay-refused", () => {
  it("passes only on a 4xx/5xx 'Relay access denied'", () => {
    const denied = "554 5.7.1 <someone@relay-test.invalid>: Relay access denied";
    expect(relayVerdict({ accepted: false, code: 554, response: denied })).toEqual({ ok: true, detail: denied });
    expect(relayVerdict({ accepted: false, code: 451, response: "451 4.3.0 temporary failure" }).ok).toBe(false);
    expect(relayVerdict({ accepted: false, response: "connect ECONNREFUSED 127.0.0.1:9" }).ok).toBe(false);
    expect(relayVerdict({ accepted: true, response: "250 2.0.0 Ok: queued" })).toEqual({
      ok: false,
      detail: "ACCEPTED for relay: 250 2.0.0 Ok: queued",
    });
  });
});

describe("the other handlers", () => {
  it("postconf compares the expanded value", async () => {
    const c = fakePostfix([["postconf -xh mail_version", { out: "3.10.13" }]]);
    expect(await runProbe(c, { kind: "postconf", parameter: "mail_version", expect: "3.10.13" })).toEqual({ ok: true, detail: "3.10.13" });
    expect(await runProbe(c, { kind: "postconf", parameter: "mail_version", expect: "3.9.0" })).toEqual({
      ok: false,
      detail: "3.10.13 (expected 3.9.0)",
    });
  });

  it("map-types names what is missing and what should not be there", async () => {
    const c = fakePostfix([["postconf -m", { out: "btree\ncidr\nhash\npcre" }]]);
    expect(await runProbe(c, { kind: "map-types", present: ["hash", "pcre"], absent: ["lmdb"] })).toEqual({
      ok: true,
      detail: "has hash pcre; lacks lmdb",
    });
    expect(await runProbe(c, { kind: "map-types", present: ["lmdb"], absent: ["pcre"] })).toEqual({
      ok: false,
      detail: "missing lmdb unexpected pcre",
    });
  });

  it("shlib wants every libpostfix from exactly the directory", async () => {
    const ldd = (dir: string) =>
      `libpostfix-util.so => ${dir}/libpostfix-util.so (0x1)\nlibpostfix-global.so => ${dir}/libpostfix-global.so (0x2)`;
    const good = fakePostfix([["ldd", { out: ldd("/usr/lib/postfix") }]]);
    expect(await runProbe(good, { kind: "shlib", directory: "/usr/lib/postfix" })).toEqual({
      ok: true,
      detail: "2 libpostfix libraries from /usr/lib/postfix",
    });
    const sub = fakePostfix([["ldd", { out: ldd("/usr/lib/postfix/3.10.13") }]]);
    expect((await runProbe(sub, { kind: "shlib", directory: "/usr/lib/postfix" })).ok).toBe(false);
    expect(await runProbe(fakePostfix([["ldd", { code: 1 }]]), { kind: "shlib", directory: "/x" })).toEqual({
      ok: false,
      detail: "no libpostfix libraries linked",
    });
  });

  it("plugins checks dynamicmaps.cf and the files", async () => {
    const cf = "pcre\tpostfix-pcre.so\tdict_pcre_open\nlmdb postfix-lmdb.so dict_lmdb_open";
    expect(inDynamicmaps(cf, "pcre", "postfix-pcre.so")).toBe(true);
    expect(inDynamicmaps(cf, "cdb", "postfix-cdb.so")).toBe(false);
    const c = fakePostfix([
      ["dynamicmaps.cf", { out: cf }],
      ["postfix-lmdb.so", { code: 1 }],
      ["test -f", {}],
    ]);
    expect(await runProbe(c, { kind: "plugins", plugins: { pcre: "postfix-pcre.so" } })).toEqual({
      ok: true,
      detail: "pcre listed in dynamicmaps.cf, files present",
    });
    expect(await runProbe(c, { kind: "plugins", plugins: { lmdb: "postfix-lmdb.so", cdb: "postfix-cdb.so" } })).toEqual({
      ok: false,
      detail: "postfix-lmdb.so missing from shlib_directory; cdb not in dynamicmaps.cf",
    });
  });

  it("lookups tells a plugin that did not load from a wrong answer", async () => {
    const c = fakePostfix([
      ["hash:/tmp/pm-hash", { out: "pm-hash\nrc=0" }],
      ["pcre:/tmp/pm.pcre", { out: "rc=1", err: "postmap: fatal: unsupported dictionary type: pcre" }],
      ["mysql:", { out: "rc=1", err: "warning: connect to mysql server 127.0.0.1:9: Connection refused" }],
      ["cdb:", { out: "nope\nrc=0" }],
    ]);
    expect(await runProbe(c, { kind: "lookups", types: ["hash", "mysql", "cidr"] })).toEqual({ ok: true, detail: "looked up hash mysql" });
    const r = await runProbe(c, { kind: "lookups", types: ["pcre", "cdb"] });
    expect(r).toEqual({ ok: false, detail: "pcre did not load: postmap: fatal: unsupported dictionary type: pcre; cdb: nope rc=0" });
  });

  it("build-record matches summary, line and prefix records", () => {
    expect(recordMatches("# CCARGS=-DUSE_TLS", { how: "summary", name: "CCARGS", value: "-DUSE_TLS" })).toBe(true);
    expect(recordMatches("OPT = -O2 ", { how: "line", name: "OPT", value: "-O2" })).toBe(true);
    expect(recordMatches("CC = gcc -I. -I../../include", { how: "prefix", name: "CC", value: "gcc" })).toBe(true);
    expect(recordMatches("OPT = -O0", { how: "line", name: "OPT", value: "-O2" })).toBe(false);
  });

  it("pie, eai, sasl and no-toolchain read one command each", async () => {
    expect((await runProbe(fakePostfix([["od -An", { out: "3" }]]), { kind: "pie" })).ok).toBe(true);
    expect(await runProbe(fakePostfix([["od -An", { out: "2" }]]), { kind: "pie" })).toEqual({ ok: false, detail: "ELF type 2" });
    expect(await runProbe(fakePostfix([["smtputf8_enable", { out: "no" }]]), { kind: "eai", enabled: true })).toEqual({
      ok: false,
      detail: "smtputf8_enable = no (expected yes)",
    });
    expect(await runProbe(fakePostfix([["postconf -a", { out: "cyrus\ndovecot" }]]), { kind: "sasl", types: ["cyrus"] })).toEqual({
      ok: true,
      detail: "offers cyrus dovecot",
    });
    expect(
      await runProbe(fakePostfix([["command -v", { out: "/usr/bin/make" }]]), { kind: "no-toolchain", tools: ["gcc", "make"] }),
    ).toEqual({
      ok: false,
      detail: "found /usr/bin/make",
    });
  });
});

describe("one", () => {
  it("folds whitespace, trims and cuts", () => {
    expect(one("  a\n\tb  ")).toBe("a b");
    expect(one("x".repeat(500))).toHaveLength(300);
    expect(one("x".repeat(500), 400)).toHaveLength(400);
  });
});
