// Cross-field rules (checkCell), run through prepareMatrix on small matrix texts.
import { describe, expect, it } from "vitest";
import { LAYOUT_DIRECTORIES } from "../../src/core/matrix/layouts.js";
import { FEATURES } from "../../src/core/matrix/vocabulary.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { KNOWN_FAMILIES } from "../../src/core/recipe/family.js";
import { FAKE_SHA, configIssues, oneCell, prepareOne, yamlOf } from "./helpers.js";

const OLD = { version: "2.11.11", sha256: FAKE_SHA };
const issuesOf = (options: Record<string, unknown>, opts: Parameters<typeof oneCell>[1] = {}) =>
  configIssues(() => prepareMatrix(oneCell(options, opts), "m.yaml"));
const tooOld = (i: { path: string; message: string }) =>
  /^axes\.postfix\[\d+\]$/.test(i.path) && i.message.includes("is too old") && i.message.includes("3.4");

describe("minimum release", () => {
  it.each([["2.11.11"], ["3.0.0"], ["3.3.9"], ["3.3-20180101"]])("Postfix %s is too old for the images", (version) => {
    const issues = issuesOf({}, { version, sha256: FAKE_SHA });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.postfix[0]");
    expect(issues[0]!.line).toBe(5);
    expect(issues[0]!.message).toContain(`cell debian-bookworm-${version}-a: Postfix ${version} is too old`);
    expect(issues[0]!.message).toContain("oldest release is 3.4");
  });

  it.each([["3.4.0"], ["3.4-20190101"]])("Postfix %s is new enough", (version) => {
    expect(prepareOne({}, { version, sha256: FAKE_SHA }).recipe.version).toBe(version);
  });

  it("an old release is reported once, naming every cell that builds it", () => {
    const text = yamlOf({
      axes: {
        os: ["debian:bookworm", "debian:trixie"],
        postfix: ["3.10.13", { version: "3.3.9", sha256: FAKE_SHA }],
        options: [{ name: "a" }, { name: "b", features: ["tls"] }],
      },
    });
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues).toHaveLength(1);
    expect(issues.every(tooOld)).toBe(true);
    expect(issues[0]!.message).toMatch(/^4 cells debian-bookworm-3\.3\.9-a, debian-bookworm-3\.3\.9-b and 2 more: /);
  });
});

describe("shared, dynamicmaps, pie", () => {
  it("dynamicmaps with shared: false is an error at the shared field", () => {
    const issues = issuesOf({ dynamicmaps: true, shared: false });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.options[0].shared");
    expect(issues[0]!.file).toBe("m.yaml");
    expect(issues[0]!.message).toMatch(/^cell debian-bookworm-3\.10\.13-a: dynamicmaps=yes needs shared=yes/);
  });

  it("dynamicmaps alone implies shared", () => {
    const { cell, recipe } = prepareOne({ dynamicmaps: true });
    expect(cell.options.shared).toBe(true);
    expect(cell.options.dynamicmaps).toBe(true);
    expect(recipe.makefiles).toContain("shared=yes");
    expect(recipe.makefiles).toContain("dynamicmaps=yes");
  });

  it("unset switches normalize to false", () => {
    const { cell } = prepareOne({});
    expect([cell.options.shared, cell.options.dynamicmaps, cell.options.pie]).toEqual([false, false, false]);
    expect(cell.options.features).toEqual([]);
    expect(cell.options.disable).toEqual([]);
  });

  // Releases before 3.0 are now below the minimum release (3.4): the min-release issue is
  // always there; the older, more specific one may come with it.
  it.each(["shared", "dynamicmaps", "pie"])("%s on a release before 3.0 is an error", (f) => {
    const issues = issuesOf({ [f]: true }, OLD);
    expect(issues.some(tooOld)).toBe(true);
    expect(issues.every((i) => tooOld(i) || i.path === `axes.options[0].${f}`)).toBe(true);
  });

  it.each(["shared", "dynamicmaps", "pie"])("%s on the oldest supported release (3.4) is fine", (f) => {
    expect(prepareOne({ [f]: true }, { version: "3.4.0", sha256: FAKE_SHA }).cell.options[f as "pie"]).toBe(true);
  });

  it("a release before 3.0 is an error even without those switches", () => {
    const issues = issuesOf({ features: ["tls"] }, OLD);
    expect(issues).toHaveLength(1);
    expect(tooOld(issues[0]!)).toBe(true);
  });
});

