// Axes -> cells with GitHub Actions include/exclude semantics (see the header of expand.ts).
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cellId, MAX_CELLS } from "../../src/core/matrix/expand.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { configIssues, defaultMatrixText, expand, yamlOf } from "./helpers.js";

/** Docker's tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; we also promise lower case. */
const DOCKER_TAG = /^[a-z0-9_][a-z0-9_.-]{0,127}$/;

const OS = ["debian:bookworm", "debian:trixie"];
const PF = ["3.10.13", "3.7.11"];
const SETS = ["defaults", "shared-tls-pcre"];
/** The default matrix with extra top-level keys (include/exclude/defaults). */
const withDefault = (extra: Record<string, unknown>) => yamlOf({ ...(parse(defaultMatrixText()) as object), ...extra });
const idOf = (os: string, pf: string, set: string) => `${os.replace(":", "-")}-${pf}-${set}`;

describe("cartesian product", () => {
  it("default.yaml expands to os x postfix x options, in axis order (first axis outermost)", () => {
    const file = parse(defaultMatrixText()) as { axes: Record<string, unknown[]> };
    // The file is what this test derives from: guard the assumption.
    expect(file.axes.os).toEqual(OS);
    expect(file.axes.postfix).toEqual(PF);
    expect((file.axes.options as { name: string }[]).map((s) => s.name)).toEqual(SETS);

    const cells = expand(defaultMatrixText(), "matrices/default.yaml");
    const expected = OS.flatMap((os) => PF.flatMap((pf) => SETS.map((set) => idOf(os, pf, set))));
    expect(expected).toHaveLength(8);
    expect(cells.map((c) => c.id)).toEqual(expected);
    expect(cells[0]!.id).toBe("debian-bookworm-3.10.13-defaults");
    for (const c of cells) {
      expect(c.values).toEqual({ os: c.os, postfix: c.postfix.version, options: c.optionsName });
      expect(Object.keys(c.values)).toEqual(["os", "postfix", "options"]);
    }
  });

  it("applies an option set's fields to its cells and nothing else", () => {
    const cells = expand(defaultMatrixText());
    for (const c of cells) {
      if (c.optionsName === "shared-tls-pcre") {
        expect(c.options).toEqual({ shared: true, dynamicmaps: true, features: ["tls", "pcre"] });
        expect(c.origins.features).toBe("axes.options[1].features");
      } else {
        expect(c.options).toEqual({});
      }
    }
  });

  it.each([
    [1, 1, 1],
    [2, 3, 1],
    [3, 2, 2],
    [1, 4, 3],
  ])("%i os x %i postfix x %i option sets -> product count, unique ids", (nOs, nPf, nSets) => {
    const os = ["debian:bookworm", "debian:trixie", "ubuntu:24.04"].slice(0, nOs);
    const pf = ["3.10.13", "3.9.6", "3.8.11", "3.7.11"].slice(0, nPf);
    const sets = ["s1", "s2", "s3"].slice(0, nSets).map((name) => ({ name }));
    const cells = expand(yamlOf({ axes: { os, postfix: pf, options: sets } }));
    expect(cells).toHaveLength(nOs * nPf * nSets);
    expect(new Set(cells.map((c) => c.id)).size).toBe(cells.length);
    // Last axis varies fastest.
    if (nSets > 1) expect(cells[1]!.optionsName).toBe("s2");
    expect(cells.at(-1)!.os).toBe(os.at(-1));
  });

  it("without an options axis, ids have no options part", () => {
    const cells = expand(yamlOf({ axes: { os: ["debian:bookworm"], postfix: ["3.10.13"] } }));
    expect(cells.map((c) => c.id)).toEqual(["debian-bookworm-3.10.13"]);
    expect(cells[0]!.values).toEqual({ os: "debian:bookworm", postfix: "3.10.13" });
  });
});

