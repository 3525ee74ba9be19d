// Every ConfigError names the file, the field path and (where the node exists) the line.
import { describe, expect, it } from "vitest";
import { parseMatrix } from "../../src/core/matrix/load.js";
import { ConfigError, ExitCode, formatIssue } from "../../src/errors.js";
import { FEATURE_NAMES } from "../../src/core/matrix/vocabulary.js";
import { configIssues, lineOf } from "./helpers.js";

const FILE = "conf/matrix.yaml";
const HEAD = "axes:\n  os: [debian:bookworm]\n  postfix: ['3.10.13']\n";
const parse = (text: string) => parseMatrix(text, FILE);

interface Case {
  name: string;
  text: string;
  path: string;
  message: RegExp;
  /** A substring of the line the issue must point at. */
  at: string;
}

const cases: Case[] = [
  {
    name: "typo inside compile_directories suggests the directory name",
    text: HEAD + "  options:\n    - name: a\n    - name: b\n      shared: true\n      compile_directories:\n        shlibs_directory: /usr/lib/postfix\n",
    path: "axes.options[1].compile_directories.shlibs_directory",
    message: /unknown option `shlibs_directory`.*did you mean `shlib_directory`/,
    at: "shlibs_directory",
  },
  {
    name: "typo at option-set top level suggests the nearest word",
    text: HEAD + "  options:\n    - name: a\n    - name: b\n      shlibs_directory: /usr/lib/postfix\n",
    path: "axes.options[1].shlibs_directory",
    message: /unknown option `shlibs_directory`.*did you mean `shlib_directory`/,
    at: "shlibs_directory",
  },
  {
    name: "a directory name at option top level points at compile/install_directories",
    text: HEAD + "defaults:\n  daemon_directory: /usr/libexec/postfix\n",
    path: "defaults.daemon_directory",
    message: /`compile_directories:`.*`install_directories:`/,
    at: "daemon_directory",
  },
  {
    name: "a directory name in an include points at compile/install_directories",
    text: HEAD + "include:\n  - os: debian:bookworm\n    config_directory: /etc/pf\n",
    path: "include[0].config_directory",
    message: /`compile_directories:`.*`install_directories:`/,
    at: "config_directory",
  },
  {
    name: "unknown feature suggests the nearest",
    text: HEAD + "defaults:\n  features: [pcre, tsl]\n",
    path: "defaults.features[1]",
    message: /`tsl` is not one of .*did you mean `tls`/,
    at: "tsl",
  },
  {
    name: "unknown disable switch suggests the nearest",
    text: HEAD + "defaults:\n  disable: [ipv8]\n",
    path: "defaults.disable[0]",
    message: /`ipv8` is not one of .*did you mean `ipv6`/,
    at: "ipv8",
  },
  {
    name: "unknown layout",
    text: HEAD + "defaults:\n  layout: debain\n",
    path: "defaults.layout",
    message: /`debain` is not one of upstream, debian, fedora \(did you mean `debian`\?\)/,
    at: "debain",
  },
  {
    name: "unknown axis suggests the nearest",
    text: HEAD + "  featurs: [[tls]]\n",
    path: "axes.featurs",
    message: /unknown axis `featurs`.*did you mean `features`/,
    at: "featurs",
  },
  {
    name: "Postfix version as a YAML number on the axis",
    text: "axes:\n  os: [debian:bookworm]\n  postfix:\n    - '3.7.11'\n    - 3.10\n",
    path: "axes.postfix[1]",
    message: /strings.*quote/,
    at: "- 3.10",
  },
  {
    name: "Postfix version as a YAML number in an include",
    text: HEAD + "include:\n  - os: debian:trixie\n    postfix: 3.9\n",
    path: "include[0].postfix",
    message: /strings.*quote/,
    at: "postfix: 3.9",
  },
  {
    name: "not a Postfix release",
    text: "axes:\n  os: [debian:bookworm]\n  postfix: ['3.10.13; rm -rf /']\n",
    path: "axes.postfix[0]",
    message: /Postfix release/,
    at: "rm -rf",
  },
  {
    name: "sha256 not 64 lower-case hex",
    text: "axes:\n  os: [debian:bookworm]\n  postfix:\n    - version: '3.10.13'\n      sha256: ABC\n",
    path: "axes.postfix[0].sha256",
    message: /64 lower-case hex/,
    at: "sha256",
  },
  {
    name: "OS that is not an image reference",
    text: "axes:\n  os: ['Debian:Bookworm']\n  postfix: ['3.10.13']\n",
    path: "axes.os[0]",
    message: /image reference/,
    at: "Debian",
  },
  {
    name: "duplicate axis value",
    text: "axes:\n  os: [debian:bookworm, debian:trixie, debian:bookworm]\n  postfix: ['3.10.13']\n",
    path: "axes.os[2]",
    message: /duplicate value `debian:bookworm` \(also at index 0\)/,
    at: "os:",
  },
  {
    name: "an axis without values",
    text: "axes:\n  os: []\n  postfix: ['3.10.13']\n",
    path: "axes.os",
    message: /at least one value/,
    at: "os:",
  },
  {
    name: "option set name not a slug",
    text: HEAD + "  options:\n    - name: Shared TLS\n",
    path: "axes.options[0].name",
    message: /lower-case/,
    at: "Shared TLS",
  },
  {
    name: "option set without a name",
    text: HEAD + "  options:\n    - shared: true\n",
    path: "axes.options[0].name",
    message: /./,
    at: "shared: true",
  },
  {
    name: "exclude naming a non-axis key",
    text: HEAD + "  options:\n    - name: plain\nexclude:\n  - features: [tls]\n",
    path: "exclude[0].features",
    message: /exclude may only name axes \(os, postfix, options\)/,
    at: "features: [tls]",
  },
  {
    name: "exclude with a near-miss axis name suggests it",
    text: HEAD + "exclude:\n  - postfx: '3.10.13'\n",
    path: "exclude[0].postfx",
    message: /did you mean `postfix`/,
    at: "postfx",
  },
  {
    name: "exclude with an inline option set",
    text: HEAD + "  options:\n    - name: plain\nexclude:\n  - options: {name: plain}\n",
    path: "exclude[0].options",
    message: /by its name/,
    at: "options: {name",
  },
  {
    name: "exclude naming an unknown option set suggests the nearest",
    text: HEAD + "  options:\n    - name: plain\n    - name: shared-tls\nexclude:\n  - options: shared-tsl\n",
    path: "exclude[0].options",
    message: /no option set named `shared-tsl`.*did you mean `shared-tls`/,
    at: "shared-tsl",
  },
  {
    name: "include naming an unknown option set suggests the nearest",
    text: HEAD + "  options:\n    - name: plain\n    - name: shared-tls\ninclude:\n  - options: plian\n    pie: true\n",
    path: "include[0].options",
    message: /no option set named `plian`.*did you mean `plain`/,
    at: "plian",
  },
  {
    name: "include with an unknown feature",
    text: HEAD + "include:\n  - os: debian:bookworm\n    features: [mongo]\n",
    path: "include[0].features[0]",
    message: /`mongo` is not one of .*did you mean `mongodb`/,
    at: "features: [mongo]",
  },
  {
    name: "fd_setsize out of range",
    text: HEAD + "defaults:\n  fd_setsize: 10\n",
    path: "defaults.fd_setsize",
    message: /./,
    at: "fd_setsize",
  },
  {
    name: "shlib_suffix without a dot",
    text: HEAD + "defaults:\n  shlib_suffix: so\n",
    path: "defaults.shlib_suffix",
    message: /\.so/,
    at: "shlib_suffix",
  },
];