describe("feature releases", () => {
  it("mongodb is too new for 3.8.0 but fine on 3.9.0", () => {
    const since = FEATURES.mongodb.since;
    expect("3.9.0".startsWith(since)).toBe(true); // the table says what the test assumes
    const issues = issuesOf({ features: ["mongodb"] }, { version: "3.8.0", sha256: FAKE_SHA });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.options[0].features");
    expect(issues[0]!.message).toContain(`needs Postfix >= ${since} (this cell builds 3.8.0)`);
    expect(prepareOne({ features: ["mongodb"] }, { version: "3.9.0", sha256: FAKE_SHA }).cell.options.features).toEqual(["mongodb"]);
  });

  // Features older than the minimum release: a release too old for them is rejected as too
  // old (the feature's own message may come with it); the oldest supported release is fine.
  it.each([
    ["lmdb", "2.10.0"],
    ["sqlite", "2.7.0"],
    ["eai", "2.11.11"],
    ["sasl-dovecot", "2.2.0"],
  ])("%s: %s is rejected as too old, 3.4.0 is fine", (feature, old) => {
    const since = FEATURES[feature as keyof typeof FEATURES].since;
    expect(old < since && since <= "3.4").toBe(true); // the table says what the test assumes
    const issues = issuesOf({ features: [feature] }, { version: old, sha256: FAKE_SHA });
    expect(issues.some(tooOld)).toBe(true);
    expect(issues.every((i) => tooOld(i) || i.path === "axes.options[0].features")).toBe(true);
    expect(prepareOne({ features: [feature] }, { version: "3.4.0", sha256: FAKE_SHA }).cell.options.features).toEqual([feature]);
  });

  it("snapshots and release candidates compare by their numbers", () => {
    expect(prepareOne({ features: ["mongodb"] }, { version: "3.9-20240101", sha256: FAKE_SHA }).cell.options.features).toEqual(["mongodb"]);
    expect(issuesOf({ features: ["mongodb"] }, { version: "3.8-RC1", sha256: FAKE_SHA })).toHaveLength(1);
  });

  it("duplicate features and switches are folded", () => {
    const { cell } = prepareOne({ features: ["tls", "tls"], disable: ["nis", "nis"] });
    expect(cell.options.features).toEqual(["tls"]);
    expect(cell.options.disable).toEqual(["nis"]);
  });
});

