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
    text:
      HEAD +
      "  options:\n    - name: a\n    - name: b\n      shared: true\n      compile_directories:\n        shlibs_directory: /usr/lib/postfix\n",
    path: "axes.options[1].compile_directories.shlibs_directory",
    message: /unknown option `shlibs_directory`.*did you mean `shlib_directory`/,
    at: "shlibs_directory",
  },
  {
    name: "typo at option-set top level suggests the nearest word",
    text: `${HEAD}  options:\n    - name: a\n    - name: b\n      shlibs_directory: /usr/lib/postfix\n`,
    path: "axes.options[1].shlibs_directory",
    message: /unknown option `shlibs_directory`.*did you mean `shlib_directory`/,
    at: "shlibs_directory",
  },
  {
    name: "a directory name at option top level points at compile/install_directories",
    text: `${HEAD}defaults:\n  daemon_directory: /usr/libexec/postfix\n`,
    path: "defaults.daemon_directory",
    message: /`compile_directories:`.*`install_directories:`/,
    at: "daemon_directory",
  },
  {
    name: "a directory name in an include points at compile/install_directories",
    text: `${HEAD}include:\n  - os: debian:bookworm\n    config_directory: /etc/pf\n`,
    path: "include[0].config_directory",
    message: /`compile_directories:`.*`install_directories:`/,
    at: "config_directory",
  },
  {
    name: "unknown feature suggests the nearest",
    text: `${HEAD}defaults:\n  features: [pcre, tsl]\n`,
    path: "defaults.features[1]",
    message: /`tsl` is not one of .*did you mean `tls`/,
    at: "tsl",
  },
  {
    name: "unknown disable switch suggests the nearest",
    text: `${HEAD}defaults:\n  disable: [ipv8]\n`,
    path: "defaults.disable[0]",
    message: /`ipv8` is not one of .*did you mean `ipv6`/,
    at: "ipv8",
  },
  {
    name: "unknown layout",
    text: `${HEAD}defaults:\n  layout: debain\n`,
    path: "defaults.layout",
    message: /`debain` is not one of upstream, debian, fedora \(did you mean `debian`\?\)/,
    at: "debain",
  },
  {
    name: "unknown axis suggests the nearest",
    text: `${HEAD}  featurs: [[tls]]\n`,
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
    text: `${HEAD}include:\n  - os: debian:trixie\n    postfix: 3.9\n`,
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
    text: `${HEAD}  options:\n    - name: Shared TLS\n`,
    path: "axes.options[0].name",
    message: /lower-case/,
    at: "Shared TLS",
  },
  {
    name: "option set without a name",
    text: `${HEAD}  options:\n    - shared: true\n`,
    path: "axes.options[0].name",
    message: /./,
    at: "shared: true",
  },
  {
    name: "exclude naming a non-axis key",
    text: `${HEAD}  options:\n    - name: plain\nexclude:\n  - features: [tls]\n`,
    path: "exclude[0].features",
    message: /exclude may only name axes \(os, postfix, options\)/,
    at: "features: [tls]",
  },
  {
    name: "exclude with a near-miss axis name suggests it",
    text: `${HEAD}exclude:\n  - postfx: '3.10.13'\n`,
    path: "exclude[0].postfx",
    message: /did you mean `postfix`/,
    at: "postfx",
  },
  {
    name: "exclude with an inline option set",
    text: `${HEAD}  options:\n    - name: plain\nexclude:\n  - options: {name: plain}\n`,
    path: "exclude[0].options",
    message: /by its name/,
    at: "options: {name",
  },
  {
    name: "exclude naming an unknown option set suggests the nearest",
    text: `${HEAD}  options:\n    - name: plain\n    - name: shared-tls\nexclude:\n  - options: shared-tsl\n`,
    path: "exclude[0].options",
    message: /no option set named `shared-tsl`.*did you mean `shared-tls`/,
    at: "shared-tsl",
  },
  {
    name: "include naming an unknown option set suggests the nearest",
    text: `${HEAD}  options:\n    - name: plain\n    - name: shared-tls\ninclude:\n  - options: plian\n    pie: true\n`,
    path: "include[0].options",
    message: /no option set named `plian`.*did you mean `plain`/,
    at: "plian",
  },
  {
    name: "include with an unknown feature",
    text: `${HEAD}include:\n  - os: debian:bookworm\n    features: [mongo]\n`,
    path: "include[0].features[0]",
    message: /`mongo` is not one of .*did you mean `mongodb`/,
    at: "features: [mongo]",
  },
  {
    name: "fd_setsize out of range",
    text: `${HEAD}defaults:\n  fd_setsize: 10\n`,
    path: "defaults.fd_setsize",
    message: /./,
    at: "fd_setsize",
  },
  {
    name: "shlib_suffix without a dot",
    text: `${HEAD}defaults:\n  shlib_suffix: so\n`,
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
    const text = `${HEAD}  options:\n    - name: ok\n      features: [tsl]\ndefaults:\n  ccargs: '-DX=$(Y)'\n`;
    const paths = configIssues(() => parse(text))
      .map((i) => i.path)
      .sort();
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
    const text = `${HEAD}exlude: [{os: debian:bookworm}]\n`;
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => [i.path, i.line])).toEqual([["exlude", 4]]);
    expect(issues[0]!.message).toMatch(/unknown option `exlude`.*did you mean `exclude`/);
  });

  it("an unknown top-level key with a block value is reported on the key's line", () => {
    const text = `${HEAD}exlude:\n  - os: debian:bookworm\n`;
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
    const text = `${HEAD}defaults:\n  ${field}: ${JSON.stringify(value)}\n`;
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
    const m = parse(`${HEAD}defaults:\n  ${field}: ${JSON.stringify(value)}\n`);
    expect(m.defaults[field as "ccargs"]).toBe(value);
  });

  it.each([["gcc"], ["clang-16"], ["x86_64-linux-gnu-gcc"], ["gcc+x"]])("cc %j is accepted", (cc) => {
    expect(parse(`${HEAD}defaults:\n  cc: ${cc}\n`).defaults.cc).toBe(cc);
  });

  it.each([["gcc -m32"], ["gcc;id"], ["-gcc"], ["$CC"]])("cc %j is rejected", (cc) => {
    const issues = configIssues(() => parse(`${HEAD}defaults:\n  cc: ${JSON.stringify(cc)}\n`));
    expect(issues.map((i) => i.path)).toEqual(["defaults.cc"]);
  });

  it.each([["cc"], ["openssl_path"]])("%s accepts an absolute path (/usr/bin/...)", (field) => {
    const text =
      field === "cc"
        ? `${HEAD}defaults:\n  cc: /usr/bin/gcc-12\n`
        : `${HEAD}defaults:\n  compile_directories:\n    openssl_path: /usr/bin/openssl\n`;
    const m = parse(text);
    expect(field === "cc" ? m.defaults.cc : m.defaults.compile_directories?.openssl_path).toMatch(/^\/usr\/bin\//);
  });
});