describe("exclude", () => {
  it.each<[string, Record<string, unknown>[], (os: string, pf: string, set: string) => boolean]>([
    ["one key removes every cell with that value", [{ postfix: "3.7.11" }], (_o, pf) => pf === "3.7.11"],
    ["two keys must both match", [{ os: "debian:trixie", options: "defaults" }], (os, _p, s) => os === "debian:trixie" && s === "defaults"],
    [
      "all keys: exactly one cell",
      [{ os: "debian:trixie", postfix: "3.7.11", options: "shared-tls-pcre" }],
      (os, pf, s) => os === "debian:trixie" && pf === "3.7.11" && s === "shared-tls-pcre",
    ],
    [
      "entries OR together",
      [{ os: "debian:bookworm", postfix: "3.10.13" }, { options: "shared-tls-pcre" }],
      (os, pf, s) => (os === "debian:bookworm" && pf === "3.10.13") || s === "shared-tls-pcre",
    ],
    ["a value no cell has removes nothing", [{ os: "debian:bullseye" }], () => false],
  ])("%s", (_name, exclude, removed) => {
    const cells = expand(withDefault({ exclude }));
    const expected = OS.flatMap((os) => PF.flatMap((pf) => SETS.filter((s) => !removed(os, pf, s)).map((s) => idOf(os, pf, s))));
    expect(cells.map((c) => c.id)).toEqual(expected);
  });

  it("matches an option-field axis by its value", () => {
    const cells = expand(
      yamlOf({
        axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], pie: [true, false], features: [["tls"], []] },
        exclude: [{ pie: false, features: [] }],
      }),
    );
    expect(cells.map((c) => [c.options.pie, c.options.features])).toEqual([
      [true, ["tls"]],
      [true, []],
      [false, ["tls"]],
    ]);
  });

  it("a release given as {version, sha256} is matched by its version", () => {
    const cells = expand(
      yamlOf({
        axes: { os: ["debian:bookworm"], postfix: [{ version: "3.10.13", sha256: "a".repeat(64) }, "3.7.11"] },
        exclude: [{ postfix: "3.10.13" }],
      }),
    );
    expect(cells.map((c) => c.postfix.version)).toEqual(["3.7.11"]);
  });

  it("excluding everything is an error", () => {
    const issues = configIssues(() => expand(withDefault({ exclude: [{ os: "debian:bookworm" }, { os: "debian:trixie" }] })));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/no cells/);
  });
});

