// Which checks a built image gets follows from what its cell asked for (src/core/verify/checks.ts).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildRecordFor, checksFor, TEMPLATE_ARGS, type CheckSpec } from "../../src/core/verify/checks.js";
import { prepareOne } from "./helpers.js";

const ALWAYS = [
  "postfix check",
  "mail_version",
  "map types",
  "build record",
  "map lookups",
  "SMTPUTF8",
  "no toolchain",
  "mail delivery",
  "relay refused",
  "setgid postdrop",
  "queue permissions",
  "config permissions",
  "history and labels",
  "compiler",
  "local submission",
  "throughput",
  "log hygiene",
];
const CONDITIONAL = [
  "shlib resolution",
  "dynamicmaps plugins",
  "SASL server types",
  "STARTTLS",
  "PIE",
  "compiled defaults",
  "send-only",
  "chroot",
  "plugin packages",
];

const checks = (options: Record<string, unknown>, opts?: { version?: string }) => checksFor(prepareOne(options, opts).recipe);
const names = (cs: CheckSpec[]) => cs.map((c) => c.name);
const named = (cs: CheckSpec[], name: string) => {
  const found = cs.filter((c) => c.name === name);
  expect(found, `exactly one check named ${name}`).toHaveLength(1);
  return found[0]!.probe;
};