describe("directory values", () => {
  const dirs = (section: string, name: string, value: string) =>
    `${HEAD}defaults:\n  shared: true\n  ${section}:\n    ${name}: ${JSON.stringify(value)}\n`;

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
    expect(parse(`${HEAD}defaults:\n  features: [${f}]\n`).defaults.features).toEqual([f]);
  });
});

describe("YAML that used to end in an internal error (issue 13)", () => {
  const at = (text: string) => configIssues(() => parse(text)).map((i) => [i.line, i.path, i.message] as const);

  it("an alias to an undefined anchor names its line and field", () => {
    const text = `${HEAD}  options:\n    - *nope\n`;
    expect(at(text)).toEqual([[5, "axes.options[0]", expect.stringMatching(/alias `\*nope` refers to no anchor/)]]);
  });

  it("an ordinary anchor used 150 times is fine (the yaml library's own guard refused it)", () => {
    const sets = Array.from({ length: 150 }, (_, i) => `    - {name: s${i}, features: *f}`).join("\n");
    const m = parse(`defaults: {features: &f [tls]}\n${HEAD}  options:\n${sets}\n`);
    expect(m.axes.find((a) => a.key === "options")!.values).toHaveLength(150);
  });

  it("a 'billion laughs' file is refused at the alias that passes the limit, quickly", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (const [prev, name] of [
      ["a", "b"],
      ["b", "c"],
      ["c", "d"],
      ["d", "e"],
      ["e", "f"],
      ["f", "g"],
      ["g", "h"],
    ]) {
      levels.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    }
    const started = Date.now();
    const issues = at(`${levels.join("\n")}\n${HEAD}`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(issues).toEqual([[5, "e[7]", expect.stringMatching(/more than 100,000 values once its aliases are expanded/)]]);
  });

  it("__proto__ keys are refused instead of vanishing (an exclude of {} would remove every cell)", () => {
    expect(at(`${HEAD}exclude:\n  - {__proto__: {os: debian:bookworm}}\n`)).toEqual([
      [5, "exclude[0]", expect.stringMatching(/`__proto__` is not allowed/)],
    ]);
  });

  it("an empty exclude entry is refused: it would match every cell", () => {
    expect(at(`${HEAD}exclude:\n  - {}\n`)).toEqual([[5, "exclude[0]", expect.stringMatching(/empty exclude entry matches every cell/)]]);
  });

  it("a YAML merge key says so, instead of `did you mean cc`", () => {
    const issues = at(`${HEAD}  options:\n    - &a {name: a, shared: true}\n    - {name: b, <<: *a}\n`);
    expect(issues).toEqual([[6, "axes.options[1]", expect.stringMatching(/YAML merge keys \(`<<`\) are not supported/)]]);
  });

  it.each([
    ["flow", `${HEAD}defaults:\n  features: ${"[".repeat(5000)}${"]".repeat(5000)}\n`, 5],
    ["block", `${HEAD}defaults:\n  features:\n    ${"- ".repeat(5000)}tls\n`, 6],
  ])("deep %s nesting is a line, not V8's stack overflow", (_kind, text, line) => {
    expect(at(text)).toEqual([[line, "", expect.stringMatching(/nested more than 64 levels deep/)]]);
  });

  it.each([
    ["an empty file", ""],
    ["a comments-only file", "# later\n"],
  ])("%s says what a matrix needs", (_n, text) => {
    expect(at(text)).toEqual([[1, "", expect.stringMatching(/the file is empty .*needs `axes:` with at least `os` and `postfix`/)]]);
  });
});