describe("include", () => {
  it("adds build options to the cells it matches, leaving others alone", () => {
    const cells = expand(withDefault({ include: [{ os: "debian:trixie", fd_setsize: 4096 }] }));
    expect(cells).toHaveLength(8);
    for (const c of cells) {
      if (c.os === "debian:trixie") {
        expect(c.options.fd_setsize).toBe(4096);
        expect(c.origins.fd_setsize).toBe("include[0].fd_setsize");
      } else {
        expect(c.options.fd_setsize).toBeUndefined();
      }
    }
  });

  it("with only non-axis keys, is added to every cell", () => {
    const cells = expand(withDefault({ include: [{ pie: true }] }));
    expect(cells).toHaveLength(8);
    expect(cells.every((c) => c.options.pie === true)).toBe(true);
  });

  it("never overwrites an original axis value: it only joins cells that have that value", () => {
    const text = yamlOf({
      axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], pie: [true, false] },
      include: [{ pie: true, features: ["tls"] }],
    });
    const cells = expand(text);
    expect(cells).toHaveLength(2);
    const [on, off] = cells;
    expect(on!.options).toEqual({ pie: true, features: ["tls"] });
    expect(off!.options).toEqual({ pie: false });
    expect(off!.values.pie).toBe("false");
  });

  it("keys added by an earlier include may be overwritten by a later one", () => {
    const cells = expand(withDefault({ include: [{ fd_setsize: 1024 }, { os: "debian:bookworm", fd_setsize: 8192 }] }));
    for (const c of cells) {
      expect(c.options.fd_setsize).toBe(c.os === "debian:bookworm" ? 8192 : 1024);
      expect(c.origins.fd_setsize).toBe(c.os === "debian:bookworm" ? "include[1].fd_setsize" : "include[0].fd_setsize");
    }
  });

  it("adds to an option set's cells, its own fields taking precedence over the set's", () => {
    const cells = expand(withDefault({ include: [{ options: "shared-tls-pcre", features: ["tls"], pie: true }] }));
    for (const c of cells) {
      if (c.optionsName === "shared-tls-pcre") {
        expect(c.options).toEqual({ shared: true, dynamicmaps: true, features: ["tls"], pie: true });
      } else {
        expect(c.options).toEqual({});
      }
    }
  });

  it("that matches no cell makes a standalone cell, after the product cells", () => {
    const cells = expand(withDefault({ include: [{ os: "debian:bullseye", postfix: "3.10.13", options: "shared-tls-pcre" }] }));
    expect(cells).toHaveLength(9);
    const extra = cells[8]!;
    expect(extra.id).toBe(idOf("debian:bullseye", "3.10.13", "shared-tls-pcre"));
    expect(extra.os).toBe("debian:bullseye");
    expect(extra.options).toEqual({ shared: true, dynamicmaps: true, features: ["tls", "pcre"] });
  });

  it("can bring back an excluded combination as its own cell", () => {
    const cells = expand(
      withDefault({
        exclude: [{ os: "debian:trixie", postfix: "3.7.11" }],
        include: [{ os: "debian:trixie", postfix: "3.7.11", options: "defaults", pie: true }],
      }),
    );
    expect(cells).toHaveLength(8 - 2 + 1);
    const back = cells.at(-1)!;
    expect(back.id).toBe(idOf("debian:trixie", "3.7.11", "defaults"));
    expect(back.options).toEqual({ pie: true });
  });

  it("two identical unmatched includes do not merge: two standalone cells, hence a duplicate id", () => {
    const entry = { os: "debian:bullseye", postfix: "3.10.13" };
    const issues = configIssues(() => expand(withDefault({ include: [entry, { ...entry, pie: true }] })));
    expect(issues.map((i) => i.message).join("\n")).toMatch(/two cells would be named debian-bullseye-3\.10\.13-defaults/);
  });

  it.each([
    ["only postfix", { postfix: "3.9.6" }],
    ["only os", { os: "debian:bullseye" }],
    ["only an unknown-to-the-product option value", { pie: true, os: "ubuntu:24.04" }],
  ])("that matches nothing and lacks os or postfix is an error naming it (%s)", (_n, bad) => {
    const issues = configIssues(() => expand(withDefault({ include: [{ pie: true }, bad] })));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("include[1]");
    expect(issues[0]!.file).toBe("m.yaml");
    expect(issues[0]!.message).toMatch(/`os`/);
    expect(issues[0]!.message).toMatch(/`postfix`/);
  });

  it("with an inline `options` object and os+postfix makes a cell of that set", () => {
    const cells = expand(
      withDefault({
        include: [{ os: "debian:trixie", postfix: "3.10.13", options: { name: "ldap", features: ["ldap"], shared: true } }],
      }),
    );
    expect(cells).toHaveLength(9);
    const c = cells[8]!;
    expect(c.id).toBe(idOf("debian:trixie", "3.10.13", "ldap"));
    expect(c.optionsName).toBe("ldap");
    expect(c.values.options).toBe("ldap");
    expect(c.options).toEqual({ features: ["ldap"], shared: true });
    expect(c.origins.features).toBe("include[0].options.features");
  });

  // Keys that are not axes of the matrix (here `options`) never prevent a match (GitHub semantics).
  it("with an inline `options` object and no options axis, applies the set to every cell", () => {
    const cells = expand(
      yamlOf({
        axes: { os: ["debian:bookworm", "debian:trixie"], postfix: ["3.10.13"] },
        include: [{ options: { name: "tls", features: ["tls"] } }],
      }),
    );
    expect(cells).toHaveLength(2);
    for (const c of cells) {
      expect(c.options.features).toEqual(["tls"]);
      expect(c.optionsName).toBe("tls");
    }
  });

  it("with an inline `options` object named like an existing set is rejected at its name", () => {
    const text = withDefault({ include: [{ options: { name: "defaults", features: ["pcre"] } }] });
    const issues = configIssues(() => expand(text));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("include[0].options.name");
    expect(issues[0]!.message).toContain("`defaults` is already an option set in axes.options");
    expect(issues[0]!.message).toMatch(/name it \(`options: defaults`\) and put extra build options beside `options`/);
  });
});