describe("features against -DNO_* switches", () => {
  it.each([
    ["pcre", "pcre"],
    ["eai", "eai"],
    ["bdb", "db"],
  ])("feature %s with disable %s is an error", (feature, sw) => {
    // lmdb keeps `disable: [db]` from raising its own, separate issue.
    const issues = issuesOf({ features: [feature, "lmdb"], disable: [sw] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.options[0].disable");
    expect(issues[0]!.message).toContain(`feature \`${feature}\``);
    expect(issues[0]!.message).toContain(`\`${sw}\``);
  });

  it.each([["ipv6"], ["nis"], ["epoll"]])("disable %s does not clash with unrelated features", (sw) => {
    expect(prepareOne({ features: ["tls", "pcre"], disable: [sw] }).cell.options.disable).toEqual([sw]);
  });
});

describe("default database type", () => {
  it("disable db without lmdb or cdb is an error with the way out", () => {
    const issues = issuesOf({ disable: ["db"] });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.options[0].disable");
    expect(issues[0]!.message).toMatch(/add feature lmdb or cdb, or set default_database_type/);
  });

  it.each([["lmdb"], ["cdb"]])("disable db with %s makes it the default database type", (f) => {
    const { cell, recipe } = prepareOne({ disable: ["db"], features: [f] });
    expect(cell.options.default_database_type).toBe(f);
    expect(recipe.makefiles).toContain(`default_database_type=${f}`);
    expect(recipe.settings).toContainEqual(["alias_maps", `${f}:/etc/aliases`]);
    expect(recipe.expect.parameters.default_database_type).toBe(f);
  });

  it("an explicit type wins over the inferred one", () => {
    expect(
      prepareOne({ disable: ["db"], features: ["lmdb", "cdb"], default_database_type: "cdb" }).cell.options.default_database_type,
    ).toBe("cdb");
  });

  it.each([["hash"], ["btree"]])("disable db with default_database_type %s is an error", (t) => {
    const issues = issuesOf({ disable: ["db"], features: ["lmdb"], default_database_type: t });
    expect(issues.map((i) => i.path)).toEqual(["axes.options[0].default_database_type"]);
    expect(issues[0]!.message).toContain("Berkeley DB");
  });

  it.each([["lmdb"], ["cdb"]])("default_database_type %s without the feature is an error", (t) => {
    const issues = issuesOf({ default_database_type: t });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.options[0].default_database_type");
    expect(issues[0]!.message).toContain(`needs feature ${t}`);
  });

  it("without disable db nothing is inferred", () => {
    expect(prepareOne({ features: ["lmdb"] }).cell.options.default_database_type).toBeUndefined();
  });

  // The "name=value defaults need 3.0" check uses the inferred type too.
  it("disable db + lmdb on a release before 3.0 is an error like an explicit default_database_type", () => {
    for (const o of [
      { disable: ["db"], features: ["lmdb"], default_database_type: "lmdb" },
      { disable: ["db"], features: ["lmdb"] },
    ]) {
      const issues = issuesOf(o, OLD);
      expect(issues.some(tooOld)).toBe(true);
      expect(issues.some((i) => /default_database_type\) need Postfix >= 3\.0/.test(i.message))).toBe(true);
    }
  });
});

describe("directories and layouts", () => {
  it.each(["compile_directories", "install_directories"])("shlib_directory in %s with shared false is an error", (where) => {
    const issues = issuesOf({ shared: false, [where]: { shlib_directory: "/usr/lib/postfix" } });
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(`axes.options[0].${where}`);
    expect(issues[0]!.message).toMatch(/shlib_directory is set but shared=no/);
  });

  it("shlib_directory without any shared setting is an error too", () => {
    expect(issuesOf({ compile_directories: { shlib_directory: "/usr/lib/postfix" } })).toHaveLength(1);
  });

  it.each([[{ shared: true }], [{ dynamicmaps: true }]])("shlib_directory with %j is fine", (sw) => {
    const { cell } = prepareOne({ ...sw, compile_directories: { shlib_directory: "/opt/pf/lib" } });
    expect(cell.options.compile_directories.shlib_directory).toBe("/opt/pf/lib");
  });

  it("layout debian fills compile_directories", () => {
    const { cell } = prepareOne({ layout: "debian", shared: true });
    expect(cell.options.compile_directories).toEqual(LAYOUT_DIRECTORIES.debian);
  });

  it("a cell's own compile_directories override single layout fields", () => {
    const { cell } = prepareOne({
      layout: "debian",
      shared: true,
      compile_directories: { daemon_directory: "/usr/libexec/postfix", config_directory: "/etc/pf" },
    });
    expect(cell.options.compile_directories).toEqual({
      ...LAYOUT_DIRECTORIES.debian,
      daemon_directory: "/usr/libexec/postfix",
      config_directory: "/etc/pf",
    });
  });

  it("a layout's shlib_directory is dropped, not an error, when the cell is not shared", () => {
    const { cell } = prepareOne({ layout: "fedora" });
    const { shlib_directory: _dropped, ...rest } = LAYOUT_DIRECTORIES.fedora;
    expect(cell.options.compile_directories).toEqual(rest);
  });

  it("upstream layout adds nothing", () => {
    expect(prepareOne({ layout: "upstream" }).cell.options.compile_directories).toEqual({});
  });

  it.each([
    [{ compile_directories: { config_directory: "/etc/pf" } }],
    [{ install_directories: { data_directory: "/var/lib/pf" } }],
    [{ layout: "debian" }],
  ])("name=value directories (%j) on a release before 3.0 are an error", (o) => {
    const issues = issuesOf(o, OLD);
    expect(issues.some(tooOld)).toBe(true);
    expect(issues.every((i) => tooOld(i) || /need Postfix >= 3\.0/.test(i.message))).toBe(true);
  });

  it.each([
    [{ compile_directories: { config_directory: "/etc/pf" } }],
    [{ install_directories: { data_directory: "/var/lib/pf" } }],
    [{ layout: "debian", shared: true }],
  ])("name=value directories (%j) on the oldest supported release (3.4) are fine", (o) => {
    expect(prepareOne(o, { version: "3.4.0", sha256: FAKE_SHA }).recipe.version).toBe("3.4.0");
  });
});

describe("OS families", () => {
  it("an unknown image is an error listing the known names", () => {
    const issues = configIssues(() => prepareMatrix(oneCell({}, { os: "gentoo/stage3:latest" }), "m.yaml"));
    expect(issues).toHaveLength(1);
    // The os value in the file, with its line.
    expect(issues[0]!.path).toBe("axes.os[0]");
    expect(issues[0]!.line).toBe(3);
    expect(issues[0]!.message).toContain("`gentoo/stage3:latest`");
    for (const name of KNOWN_FAMILIES) expect(issues[0]!.message).toContain(name);
  });

  it.each([
    ["debian:bookworm", "debian"],
    ["ubuntu:24.04", "debian"],
    ["docker.io/library/debian:trixie", "debian"],
    ["fedora:41", "fedora"],
    ["redhat/ubi9:latest", "fedora"],
    ["alpine:3.20", "alpine"],
    ["registry.example.com/mirror/debian:bookworm", "debian"],
  ])("%s is family %s", (os, family) => {
    expect(prepareOne({}, { os }).recipe.family).toBe(family);
  });
});

describe("all errors at once", () => {
  it("two bad cells give two issues", () => {
    const text = yamlOf({
      axes: {
        os: ["debian:bookworm"],
        postfix: ["3.10.13"],
        options: [
          { name: "ok", shared: true },
          { name: "bad1", dynamicmaps: true, shared: false },
          { name: "bad2", features: ["pcre"], disable: ["pcre"] },
        ],
      },
    });
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues.map((i) => i.path)).toEqual(["axes.options[1].shared", "axes.options[2].disable"]);
    expect(issues[0]!.message).toContain("cell debian-bookworm-3.10.13-bad1:");
    expect(issues[1]!.message).toContain("cell debian-bookworm-3.10.13-bad2:");
  });

  it("one bad set across several cells gives one issue naming the cells; an unknown OS adds its own", () => {
    const text = yamlOf({
      axes: {
        os: ["debian:bookworm", "debian:trixie", "gentoo/stage3:latest"],
        postfix: ["3.10.13"],
        options: [{ name: "nodb", disable: ["db"] }],
      },
    });
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues).toHaveLength(2);
    const nodb = issues.filter((i) => i.path === "axes.options[0].disable");
    expect(nodb).toHaveLength(1);
    expect(nodb[0]!.message).toMatch(/^2 cells debian-bookworm-3\.10\.13-nodb, debian-trixie-3\.10\.13-nodb: /);
    expect(issues.filter((i) => i.path === "axes.os[2]" && i.message.includes("gentoo"))).toHaveLength(1);
  });

  it("one cell with several problems reports each", () => {
    const issues = issuesOf({ shared: true, features: ["mongodb", "eai"], disable: ["eai", "db"] }, OLD);
    const text = issues.map((i) => i.message).join("\n");
    expect(issues.some(tooOld)).toBe(true);
    expect(text).toMatch(/shared=yes needs Postfix >= 3\.0/);
    expect(text).toMatch(/MongoDB needs Postfix >= 3\.9/);
    expect(text).toMatch(/EAI.*needs Postfix >= 3\.0/);
    expect(text).toMatch(/feature `eai` is asked for and also disabled/);
    expect(text).toMatch(/add feature lmdb or cdb/);
  });

  it("issues point at where the option came from (include vs defaults)", () => {
    const text = yamlOf({
      axes: { os: ["debian:bookworm"], postfix: ["3.10.13"] },
      defaults: { shared: false },
      include: [{ dynamicmaps: true }],
    });
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues.map((i) => i.path)).toEqual(["defaults.shared"]);
  });
});