describe("union and type messages in words (issue 13)", () => {
  it.each([
    ["true", /must be a Postfix release: a string such as "3\.10\.13", or \{version: "3\.9\.4", sha256: \.\.\.\}; not true/],
    ["~", /must be a Postfix release.*; not empty/],
    ["[a]", /must be a Postfix release.*; not a list/],
  ])("postfix: [%s]", (value, message) => {
    const issues = configIssues(() => parse(`axes:\n  os: [debian:bookworm]\n  postfix: [${value}]\n`));
    expect(issues.map((i) => [i.line, i.path])).toEqual([[3, "axes.postfix[0]"]]);
    expect(issues[0]!.message).toMatch(message);
  });

  it("a release object with a typo names the key and suggests the right one", () => {
    const issues = configIssues(() => parse("axes:\n  os: [debian:bookworm]\n  postfix:\n    - {versoin: '3.10.13', sha256: x}\n"));
    expect(issues.find((i) => i.path === "axes.postfix[0].versoin")!.message).toMatch(/did you mean `version`/);
    expect(issues.every((i) => i.line === 4)).toBe(true);
  });

  it.each([
    ["shared: 'yes'", "defaults.shared", /^must be true or false, not the string "yes"$/],
    ["features: tls", "defaults.features", /^must be a list \(`- item` lines or `\[\.\.\.\]`\), not the string "tls"$/],
    ["fd_setsize: 10", "defaults.fd_setsize", /^must be at least 64 \(is the number 10\)$/],
    ["compile_directories: /usr", "defaults.compile_directories", /^must be a mapping .*not the string "\/usr"$/],
    ["compile_directories: {html_directory: x}", "defaults.compile_directories.html_directory", /absolute path .*\(or `no`\)$/],
  ])("defaults %s", (line, path, message) => {
    const issues = configIssues(() => parse(`${HEAD}defaults:\n  ${line}\n`));
    expect(issues.map((i) => [i.line, i.path])).toEqual([[5, path]]);
    expect(issues[0]!.message).toMatch(message);
  });
});