describe("checksFor", () => {
  it("a plain cell gets only the checks every cell gets", () => {
    const cs = checks({});
    expect(names(cs).sort()).toEqual([...ALWAYS].sort());
    for (const n of CONDITIONAL) expect(names(cs)).not.toContain(n);
    expect(new Set(names(cs)).size).toBe(cs.length);
  });

  it("the always-checks carry what the recipe expects", () => {
    const { recipe } = prepareOne({ features: ["pcre"] }, { version: "3.7.11" });
    const cs = checksFor(recipe);
    expect(named(cs, "postfix check")).toEqual({ kind: "postfix-check" });
    expect(named(cs, "mail_version")).toEqual({ kind: "postconf", parameter: "mail_version", expect: "3.7.11" });
    const mapTypes = named(cs, "map types");
    expect(mapTypes).toMatchObject({ kind: "map-types" });
    if (mapTypes.kind !== "map-types") throw new Error("unreachable");
    expect(mapTypes.present).toContain("pcre");
    expect(mapTypes.absent).not.toContain("pcre");
    expect(mapTypes.absent).toContain("ldap");
    expect(named(cs, "map lookups")).toEqual({ kind: "lookups", types: recipe.expect.mapTypes });
    expect(named(cs, "SMTPUTF8")).toEqual({ kind: "eai", enabled: false });
    expect(named(cs, "build record")).toEqual({ kind: "build-record", expect: buildRecordFor(recipe.makefiles) });
  });

  it("every cell gets the security checks, the same whatever it asked for", () => {
    for (const cs of [checks({}), checks({ shared: true, dynamicmaps: true, features: ["tls", "pcre"], layout: "debian" })]) {
      expect(named(cs, "setgid postdrop")).toEqual({ kind: "setgid", programs: ["postdrop", "postqueue"], group: "postdrop" });
      expect(named(cs, "queue permissions")).toEqual({ kind: "queue-modes", directories: ["maildrop", "public"] });
      expect(named(cs, "config permissions")).toEqual({ kind: "config-modes", files: ["main.cf", "master.cf"] });
      expect(named(cs, "history and labels")).toEqual({ kind: "image-history", allowedArgs: ["DEBIAN_FRONTEND=noninteractive"] });
    }
  });

  it("allows in the history exactly the ARGs the templates declare, with their constant defaults", async () => {
    const dir = path.resolve(import.meta.dirname, "../../dockerfiles");
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith(".hbs"));
    const declared = new Set<string>();
    for (const f of files) {
      // SOURCE_DATE_EPOCH (partials/source-date.hbs) is the build stage's, never the runtime image's.
      for (const m of (await readFile(path.join(dir, f), "utf8")).matchAll(/^ARG (\S+)$/gm))
        if (!m[1]!.startsWith("SOURCE_DATE_EPOCH")) declared.add(m[1]!);
    }
    expect([...declared].sort()).toEqual([...TEMPLATE_ARGS].sort());
  });

  it("SMTPUTF8 is checked enabled when the cell built EAI", () => {
    expect(named(checks({ features: ["eai"] }), "SMTPUTF8")).toEqual({ kind: "eai", enabled: true });
  });

  it("shlib resolution only when shared, at the shared-library directory", () => {
    expect(names(checks({ shared: false }))).not.toContain("shlib resolution");
    expect(named(checks({ shared: true }), "shlib resolution")).toEqual({ kind: "shlib", directory: "/usr/lib/postfix" });
    expect(
      named(checks({ shared: true, install_directories: { shlib_directory: "/opt/postfix/lib/MAIL_VERSION" } }), "shlib resolution"),
    ).toEqual({ kind: "shlib", directory: "/opt/postfix/lib/3.10.13" });
  });

  it("dynamicmaps plugins only with dynamicmaps and a map type built as a plugin", () => {
    expect(named(checks({ shared: true, dynamicmaps: true, features: ["pcre", "tls"] }), "dynamicmaps plugins")).toEqual({
      kind: "plugins",
      plugins: { pcre: "postfix-pcre.so" },
    });
    // TLS is no map type; Berkeley DB (hash, btree) is built into the library, not a plugin.
    expect(names(checks({ shared: true, dynamicmaps: true, features: ["tls"] }))).not.toContain("dynamicmaps plugins");
    expect(names(checks({ shared: true, features: ["pcre"] }))).not.toContain("dynamicmaps plugins");
  });

  it("SASL server types with a SASL feature", () => {
    expect(named(checks({ features: ["sasl-cyrus"] }), "SASL server types")).toEqual({ kind: "sasl", types: ["cyrus"] });
    expect(named(checks({ features: ["sasl-dovecot"] }), "SASL server types")).toEqual({ kind: "sasl", types: ["dovecot"] });
    expect(named(checks({ features: ["sasl-cyrus", "sasl-dovecot"] }), "SASL server types")).toEqual({
      kind: "sasl",
      types: ["cyrus", "dovecot"],
    });
    expect(names(checks({ features: ["tls"] }))).not.toContain("SASL server types");
  });

  it("STARTTLS only with tls", () => {
    expect(named(checks({ features: ["tls"] }), "STARTTLS")).toEqual({ kind: "starttls" });
    expect(names(checks({ features: ["pcre"] }))).not.toContain("STARTTLS");
  });

  it("PIE only with pie: true", () => {
    expect(named(checks({ pie: true }), "PIE")).toEqual({ kind: "pie" });
    expect(names(checks({ pie: false }))).not.toContain("PIE");
  });

  it("compiled defaults with compile_directories or default_database_type", () => {
    expect(
      named(checks({ shared: true, compile_directories: { shlib_directory: "/usr/lib/postfix/MAIL_VERSION" } }), "compiled defaults"),
    ).toEqual({ kind: "compiled-defaults", defaults: { shlib_directory: "/usr/lib/postfix/3.10.13" } });
    expect(named(checks({ features: ["lmdb"], default_database_type: "lmdb" }), "compiled defaults")).toEqual({
      kind: "compiled-defaults",
      defaults: { default_database_type: "lmdb" },
    });
    // Install-time directories are no compiled defaults.
    expect(names(checks({ install_directories: { daemon_directory: "/usr/lib/postfix/sbin" } }))).not.toContain("compiled defaults");
  });

  it("one postconf check per directory parameter, MAIL_VERSION replaced by the version", () => {
    const cs = checks(
      {
        shared: true,
        compile_directories: { meta_directory: "/usr/share/postfix/MAIL_VERSION" },
        install_directories: { daemon_directory: "/usr/libexec/postfix/MAIL_VERSION", manpage_directory: "/usr/share/man" },
      },
      { version: "3.7.11" },
    );
    expect(named(cs, "meta_directory")).toEqual({ kind: "postconf", parameter: "meta_directory", expect: "/usr/share/postfix/3.7.11" });
    expect(named(cs, "daemon_directory")).toEqual({
      kind: "postconf",
      parameter: "daemon_directory",
      expect: "/usr/libexec/postfix/3.7.11",
    });
    expect(named(cs, "manpage_directory")).toEqual({ kind: "postconf", parameter: "manpage_directory", expect: "/usr/share/man" });
    const postconf = cs
      .filter((c) => c.probe.kind === "postconf")
      .map((c) => c.name)
      .sort();
    expect(postconf).toEqual(["daemon_directory", "mail_version", "manpage_directory", "meta_directory"]);
  });

  it("install_directories win over compile_directories for the same parameter", () => {
    const cs = checks({
      shared: true,
      compile_directories: { daemon_directory: "/usr/libexec/postfix" },
      install_directories: { daemon_directory: "/opt/postfix/libexec" },
    });
    expect(named(cs, "daemon_directory")).toEqual({ kind: "postconf", parameter: "daemon_directory", expect: "/opt/postfix/libexec" });
    // ...while the compiled default is still the compile-time one.
    expect(named(cs, "compiled defaults")).toEqual({ kind: "compiled-defaults", defaults: { daemon_directory: "/usr/libexec/postfix" } });
  });

  it("a cell asking for everything gets every check, once each", () => {
    const cs = checks({
      shared: true,
      dynamicmaps: true,
      pie: true,
      features: ["tls", "sasl-cyrus", "pcre", "eai"],
      compile_directories: { daemon_directory: "/usr/libexec/postfix" },
      chroot: true,
      plugins: "split",
    });
    // send-only is the one conditional check an SMTP-receiving cell cannot have.
    const conditional = CONDITIONAL.filter((n) => n !== "send-only");
    expect(names(cs)).toEqual(expect.arrayContaining([...ALWAYS, ...conditional, "daemon_directory"]));
    expect(new Set(names(cs)).size).toBe(cs.length);
  });
});