describe("every rule and OS-family error names its line (issue 13)", () => {
  const SHA = FAKE_SHA;
  // [what, os, release, option set lines]; the last option line is the one the error points at.
  const cases: [string, string, string, string[], RegExp][] = [
    [
      "dynamicmaps with shared: false",
      "debian:bookworm",
      "3.10.13",
      ["dynamicmaps: true", "shared: false"],
      /dynamicmaps=yes needs shared=yes/,
    ],
    ["feature also disabled", "debian:bookworm", "3.10.13", ["features: [pcre]", "disable: [pcre]"], /also disabled/],
    ["shlib_directory without shared", "debian:bookworm", "3.10.13", ["compile_directories: {shlib_directory: /usr/lib/pf}"], /shared=no/],
    [
      "install shlib_directory without shared",
      "debian:bookworm",
      "3.10.13",
      ["install_directories: {shlib_directory: /usr/lib/pf}"],
      /shared=no/,
    ],
    ["no db and no default type", "debian:bookworm", "3.10.13", ["disable: [db]"], /add feature lmdb or cdb/],
    [
      "hash without db",
      "debian:bookworm",
      "3.10.13",
      ["disable: [db]", "features: [lmdb]", "default_database_type: hash"],
      /is Berkeley DB/,
    ],
    ["lmdb default without lmdb", "debian:bookworm", "3.10.13", ["default_database_type: lmdb"], /needs feature lmdb/],
    ["cdb default without cdb", "debian:bookworm", "3.10.13", ["default_database_type: cdb"], /needs feature cdb/],
    [
      "feature newer than the release",
      "debian:bookworm",
      `{version: "3.8.6", sha256: ${SHA}}`,
      ["features: [mongodb]"],
      /MongoDB needs Postfix >= 3\.9/,
    ],
    ["Alpine and bdb", "alpine:3.21", "3.10.13", ["features: [bdb]"], /Alpine has no Berkeley DB/],
    ["Alpine and hash", "alpine:3.21", "3.10.13", ["default_database_type: hash"], /hash cannot work/],
    ["Alpine and cdb", "alpine:3.21", "3.10.13", ["features: [cdb]"], /no tinycdb/],
    [
      "Alpine and a moved shlib_directory",
      "alpine:3.21",
      "3.10.13",
      ["shared: true", "install_directories: {shlib_directory: /opt/lib}"],
      /musl has no ldconfig/,
    ],
    ["EL 10 and bdb", "almalinux:10", "3.10.13", ["features: [bdb]"], /Enterprise Linux 10 has no Berkeley DB/],
  ];

  it.each(cases)("%s", (_what, os, release, lines, message) => {
    const text = `name: r\naxes:\n  os: [${os}]\n  postfix: [${release}]\n  options:\n    - name: a\n${lines.map((l) => `      ${l}\n`).join("")}`;
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    const hit = issues.find((i) => message.test(i.message));
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.line).toBe(6 + lines.length);
    expect(hit!.path).toMatch(/^axes\.options\[0\]\./);
  });

  it.each([
    ["an unnumbered Enterprise Linux", "almalinux:latest", /cannot tell which Enterprise Linux release/],
    ["an OS without a recipe", "gentoo/stage3:latest", /no recipe for the OS/],
  ])("%s points at the os value", (_what, os, message) => {
    const text = `name: r\naxes:\n  os:\n    - debian:bookworm\n    - ${os}\n  postfix: ["3.10.13"]\n`;
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: "axes.os[1]", line: 5, message: expect.stringMatching(message) });
  });

  it("a cell made by an include is pointed at in the include", () => {
    const text = `name: r\naxes:\n  os: [debian:bookworm]\n  postfix: ["3.10.13"]\ninclude:\n  - os: gentoo/stage3:latest\n    postfix: {version: "3.3.9", sha256: ${SHA}}\n`;
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    expect(issues.map((i) => [i.path, i.line])).toEqual([["include[0].os", 6]]);
  });
});