describe("compiler-driver options that run programs or load code (issue 13)", () => {
  it.each([
    ["ccargs", "-wrapper /bin/sh,-c,id", "-wrapper", /run the given program for every compile/],
    ["ccargs", "-DX -wr''apper /bin/sh", "-wrapper", /run the given program/],
    ["ccargs", '"-wrapper" x', "-wrapper", /run the given program/],
    ["opt", "-O2 -fplugin=/tmp/x.so", "-fplugin=/tmp/x.so", /loads a plugin/],
    ["opt", "-fplugin-arg-x-y=1", "-fplugin-arg-x-y=1", /loads a plugin/],
    ["ccargs", "-fpass-plugin=/tmp/p.so", "-fpass-plugin=/tmp/p.so", /loads a plugin/],
    ["ccargs", "-iplugindir=/tmp", "-iplugindir=/tmp", /plugins are loaded from/],
    ["debug", "-g -B/tmp/evil", "-B/tmp/evil", /programs they run/],
    ["debug", "-B /tmp/evil", "-B", /programs they run/],
    ["ccargs", "--prefix=/tmp/evil", "--prefix=/tmp/evil", /long form of -B/],
    ["warn", "-specs=/tmp/x.specs", "-specs=/tmp/x.specs", /spec file/],
    ["warn", "--specs=/tmp/x.specs", "--specs=/tmp/x.specs", /spec file/],
    ["auxlibs", "@/tmp/args", "@/tmp/args", /response file/],
    ["auxlibs", "-Wl,@/tmp/args", "@/tmp/args", /response file/],
    ["shlib_rpath", "-Wl,-plugin,/tmp/p.so", "-plugin", /into the compiler or the linker/],
    ["shlib_rpath", "-Wl,--plugin=/tmp/p.so", "--plugin=/tmp/p.so", /linker/],
    ["shlib_cflags", "-Xlinker -plugin -Xlinker /tmp/p.so", "-plugin", /linker/],
    ["shlib_cflags", "-Xclang -load -Xclang /tmp/p.so", "-load", /shared object/],
    ["shlib_cflags", "-Xclang -add-plugin -Xclang x", "-add-plugin", /plugin/],
    ["auxlibs", "-fuse-ld=/tmp/ld", "-fuse-ld=/tmp/ld", /as the linker/],
    ["auxlibs", "--ld-path=/tmp/ld", "--ld-path=/tmp/ld", /as the linker/],
    ["ccargs", "--config=/tmp/x.cfg", "--config=/tmp/x.cfg", /clang configuration file/],
    ["ccargs", "--gcc-toolchain=/tmp/tc", "--gcc-toolchain=/tmp/tc", /another directory/],
    ["ccargs", "-ccc-install-dir /tmp", "-ccc-install-dir", /another directory/],
  ])("%s %j is refused for %s", (field, value, option, why) => {
    const text = `${HEAD}defaults:\n  ${field}: ${JSON.stringify(value)}\n`;
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => [i.line, i.path])).toEqual([[5, `defaults.${field}`]]);
    expect(issues[0]!.message).toContain(`must not contain \`${option}\`: it `);
    expect(issues[0]!.message).toMatch(why);
  });

  it.each([
    ["auxlibs", "-L/opt/lib -Wl,-Bstatic -lfoo -Wl,-Bdynamic"],
    ["shlib_rpath", "-Wl,-rpath,/usr/lib/postfix,-z,now"],
    ["ccargs", '-DDEF_MAIL_OWNER=\\"@postfix\\" -fuse-ld=gold -DLOADER=1 -DCONFIG_X'],
    ["opt", "-O2 -fstack-protector-strong -fno-plt"],
  ])("%s %j is still accepted", (field, value) => {
    const m = parse(`${HEAD}defaults:\n  ${field}: ${JSON.stringify(value)}\n`);
    expect(m.defaults[field as "ccargs"]).toBe(value);
  });
});

describe("names derived from the file name (issue 13)", () => {
  it.each([["...yaml"], [".yaml"], ["has space.yaml"], ["$(id).yaml"], ["a_.yaml"], ["-x.yml"]])("%s is refused: add `name:`", (base) => {
    const issues = configIssues(() => parseMatrixAt(`dir/${base}`));
    expect(issues.map((i) => [i.line, i.path])).toEqual([[1, "name"]]);
    expect(issues[0]!.message).toMatch(/has no `name:`, and its file name .* does not make one .*add `name:`$/);
  });

  it.each([
    ["default.yaml", "default"],
    ["My-Matrix.YML", "my-matrix"],
    ["a.b_c.yaml", "a.b_c"],
  ])("%s gives the name %s", (base, name) => {
    expect(parseMatrixAt(`dir/${base}`).name).toBe(name);
  });

  function parseMatrixAt(file: string) {
    return parseMatrix("axes:\n  os: [debian:bookworm]\n  postfix: ['3.10.13']\n", file);
  }
});
