// Mistakes in an upgrade file are ConfigErrors with file, field path and line, all at once.
import { describe, expect, it } from "vitest";
import { parseUpgradeFile } from "../../src/core/upgrade/load.js";
import { ExitCode, formatIssue } from "../../src/errors.js";
import { configIssues, lineOf } from "../core/helpers.js";

const FILE = "conf/upgrade.yaml";
const parse = (text: string) => parseUpgradeFile(text, FILE);
const HEAD = "scenarios:\n  - name: s\n    os: debian:bookworm\n";
const SIDES = '    from: { postfix: "3.7.11" }\n    to: { postfix: "3.10.13" }\n';

interface Case {
  name: string;
  text: string;
  path: string;
  message: RegExp;
  at?: string;
}

const cases: Case[] = [
  {
    name: "different os per side is refused, with the reason",
    text: 'scenarios:\n  - name: s\n    from: { os: debian:bookworm, postfix: "3.7.11" }\n    to: { os: debian:trixie, postfix: "3.10.13" }\n',
    path: "scenarios[0].to.os",
    message: /installs the new build into the running old container/,
    at: "debian:trixie",
  },
  {
    name: "a side os contradicting the scenario's",
    text: `${HEAD}    from: { postfix: "3.7.11", os: debian:trixie }\n    to: { postfix: "3.10.13" }\n`,
    path: "scenarios[0].from.os",
    message: /differs from the scenario's os/,
    at: "debian:trixie",
  },
  {
    name: "missing os",
    text: 'scenarios:\n  - name: s\n    from: { postfix: "3.7.11" }\n    to: { postfix: "3.10.13" }\n',
    path: "scenarios[0]",
    message: /missing `os`/,
  },
  {
    name: "unquoted version",
    text: `${HEAD}    from: { postfix: 3.10 }\n    to: { postfix: "3.10.13" }\n`,
    path: "scenarios[0].from.postfix",
    message: /quote it/,
    at: "3.10 }",
  },
  {
    name: "an option typo inside a side, with the matrix's suggestion",
    text:
      HEAD +
      '    from: { postfix: "3.7.11", options: { shared: true, compile_directories: { shlibs_directory: /usr/lib/postfix } } }\n    to: { postfix: "3.10.13" }\n',
    path: "scenarios[0].from.options.compile_directories.shlibs_directory",
    message: /did you mean `shlib_directory`/,
  },
  {
    name: "matrix rules apply per side (checkCell), pointing at the side's field",
    text:
      HEAD +
      '    from: { postfix: "3.7.11" }\n    to:\n      postfix: "3.10.13"\n      options:\n        compile_directories: { shlib_directory: /usr/lib/postfix/MAIL_VERSION }\n',
    path: "scenarios[0].to.options.compile_directories",
    message: /shlib_directory is set but shared=no/,
    at: "compile_directories",
  },
  {
    name: "MAIL_VERSION in the middle of a path",
    text:
      HEAD +
      '    from: { postfix: "3.7.11" }\n    to: { postfix: "3.10.13", options: { shared: true, compile_directories: { shlib_directory: /usr/lib/MAIL_VERSION/postfix } } }\n',
    path: "scenarios[0].to.options.compile_directories.shlib_directory",
    message: /only at the end/,
  },
  {
    name: "different config_directory: make upgrade would not find main.cf",
    text:
      HEAD +
      '    from: { postfix: "3.7.11" }\n    to: { postfix: "3.10.13", options: { compile_directories: { config_directory: /usr/local/etc/postfix } } }\n',
    path: "scenarios[0].to.options.compile_directories.config_directory",
    message: /would not find the running system's configuration/,
  },
  {
    name: "the same build on both sides",
    text: `${HEAD}    from: { postfix: "3.10.13" }\n    to: { postfix: "3.10.13" }\n`,
    path: "scenarios[0].to",
    message: /same build: nothing would change/,
  },
  {
    name: "breaks without expect: fail",
    text: `${HEAD + SIDES}    breaks: [mail-version]\n`,
    path: "scenarios[0].breaks",
    message: /needs `expect: fail`/,
  },
  {
    name: "an unknown check in breaks, with a suggestion",
    text: `${HEAD + SIDES}    expect: fail\n    breaks: [mail-versoin]\n`,
    path: "scenarios[0].breaks[0]",
    message: /unknown check `mail-versoin` \(did you mean `mail-version`\?\)/,
    at: "mail-versoin",
  },
  {
    name: "a known check that this scenario does not run",
    text: `${HEAD + SIDES}    expect: fail\n    breaks: [shlib-versions-kept]\n`,
    path: "scenarios[0].breaks[0]",
    message: /does not run in this scenario/,
  },
  {
    name: "apply must be reload or restart",
    text: `${HEAD + SIDES}    apply: relaod\n`,
    path: "scenarios[0].apply",
    message: /did you mean `reload`/,
    at: "relaod",
  },
  {
    name: "settings may not touch what keeps the test safe",
    text: `${HEAD + SIDES}    settings: { default_transport: smtp }\n`,
    path: "scenarios[0].settings.default_transport",
    message: /never deliver outward/,
  },
  {
    name: "an unknown release needs its checksum",
    text: `${HEAD}    from: { postfix: "3.7.11" }\n    to: { postfix: "3.9.4" }\n`,
    path: "scenarios[0].to.postfix",
    message: /sha256/,
  },
  {
    name: "releases older than the images support",
    text: `${HEAD}    from: { postfix: { version: "3.3.1", sha256: "${"0".repeat(64)}" } }\n    to: { postfix: "3.10.13" }\n`,
    path: "scenarios[0].from.postfix",
    message: /too old for upgrade scenarios: the images need >= 3\.4/,
  },
  {
    name: "non-Debian images",
    text: `scenarios:\n  - name: s\n    os: fedora:42\n${SIDES}`,
    path: "scenarios[0].os",
    message: /only Debian-family images/,
  },
  {
    name: "unknown scenario key",
    text: `${HEAD + SIDES}    expected: fail\n`,
    path: "scenarios[0].expected",
    message: /unknown option `expected`/,
  },
];