describe("issue locations", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const issues = configIssues(() => parse(c.text));
    const issue = issues.find((i) => i.path === c.path);
    expect(issue, `issues were: ${issues.map(formatIssue).join(" | ")}`).toBeDefined();
    expect(issue!.file).toBe(FILE);
    expect(issue!.message).toMatch(c.message);
    expect(issue!.line).toBe(lineOf(c.text, c.at));
    // The printed form leads with file:line: path:
    expect(formatIssue(issue!).startsWith(`${FILE}:${issue!.line}: ${c.path}: `)).toBe(true);
  });

  it("every message in a many-error file names the file, a path and a line", () => {
    const text = [
      "axes:",
      "  os: [debian:bookworm]",
      "  postfix: ['3.10.13', 3.10]",
      "  options:",
      "    - name: ok",
      "      features: [tsl]",
      "      compile_directories:",
      "        shlibs_directory: /x",
      "exclude:",
      "  - cc: gcc",
      "include:",
      "  - options: nope",
      "",
    ].join("\n");
    let err: unknown;
    try {
      parse(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.exitCode).toBe(ExitCode.badInput);
    expect(ce.issues.map((i) => i.path).sort()).toEqual([
      "axes.options[0].compile_directories.shlibs_directory",
      "axes.options[0].features[0]",
      "axes.postfix[1]",
      "exclude[0].cc",
      "include[0].options",
    ]);
    for (const i of ce.issues) {
      expect(i.file).toBe(FILE);
      expect(i.line).toBeGreaterThan(0);
    }
    const lines = ce.message.split("\n");
    expect(lines).toHaveLength(ce.issues.length);
    for (const l of lines) expect(l).toMatch(/^conf\/matrix\.yaml:\d+: \S+: /);
  });

  // `defaults` is checked on its own, so its errors come with the others, all at once.
  it("a bad `defaults` does not hide errors in the axes", () => {
    const text = HEAD + "  options:\n    - name: ok\n      features: [tsl]\ndefaults:\n  ccargs: '-DX=$(Y)'\n";
    const paths = configIssues(() => parse(text)).map((i) => i.path).sort();
    expect(paths).toEqual(["axes.options[0].features[0]", "defaults.ccargs"]);
  });

  it("a missing axis is reported on the axes block", () => {
    const text = "name: x\naxes:\n  os: [debian:bookworm]\n";
    const issues = configIssues(() => parse(text));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes");
    expect(issues[0]!.message).toMatch(/missing axis `postfix`/);
    // The key line (2) or the first line of its block (3).
    expect([2, 3]).toContain(issues[0]!.line);
  });

  it("an unknown top-level key with an inline value is reported on its line", () => {
    const text = HEAD + "exlude: [{os: debian:bookworm}]\n";
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => [i.path, i.line])).toEqual([["exlude", 4]]);
    expect(issues[0]!.message).toMatch(/unknown option `exlude`.*did you mean `exclude`/);
  });

  it("an unknown top-level key with a block value is reported on the key's line", () => {
    const text = HEAD + "exlude:\n  - os: debian:bookworm\n";
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => [i.path, i.line])).toEqual([["exlude", 4]]);
  });
});