describe("option-field axes", () => {
  it("an axis named after a build option sets that option and names the cell", () => {
    const cells = expand(
      yamlOf({
        axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], pie: [true, false], features: [["tls", "pcre"], []] },
      }),
    );
    expect(cells.map((c) => c.values)).toEqual([
      { os: "debian:bookworm", postfix: "3.10.13", pie: "true", features: "tls+pcre" },
      { os: "debian:bookworm", postfix: "3.10.13", pie: "true", features: "none" },
      { os: "debian:bookworm", postfix: "3.10.13", pie: "false", features: "tls+pcre" },
      { os: "debian:bookworm", postfix: "3.10.13", pie: "false", features: "none" },
    ]);
    expect(cells.map((c) => c.options.pie)).toEqual([true, true, false, false]);
    expect(cells[0]!.id).toBe("debian-bookworm-3.10.13-pie-true-features-tls-pcre");
    expect(cells[1]!.origins).toEqual({ pie: "axes.pie[0]", features: "axes.features[1]" });
  });

  it("an axis value overrides the same field of the option set", () => {
    const cells = expand(
      yamlOf({
        axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], options: [{ name: "p", pie: true }], pie: [false] },
      }),
    );
    expect(cells[0]!.options.pie).toBe(false);
    expect(cells[0]!.origins.pie).toBe("axes.pie[0]");
  });

  it("a nested directory name such as shlib_directory is not an axis", () => {
    const issues = configIssues(() =>
      expand(yamlOf({ axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], shlib_directory: ["/usr/lib/postfix"] } })),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe("axes.shlib_directory");
    expect(issues[0]!.message).toMatch(/unknown axis `shlib_directory`/);
  });

  it("but compile_directories is, with a readable label", () => {
    const cells = expand(
      yamlOf({
        axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], compile_directories: [{ daemon_directory: "/usr/libexec/postfix" }, {}] },
      }),
    );
    expect(cells.map((c) => c.values.compile_directories)).toEqual(["daemon_directory=/usr/libexec/postfix", ""]);
    expect(cells[0]!.options.compile_directories).toEqual({ daemon_directory: "/usr/libexec/postfix" });
    for (const c of cells) expect(c.id).toMatch(DOCKER_TAG);
  });

  it("an axis value that fails its field's schema is reported at its index", () => {
    const issues = configIssues(() => expand(yamlOf({ axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], pie: [true, "yes"] } })));
    expect(issues.map((i) => i.path)).toEqual(["axes.pie[1]"]);
  });
});