describe("buildRecordFor", () => {
  it("summary words: CCARGS, AUXLIBS, shared, dynamicmaps, pie", () => {
    expect(buildRecordFor(["CCARGS=-DUSE_TLS -DHAS_LMDB", "AUXLIBS=-lssl -lcrypto", "shared=yes", "dynamicmaps=yes", "pie=yes"])).toEqual([
      { how: "summary", name: "CCARGS", value: "-DUSE_TLS -DHAS_LMDB" },
      { how: "summary", name: "AUXLIBS", value: "-lssl -lcrypto" },
      { how: "summary", name: "shared", value: "yes" },
      { how: "summary", name: "dynamicmaps", value: "yes" },
      { how: "summary", name: "pie", value: "yes" },
    ]);
  });

  it("AUXLIBS_<X> are summary words; OPT, DEBUG, SHLIB_CFLAGS, SHLIB_RPATH are line words", () => {
    expect(
      buildRecordFor([
        "AUXLIBS_LMDB=-llmdb",
        "AUXLIBS_PCRE=-lpcre2-8",
        "OPT=-O2",
        "DEBUG=-g",
        "SHLIB_CFLAGS=-fPIC",
        "SHLIB_RPATH=-Wl,-rpath,/x",
      ]),
    ).toEqual([
      { how: "summary", name: "AUXLIBS_LMDB", value: "-llmdb" },
      { how: "summary", name: "AUXLIBS_PCRE", value: "-lpcre2-8" },
      { how: "line", name: "OPT", value: "-O2" },
      { how: "line", name: "DEBUG", value: "-g" },
      { how: "line", name: "SHLIB_CFLAGS", value: "-fPIC" },
      { how: "line", name: "SHLIB_RPATH", value: "-Wl,-rpath,/x" },
    ]);
  });

  it("SHLIB_SUFFIX is recorded as LIB_SUFFIX", () => {
    expect(buildRecordFor(["SHLIB_SUFFIX=.so.1"])).toEqual([{ how: "line", name: "LIB_SUFFIX", value: ".so.1" }]);
  });

  it("CC and WARN are prefixes", () => {
    expect(buildRecordFor(["CC=gcc", "WARN=-Wall -Wno-comment"])).toEqual([
      { how: "prefix", name: "CC", value: "gcc" },
      { how: "prefix", name: "WARN", value: "-Wall -Wno-comment" },
    ]);
  });

  it("directory words produce nothing", () => {
    expect(
      buildRecordFor([
        "shlib_directory=/usr/lib/postfix/MAIL_VERSION",
        "daemon_directory=/usr/libexec/postfix",
        "meta_directory=/etc/postfix",
        "command_directory=/usr/sbin",
        "newaliases_path=/usr/bin/newaliases",
      ]),
    ).toEqual([]);
  });

  it("keeps the order of the words and values containing '='", () => {
    expect(buildRecordFor(["OPT=-O2", "shlib_directory=/x", "CCARGS=-DDEF_X=1", "CC=cc"])).toEqual([
      { how: "line", name: "OPT", value: "-O2" },
      { how: "summary", name: "CCARGS", value: "-DDEF_X=1" },
      { how: "prefix", name: "CC", value: "cc" },
    ]);
  });

  it("agrees with a recipe's make makefiles words", () => {
    const { recipe } = prepareOne({
      shared: true,
      dynamicmaps: true,
      features: ["tls", "lmdb"],
      opt: "-O2",
      compile_directories: { meta_directory: "/etc/postfix" },
    });
    const record = buildRecordFor(recipe.makefiles);
    expect(record).toContainEqual({ how: "summary", name: "shared", value: "yes" });
    expect(record).toContainEqual({ how: "summary", name: "dynamicmaps", value: "yes" });
    expect(record).toContainEqual({ how: "summary", name: "AUXLIBS_LMDB", value: "-llmdb" });
    expect(record).toContainEqual({ how: "line", name: "OPT", value: "-O2" });
    expect(record.find((r) => r.name === "CCARGS")?.value).toContain("-DUSE_TLS");
    expect(record.map((r) => r.name)).not.toContain("meta_directory");
  });
});
