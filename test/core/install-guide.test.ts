// INSTALL beyond the build options: the compiler (4.2), plugin packages (4.4.4), send-only
// (8), chroot (11) and the checks every cell gets (local submission, throughput, log hygiene).
import { beforeAll, describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { compilerFor } from "../../src/core/recipe/compilers.js";
import { makeRenderer, type Renderer } from "../../src/core/render/dockerfile.js";
import { checksFor, type CheckSpec } from "../../src/core/verify/checks.js";
import { ENVIRONMENT_LOG_LINES, THROUGHPUT_MESSAGES } from "../../src/core/verify/install-checks.js";
import { loadTemplates } from "../../src/io/fs/templates.js";
import { configIssues, oneCell, prepareOne } from "./helpers.js";

let render: Renderer;
beforeAll(async () => {
  render = makeRenderer(await loadTemplates());
});

const probe = (cs: CheckSpec[], name: string) => {
  const found = cs.filter((c) => c.name === name);
  expect(found, name).toHaveLength(1);
  return found[0]!.probe;
};
const names = (cs: CheckSpec[]) => cs.map((c) => c.name);
const messages = (options: Record<string, unknown>, os?: string) =>
  configIssues(() => prepareMatrix(oneCell(options, os ? { os } : {}), "m.yaml")).map((i) => `${i.path}: ${i.message}`);

describe("compiler (INSTALL 4.2)", () => {
  it.each([
    ["gcc", "debian:bookworm", { command: "gcc", kind: "gcc", package: "gcc" }],
    [undefined, "debian:bookworm", { command: "gcc", kind: "gcc", package: "gcc" }],
    ["clang", "debian:bookworm", { command: "clang", kind: "clang", package: "clang" }],
    ["gcc-11", "debian:bookworm", { command: "gcc-11", kind: "gcc", major: "11", package: "gcc-11" }],
    ["gcc-14", "debian:trixie", { command: "gcc-14", kind: "gcc", major: "14", package: "gcc-14" }],
    ["clang-16", "debian:12", { command: "clang-16", kind: "clang", major: "16", package: "clang-16" }],
    ["/usr/bin/clang", "debian:bookworm", { command: "/usr/bin/clang", kind: "clang", package: "clang" }],
    ["clang", "fedora:42", { command: "clang", kind: "clang", package: "clang" }],
  ])("%s on %s", (cc, os, want) => {
    expect(compilerFor(cc, os, os.startsWith("fedora") ? "fedora" : "debian")).toEqual(want);
  });

  it.each([
    ["icc", "debian:bookworm", /unknown compiler `icc`/],
    ["gcc-14", "debian:bookworm", /`gcc-14` is not packaged for debian:bookworm: it has gcc-11, gcc-12, clang-13/],
    ["gcc-14", "fedora:42", /not packaged for fedora:42: use gcc or clang/],
    ["cc-12", "debian:bookworm", /cc has no versions/],
    ["/opt/bin/gcc", "debian:bookworm", /must be in \/usr\/bin/],
  ])("refuses %s on %s", (cc, os, why) => {
    const r = compilerFor(cc, os, os.startsWith("fedora") ? "fedora" : "debian");
    expect("error" in r && r.error).toMatch(why);
  });

  it("an unknown compiler is a config error before anything is built", () => {
    expect(messages({ cc: "tcc" })).toEqual([expect.stringMatching(/unknown compiler `tcc`/)]);
    expect(messages({ cc: "gcc-14" })).toEqual([expect.stringMatching(/not packaged for debian:bookworm/)]);
  });

  it("the deps stage installs the named compiler, the build uses it, the checks know it", () => {
    const { recipe } = prepareOne({ cc: "clang" });
    expect(recipe.buildPackages).toContain("clang");
    expect(recipe.makefiles).toContain("CC=clang");
    const deps = render(recipe).split("FROM deps AS build")[0]!;
    expect(deps).toMatch(/apt-get install [^\n]*\n\s+clang gcc /);
    const cs = checksFor(recipe);
    expect(probe(cs, "compiler")).toEqual({ kind: "compiler", compiler: "clang" });
    expect(probe(cs, "no toolchain")).toEqual({ kind: "no-toolchain", tools: ["gcc", "cc", "clang", "make"] });
    expect(probe(checksFor(prepareOne({ cc: "gcc-11" }).recipe), "compiler")).toEqual({ kind: "compiler", compiler: "gcc", major: "11" });
    expect(probe(checksFor(prepareOne({ cc: "gcc-11" }).recipe), "no toolchain")).toMatchObject({
      tools: expect.arrayContaining(["gcc-11"]),
    });
  });

  it("a default cell is a gcc build and gets no extra package", () => {
    const { recipe } = prepareOne({});
    expect(recipe.buildPackages).not.toContain("clang");
    expect(probe(checksFor(recipe), "compiler")).toEqual({ kind: "compiler", compiler: "gcc" });
  });
});

describe("role: send-only (INSTALL 8)", () => {
  it("comments out smtp inet, and the SMTP checks give way to the no-listener check", () => {
    const { recipe } = prepareOne({ role: "send-only", features: ["tls"] });
    expect(recipe.guide.postconf).toEqual([["-M#", "smtp/inet"]]);
    expect(render(recipe)).toContain(" && postconf '-M#' smtp/inet \\\n");
    const cs = checksFor(recipe);
    for (const n of ["mail delivery", "relay refused", "STARTTLS"]) expect(names(cs)).not.toContain(n);
    expect(probe(cs, "send-only")).toEqual({ kind: "no-listener", port: 25 });
    expect(probe(cs, "local submission")).toEqual({ kind: "local-submission" });
    expect(probe(cs, "throughput")).toEqual({ kind: "throughput", messages: THROUGHPUT_MESSAGES, via: "sendmail" });
  });

  it("an mta keeps master.cf as installed and is loaded over SMTP", () => {
    const { recipe } = prepareOne({});
    expect(recipe.guide.postconf).toEqual([]);
    expect(render(recipe)).not.toContain("postconf '-M#'");
    expect(probe(checksFor(recipe), "throughput")).toMatchObject({ via: "smtp" });
    expect(names(checksFor(recipe))).toContain("mail delivery");
  });

  it("refuses an unknown role", () => {
    expect(messages({ role: "relay" })[0]).toMatch(/role/);
  });
});

describe("chroot (INSTALL 11)", () => {
  it("chroot: true chroots every service that can be, prepares the jail, checks the daemons' roots", () => {
    const { recipe } = prepareOne({ chroot: true });
    const [edit] = recipe.guide.postconf;
    expect(edit![0]).toBe("-F");
    expect(edit).toContain("smtp/inet/chroot=y");
    expect(edit).toContain("qmgr/unix/chroot=y");
    for (const never of ["local", "virtual", "proxymap", "proxywrite", "postlog", "pipe", "spawn"])
      expect(edit!.some((w) => w.startsWith(`${never}/`))).toBe(false);
    expect(recipe.guide.chrootJail).toBe(true);
    const text = render(recipe);
    expect(text).toContain('q="$(postconf -xh queue_directory)" && mkdir -p "$q/etc"');
    // Docker rewrites resolv.conf and hosts at start; copying them would make postfix check warn.
    expect(text).not.toMatch(/for f in [^;]*(resolv\.conf|hosts)/);
    const p = probe(checksFor(recipe), "chroot");
    expect(p).toMatchObject({ kind: "chroot" });
    expect(p.kind === "chroot" && p.programs).toEqual(expect.arrayContaining(["smtpd", "qmgr", "pickup", "trivial-rewrite"]));
  });

  it("a list chroots only those services", () => {
    const { recipe } = prepareOne({ chroot: ["smtp/inet", "pickup/unix"] });
    expect(recipe.guide.postconf).toEqual([["-F", "smtp/inet/chroot=y", "pickup/unix/chroot=y"]]);
    expect(probe(checksFor(recipe), "chroot")).toEqual({ kind: "chroot", programs: ["pickup", "smtpd"] });
  });

  it("no chroot: no jail, no chroot check", () => {
    const { recipe } = prepareOne({});
    expect(recipe.guide.chrootJail).toBe(false);
    expect(names(checksFor(recipe))).not.toContain("chroot");
    expect(render(recipe)).not.toContain('queue_directory)" && mkdir');
  });

  it("refuses services that cannot run chrooted, and smtp/inet on a send-only host", () => {
    expect(messages({ chroot: ["local/unix"] })[0]).toMatch(
      /chroot\[0\]: `local\/unix` is not a default master.cf service that can run chrooted/,
    );
    expect(messages({ chroot: [] })[0]).toMatch(/chroot: must be true, false or a non-empty list/);
    expect(messages({ chroot: ["smtp/inet"], role: "send-only" })[0]).toMatch(/`role: send-only` comments out the smtp inet service/);
    expect(prepareOne({ chroot: true, role: "send-only" }).recipe.guide.postconf[1]).not.toContain("smtp/inet/chroot=y");
  });
});

describe("plugins: split (INSTALL 4.4.4)", () => {
  it("moves each plugin's lines into its own files and checks each one's removal", () => {
    const { recipe } = prepareOne({ dynamicmaps: true, features: ["pcre", "lmdb"], plugins: "split" });
    expect(recipe.guide.splitPlugins).toEqual(["lmdb", "pcre"]);
    const text = render(recipe);
    expect(text).toContain('for t in lmdb pcre; do grep "^$t[[:space:]]" "$m/dynamicmaps.cf" > "$m/dynamicmaps.cf.d/$t.cf"');
    expect(text).toContain('> "$m/postfix-files.d/$t.files"');
    expect(probe(checksFor(recipe), "plugin packages")).toEqual({ kind: "plugin-packages", plugins: ["lmdb", "pcre"] });
  });

  it("together (the default) leaves dynamicmaps.cf as make upgrade wrote it", () => {
    const { recipe } = prepareOne({ dynamicmaps: true, features: ["pcre"] });
    expect(recipe.guide.splitPlugins).toEqual([]);
    expect(names(checksFor(recipe))).not.toContain("plugin packages");
  });

  it("needs dynamicmaps", () => {
    expect(messages({ plugins: "split", features: ["pcre"] })[0]).toMatch(/`plugins: split` packages dynamicmaps plugins/);
  });
});

describe("log hygiene (INSTALL 7)", () => {
  it("is the last check of every cell, with the cell's expected lines and the ones the checks cause", () => {
    const cs = checksFor(prepareOne({}).recipe);
    expect(cs.at(-1)).toEqual({ name: "log hygiene", probe: { kind: "log-hygiene", expected: [...ENVIRONMENT_LOG_LINES] } });
    const remote = checksFor(prepareOne({ dynamicmaps: true, features: ["ldap", "pcre"] }).recipe);
    const p = probe(remote, "log hygiene");
    expect(p.kind === "log-hygiene" && p.expected.map((e) => e.match)).toEqual([
      "127.0.0.1:9",
      "fatal: table ldap:",
      ...ENVIRONMENT_LOG_LINES.map((e) => e.match),
    ]);
  });

  it("a cell declares expected lines, each with a reason", () => {
    const expect_log = [{ match: "warning: do not list domain", reason: "the test names it twice on purpose" }];
    const p = probe(checksFor(prepareOne({ expect_log }).recipe), "log hygiene");
    expect(p).toEqual({ kind: "log-hygiene", expected: [...expect_log, ...ENVIRONMENT_LOG_LINES] });
    expect(messages({ expect_log: [{ match: "warning: x" }] })[0]).toMatch(/expect_log\[0\]\.reason/);
    expect(messages({ expect_log: [{ match: "a\nb", reason: "r" }] })[0]).toMatch(/control characters/);
  });

  it("expected log lines do not change the image", () => {
    const a = render(prepareOne({}).recipe);
    const b = render(prepareOne({ expect_log: [{ match: "warning: x", reason: "y" }] }).recipe);
    expect(b).toBe(a);
  });
});

describe("every image carries smtp-source and smtp-sink for the throughput smoke", () => {
  it.each([["debian:bookworm"], ["fedora:42"], ["alpine:3.21"]])("%s", (os) => {
    const text = render(prepareOne({}, { os }).recipe);
    expect(text).toContain('install -m 0755 bin/smtp-source bin/smtp-sink "$(postconf -xh command_directory)/"');
  });
});