describe("cell ids", () => {
  it.each([
    ["two image names that slug the same", { axes: { os: ["debian:bookworm", "debian/bookworm"], postfix: ["3.10.13"] } }],
    ["two cc values differing in case", { axes: { os: ["debian:bookworm"], postfix: ["3.10.13"], cc: ["GCC", "gcc"] } }],
  ])("duplicate ids are an error (%s)", (_n, m) => {
    const issues = configIssues(() => expand(yamlOf(m)));
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/two cells would be named debian-bookworm-3\.10\.13/);
  });

  it.each<Record<string, string>>([
    { os: "debian:bookworm", postfix: "3.10.13" },
    { os: "ubuntu:24.04", postfix: "3.11-20250101", options: "Shared TLS" },
    { os: "registry.example.com/team/debian:bookworm-slim", postfix: "3.10-RC1", cc: "/usr/bin/gcc-12", opt: "-O2 -g" },
    { os: "debian:bookworm", postfix: "3.10.13", ccargs: "-DDEF_MAIL_OWNER=\\\"pf\\\" -I'/x y'" },
  ])("%j is a valid lower-case docker tag", (values) => {
    expect(cellId(values)).toMatch(DOCKER_TAG);
  });

  it("axis values appear in order, os/postfix/options bare and other axes as key-value", () => {
    expect(cellId({ os: "debian:bookworm", postfix: "3.10.13", options: "tls", pie: "true" })).toBe("debian-bookworm-3.10.13-tls-pie-true");
  });

  it("long ids are cut to 128 characters with a hash suffix that keeps them distinct", () => {
    const long = (tail: string) => ({ os: `registry.example.com/${"x".repeat(120)}:bookworm`, postfix: "3.10.13", cc: `gcc-${tail}` });
    const a = cellId(long("12"));
    const b = cellId(long("13"));
    const full = cellId({ os: "short:tag", postfix: "3.10.13" });
    expect(full.length).toBeLessThanOrEqual(128);
    for (const id of [a, b]) {
      expect(id).toHaveLength(128);
      expect(id).toMatch(DOCKER_TAG);
      expect(id).toMatch(/-[0-9a-f]{10}$/);
      expect(id.startsWith("registry.example.com-xxxx")).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(a.slice(0, 117)).toBe(b.slice(0, 117));
    expect(cellId(long("12"))).toBe(a);
  });

  it("a 128-character id is kept whole", () => {
    const os = `a:${"b".repeat(128 - "a-b-3.10.13".length + 1)}`; // slug "a-bbb..."
    const id = cellId({ os, postfix: "3.10.13" });
    expect(id).toHaveLength(128);
    expect(id.endsWith("-3.10.13")).toBe(true);
  });

  it("every cell of an expanded matrix with long image names has a valid id", () => {
    const cells = expand(
      yamlOf({
        axes: {
          os: [
            "registry.example.com/some-very-long-organisation-name/another-long-repository-name/debian-derivative:bookworm-20250101-slim",
          ],
          postfix: ["3.10.13"],
          cc: ["gcc-12-with-a-really-long-name-to-overflow", "clang-16"],
        },
      }),
    );
    for (const c of cells) expect(c.id).toMatch(DOCKER_TAG);
    expect(new Set(cells.map((c) => c.id)).size).toBe(2);
  });
});

describe("size limit (issue 13)", () => {
  const values = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

  it("10 axes of 10 values are refused from the axis lengths, before anything is expanded", () => {
    const text = yamlOf({
      axes: {
        os: values(10, (i) => `debian:v${i}`),
        postfix: values(10, (i) => `3.10.${i}`),
        options: values(10, (i) => ({ name: `s${i}` })),
        fd_setsize: values(10, (i) => 1024 * (i + 1)),
        cc: values(10, (i) => `gcc-${i}`),
        opt: values(10, (i) => `-O${i}`),
        debug: values(10, (i) => `-g${i}`),
        warn: values(10, (i) => `-W${i}`),
        ccargs: values(10, (i) => `-DX${i}`),
        auxlibs: values(10, (i) => `-lx${i}`),
      },
    });
    const started = Date.now();
    const issues = configIssues(() => prepareMatrix(text, "m.yaml"));
    // The old expansion died of heap exhaustion after 45 s; counting takes no time.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: "axes", line: 1 });
    expect(issues[0]!.message).toMatch(
      /^the axes make 10,000,000,000 cells \(os 10 x postfix 10 x options 10 x .* x auxlibs 10\), more than the limit of 100,000: /,
    );
  });

  it(`exactly ${MAX_CELLS} cells expand; the limit counts the product before excludes`, () => {
    const axes = {
      os: ["debian:bookworm"],
      postfix: ["3.10.13"],
      fd_setsize: values(100, (i) => 64 + i),
      ccargs: values(100, (i) => `-DX${i}`),
      opt: values(10, (i) => `-O${i}`),
    };
    expect(expand(yamlOf({ axes }))).toHaveLength(MAX_CELLS);
    const over = { ...axes, pie: [true, false] };
    const issues = configIssues(() => expand(yamlOf({ axes: over, exclude: [{ pie: true }] })));
    expect(issues[0]!.message).toMatch(/^the axes make 200,000 cells/);
  });

  it("cells know where their os and release are written (for error lines)", () => {
    const cells = expand(
      yamlOf({
        axes: { os: OS, postfix: PF },
        include: [{ os: "debian:forky", postfix: "3.10.13", pie: true }],
      }),
    );
    expect(cells[3]!.at).toEqual({ os: "axes.os[1]", postfix: "axes.postfix[1]" });
    expect(cells[4]!.at).toEqual({ os: "include[0].os", postfix: "include[0].postfix" });
  });
});