describe("upgrade file validation", () => {
  for (const c of cases) {
    it(c.name, () => {
      const issues = configIssues(() => parse(c.text));
      const hit = issues.find((i) => i.path === c.path);
      expect(hit, `issues: ${issues.map(formatIssue).join(" / ")}`).toBeDefined();
      expect(hit!.message).toMatch(c.message);
      expect(hit!.file).toBe(FILE);
      if (c.at) expect(hit!.line).toBe(lineOf(c.text, c.at));
    });
  }

  it("reports every problem at once and exits with the bad-input code", () => {
    const text =
      'scenarios:\n  - name: a\n    os: debian:bookworm\n    from: { postfix: 3.7 }\n    to: { postfix: "3.10.13" }\n  - name: a\n    os: debian:bookworm\n' +
      SIDES +
      "    apply: sometimes\n";
    let err: unknown;
    try {
      parse(text);
    } catch (e) {
      err = e;
    }
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["scenarios[0].from.postfix", "scenarios[1].apply"]));
    expect((err as { exitCode: number }).exitCode).toBe(ExitCode.badInput);
  });

  it("duplicate scenario names", () => {
    const text = `scenarios:\n  - name: a\n    os: debian:bookworm\n${SIDES}  - name: a\n    os: debian:bookworm\n${SIDES}`;
    const issues = configIssues(() => parse(text));
    expect(issues[0]).toMatchObject({ path: "scenarios[1].name", message: expect.stringMatching(/duplicate scenario name/) });
  });

  it("an empty file and top-level x- anchors", () => {
    expect(configIssues(() => parse("scenarios: []\n"))[0]!.message).toMatch(/at least one scenario/);
    const plan = parse(
      `x-opts: &o { shared: true }\nscenarios:\n  - name: a\n    os: debian:bookworm\n    from: { postfix: "3.7.11", options: *o }\n    to: { postfix: "3.10.13", options: *o }\n`,
    );
    expect(plan.scenarios[0]!.to.cell.options.shared).toBe(true);
  });
});