describe("YAML syntax", () => {
  it.each([
    ["an unclosed flow sequence", "axes:\n  os: [debian:bookworm\n  postfix: ['3.10.13']\n"],
    ["a duplicate key", "axes:\n  os: [debian:bookworm]\n  postfix: ['3.10.13']\n  os: [debian:trixie]\n"],
    ["a bad indentation", "axes:\n  os: [debian:bookworm]\n postfix: ['3.10.13']\n"],
  ])("%s is reported with a line", (_n, text) => {
    const issues = configIssues(() => parse(text));
    expect(issues.length).toBeGreaterThan(0);
    for (const i of issues) {
      expect(i.file).toBe(FILE);
      expect(i.line).toBeGreaterThanOrEqual(2);
      expect(i.message).not.toContain("\n");
    }
  });
});

describe("flags text (ccargs, auxlibs, opt, debug, warn, shlib_*)", () => {
  it.each([
    ["ccargs", "-DA\n-DB", /control characters/],
    ["ccargs", "-DA\t-DB", /control characters/],
    ["opt", "-O2 $(EXTRA)", /`\$`/],
    ["debug", "-g `id`", /backquote/],
    ["auxlibs", "-L$HOME/lib", /`\$`/],
    ["warn", "-W\u0007", /control characters/],
    ["shlib_rpath", "-Wl,-rpath,${x}", /`\$`/],
    // Shell metacharacters: the Makefiles pass these values to sh unquoted.
    ["ccargs", "-DX=a;b", /must not contain `;`: Postfix's Makefiles pass this value to sh unquoted during the build/],
    ["auxlibs", "-lfoo | id", /must not contain `\|`/],
    ["opt", "-O2 && id", /must not contain `&`/],
    ["debug", "-g # comment", /must not contain `#`/],
    ["warn", "-Wall > /tmp/x", /must not contain `>`/],
    ["shlib_cflags", "-fPIC (x)", /must not contain `\(`/],
    ["shlib_rpath", "-Wl,-rpath,~/lib", /must not contain `~`/],
    ["ccargs", "-I/opt/*/include", /must not contain `\*`/],
    ["ccargs", "-DX=[a]", /must not contain `\[`/],
    ["ccargs", "-DX=!y", /must not contain `!`/],
    // Control characters and `$`/backquote come first: one message per value.
    ["ccargs", "-DX=$(Y);id", /`\$` or a backquote/],
    ["ccargs", "-DA;\n-DB", /control characters/],
  ])("%s %j is rejected", (field, value, message) => {
    const text = HEAD + "defaults:\n  " + field + ": " + JSON.stringify(value) + "\n";
    const issues = configIssues(() => parse(text));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe(`defaults.${field}`);
    expect(issues[0]!.message).toMatch(message);
    expect(issues[0]!.line).toBe(lineOf(text, `${field}:`));
  });

  it.each([
    ["ccargs", "-DDEF_MAIL_OWNER=\\\"pf\\\" -I'/opt/x y'"],
    ["auxlibs", "-L/opt/lib -lfoo"],
    ["opt", "-O2 -g"],
    ["shlib_rpath", "-Wl,-rpath,/usr/lib/postfix"],
  ])("%s %j (quotes, spaces) is accepted", (field, value) => {
    const m = parse(HEAD + "defaults:\n  " + field + ": " + JSON.stringify(value) + "\n");
    expect(m.defaults[field as "ccargs"]).toBe(value);
  });

  it.each([["gcc"], ["clang-16"], ["x86_64-linux-gnu-gcc"], ["gcc+x"]])("cc %j is accepted", (cc) => {
    expect(parse(HEAD + `defaults:\n  cc: ${cc}\n`).defaults.cc).toBe(cc);
  });

  it.each([["gcc -m32"], ["gcc;id"], ["-gcc"], ["$CC"]])("cc %j is rejected", (cc) => {
    const issues = configIssues(() => parse(HEAD + `defaults:\n  cc: ${JSON.stringify(cc)}\n`));
    expect(issues.map((i) => i.path)).toEqual(["defaults.cc"]);
  });

  it.each([["cc"], ["openssl_path"]])("%s accepts an absolute path (/usr/bin/...)", (field) => {
    const text = field === "cc"
      ? HEAD + "defaults:\n  cc: /usr/bin/gcc-12\n"
      : HEAD + "defaults:\n  compile_directories:\n    openssl_path: /usr/bin/openssl\n";
    const m = parse(text);
    expect(field === "cc" ? m.defaults.cc : m.defaults.compile_directories?.openssl_path).toMatch(/^\/usr\/bin\//);
  });
});

describe("directory values", () => {
  const dirs = (section: string, name: string, value: string) =>
    HEAD + `defaults:\n  shared: true\n  ${section}:\n    ${name}: ${JSON.stringify(value)}\n`;

  it.each<[string, string, RegExp]>([
    ["/usr/lib/post fix", "daemon_directory", /absolute path/],
    ["/etc/postfix;id", "config_directory", /absolute path/],
    ["etc/postfix", "config_directory", /absolute path/],
    ["./postfix", "config_directory", /absolute path/],
    ["/usr/lib/../postfix", "daemon_directory", /`\.\.`/],
    ["/usr/lib/postfix/..", "daemon_directory", /`\.\.`/],
    ["/usr/lib/MAIL_VERSION/postfix", "shlib_directory", /MAIL_VERSION.*only at the end/],
    ["/usr/MAIL_VERSION/MAIL_VERSION", "shlib_directory", /MAIL_VERSION.*only at the end/],
    ["/var/$x", "data_directory", /absolute path/],
    ["no", "daemon_directory", /absolute path/],
    ["", "queue_directory", /absolute path/],
  ])("%j as %s is rejected in both sections", (value, name, message) => {
    for (const section of ["compile_directories", "install_directories"]) {
      const text = dirs(section, name, value);
      const issues = configIssues(() => parse(text));
      expect(issues.length).toBeGreaterThanOrEqual(1);
      const i = issues.find((x) => x.path === `defaults.${section}.${name}`);
      expect(i, JSON.stringify(issues)).toBeDefined();
      expect(i!.message).toMatch(message);
      expect(i!.line).toBe(lineOf(text, `${name}:`));
    }
  });

  it.each([
    ["/usr/lib/postfix/MAIL_VERSION", "shlib_directory"],
    ["/usr/share/doc/postfix-MAIL_VERSION", "readme_directory"],
    ["/usr/libexec/postfix", "daemon_directory"],
    ["no", "html_directory"],
    ["no", "readme_directory"],
    ["no", "manpage_directory"],
  ])("%j as %s is accepted", (value, name) => {
    const m = parse(dirs("compile_directories", name, value));
    expect(m.defaults.compile_directories).toEqual({ [name]: value });
  });

  it("openssl_path takes a command name, not only an absolute path", () => {
    expect(parse(dirs("compile_directories", "openssl_path", "openssl")).defaults.compile_directories).toEqual({ openssl_path: "openssl" });
  });

  it("names only make makefiles knows are rejected under install_directories", () => {
    const text = dirs("install_directories", "openssl_path", "/usr/bin/openssl");
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => i.path)).toEqual(["defaults.install_directories.openssl_path"]);
  });
});

describe("vocabulary", () => {
  it.each(FEATURE_NAMES.map((f) => [f]))("feature %s is accepted", (f) => {
    expect(parse(HEAD + `defaults:\n  features: [${f}]\n`).defaults.features).toEqual([f]);
  });
});