describe("bad input that used to crash or mislead (issue 13)", () => {
  it("an alias to an undefined anchor names its line", () => {
    const text = `${HEAD}    from: { postfix: "3.7.11", options: *nope }\n    to: { postfix: "3.10.13" }\n`;
    expect(configIssues(() => parse(text)).map((i) => [i.line, i.path])).toEqual([[4, "scenarios[0].from.options"]]);
  });

  it("a merge key (`<<: *versioned`) says it is not supported", () => {
    const text =
      "x-v: &v { shared: true }\n" +
      HEAD +
      '    from: { postfix: "3.7.11", options: *v }\n    to:\n      postfix: "3.10.13"\n      options:\n        <<: *v\n        pie: true\n';
    const issues = configIssues(() => parse(text));
    expect(issues.map((i) => [i.line, i.path])).toEqual([[9, "scenarios[0].to.options"]]);
    expect(issues[0]!.message).toMatch(/YAML merge keys \(`<<`\) are not supported/);
  });

  it("a matrix file given to upgrade says which command reads it", () => {
    const issues = configIssues(() => parse("name: m\naxes:\n  os: [debian:bookworm]\n  postfix: ['3.10.13']\n"));
    expect(issues).toEqual([
      expect.objectContaining({
        path: "axes",
        line: 2,
        message: expect.stringMatching(/this is a matrix file .*`postfix-matrix expand conf\/upgrade\.yaml`/),
      }),
    ]);
  });

  it.each([
    ["", 1],
    ["# nothing yet\n", 1],
  ])("an empty file (%j) says what an upgrade file needs", (text, line) => {
    expect(configIssues(() => parse(text))).toEqual([
      expect.objectContaining({ line, message: expect.stringMatching(/empty .*needs `scenarios:`/) }),
    ]);
  });

  it("a derived name follows the name rules", () => {
    const text = HEAD + SIDES;
    expect(parseUpgradeFile(text, "dir/Upgrade-Tests.yaml").name).toBe("upgrade-tests");
    const issues = configIssues(() => parseUpgradeFile(text, "dir/...yaml"));
    expect(issues.map((i) => [i.path, i.line])).toEqual([["name", 1]]);
    expect(issues[0]!.message).toMatch(/the upgrade name must be/);
  });

  it("a release given as true says what a release is, not `Invalid input`", () => {
    const issues = configIssues(() => parse(`${HEAD}    from: { postfix: true }\n    to: { postfix: "3.10.13" }\n`));
    expect(issues.map((i) => [i.line, i.path])).toEqual([[4, "scenarios[0].from.postfix"]]);
    expect(issues[0]!.message).toMatch(/^must be a Postfix release: a string such as "3\.10\.13"/);
  });

  it("a driver option that runs a program is refused in a side's options", () => {
    const issues = configIssues(() =>
      parse(`${HEAD}    from: { postfix: "3.7.11" }\n    to: { postfix: "3.10.13", options: { opt: "-O2 -wrapper /bin/sh,-c,id" } }\n`),
    );
    expect(issues.map((i) => [i.line, i.path])).toEqual([[5, "scenarios[0].to.options.opt"]]);
  });

  it("a settings key that is not a parameter name says so", () => {
    const issues = configIssues(() => parse(`${HEAD + SIDES}    settings: { Relay-Host: x }\n`));
    expect(issues.map((i) => [i.line, i.path, i.message])).toEqual([
      [
        6,
        "scenarios[0].settings.Relay-Host",
        "`Relay-Host` is not a valid key here: must be a main.cf parameter name (lower-case letters, digits, _)",
      ],
    ]);
  });
});
