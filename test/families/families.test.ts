// Fedora/Enterprise Linux and Alpine recipes: their images cannot be pulled here, so their
// Dockerfiles are "generated only" and checked three ways: golden files, a real Dockerfile
// parser (dockerfile-ast) for structure, and `sh -n` on every RUN's shell text.
//
// Golden workflow: `UPDATE_GOLDEN=1 npx vitest run --project unit test/families` rewrites
// test/golden/families/<cell-id>.Dockerfile (and removes files of cells that no longer exist);
// without it, the rendered text must equal the files. Review the diff before committing.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DockerfileParser, From, Keyword, type Instruction, type Run } from "dockerfile-ast";
import { beforeAll, describe, expect, it } from "vitest";
import { expectGolden, expectNoStaleGolden } from "../golden.js";
import { expandMatrix } from "../../src/core/matrix/expand.js";
import { parseMatrix } from "../../src/core/matrix/load.js";
import type { Cell } from "../../src/core/matrix/model.js";
import { checkCell } from "../../src/core/matrix/rules.js";
import { prepareMatrix } from "../../src/core/prepare.js";
import { applyFamilyRules, enterpriseRelease } from "../../src/core/recipe/family-rules.js";
import { familyOf } from "../../src/core/recipe/family.js";
import { makeRenderer, type Renderer } from "../../src/core/render/dockerfile.js";
import { loadTemplates } from "../../src/io/fs/templates.js";
import { oneCell, REPO } from "../core/helpers.js";

const GOLDEN = path.join(REPO, "test", "golden", "families");
const HOW_TO_UPDATE = "run `UPDATE_GOLDEN=1 npx vitest run --project unit test/families` and review the diff";
const MATRIX_FILE = "matrices/families.yaml";

// prepareMatrix applies the family rules between familyOf and checkCell.
const CELLS = prepareMatrix(readFileSync(path.join(REPO, MATRIX_FILE), "utf8"), MATRIX_FILE).cells.map((c) => ({
  ...c,
  family: c.recipe.family,
}));
const CASES = CELLS.map((c) => [c.cell.id, c] as const);

let render: Renderer;
beforeAll(async () => {
  render = makeRenderer(await loadTemplates());
});

// ---------------------------------------------------------------------------------------------
// Reading a Dockerfile with dockerfile-ast.

const KEYWORDS = new Set<string>(Object.values(Keyword));

interface Stage {
  from: From;
  name: string | null;
  image: string | null;
  instructions: Instruction[];
}

function parse(text: string) {
  const df = DockerfileParser.parse(text);
  const stages: Stage[] = [];
  for (const ins of df.getInstructions()) {
    if (ins instanceof From) stages.push({ from: ins, name: ins.getBuildStage(), image: ins.getImage(), instructions: [] });
    else stages.at(-1)?.instructions.push(ins);
  }
  return { df, stages, lines: text.split("\n") };
}

/** The instruction's source text, continuation lines joined (as the builder sees it). */
function sourceOf(lines: string[], ins: Instruction): string {
  const r = ins.getRange();
  const text = lines.slice(r.start.line, r.end.line + 1).join("\n");
  return text.replace(/\\\n/g, " ");
}

/** A RUN's shell command: its text after the keyword and the --flags. */
function shellOf(lines: string[], run: Instruction): string {
  let s = sourceOf(lines, run).replace(/^\s*RUN\s+/i, "");
  while (/^--\S+\s/.test(s)) s = s.replace(/^--\S+\s+/, "");
  return s;
}

const runs = (st: Stage) => st.instructions.filter((i): i is Run => i.getKeyword() === Keyword.RUN);
const mounts = (run: Run) =>
  run
    .getFlags()
    .filter((f) => f.getName() === "mount")
    .map((f) => Object.fromEntries(f.getOptions().map((o) => [o.getName(), o.getValue()])));

/** What sh makes of a string of words: the argument vector. */
function shWords(words: string): string[] {
  const out = execFileSync("sh", ["-c", `printf '%s\\0' ${words}`], { encoding: "utf8" });
  return words.trim() ? out.split("\0").slice(0, -1) : [];
}

/** `sh -n`: parse without running; throws with sh's message on a syntax error. */
function shSyntax(script: string): void {
  execFileSync("sh", ["-n", "-c", script], { stdio: ["ignore", "pipe", "pipe"] });
}

/** Package words given to the package manager's install command in a shell command. */
function installWords(shell: string): string[] {
  const out: string[] = [];
  for (const cmd of shell.split(/&&|;|\|/)) {
    const m = /\b(?:apt-get install|dnf\b.*?\binstall|apk add)\b(.*)$/.exec(cmd.trim());
    if (m)
      out.push(
        ...m[1]!
          .trim()
          .split(/\s+/)
          .filter((w) => w && !w.startsWith("-") && !w.startsWith("$")),
      );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe("the families matrix", () => {
  it("covers Fedora, an Enterprise Linux rebuild, Alpine and Debian with three option sets each", () => {
    const families = new Set(CELLS.map((c) => c.family));
    expect([...families].sort()).toEqual(["alpine", "debian", "fedora"]);
    expect(CELLS.some((c) => enterpriseRelease(c.cell.os) === 9)).toBe(true);
    for (const os of new Set(CELLS.map((c) => c.cell.os))) expect(CELLS.filter((c) => c.cell.os === os)).toHaveLength(3);
    expect(CELLS.map((c) => c.cell.id)).toContain("alpine-3.21-3.10.13-features-no-cdb");
  });

  it("leaves Debian cells untouched (the family rules only change other families)", () => {
    for (const c of CELLS.filter((x) => x.family === "debian")) expect(c.notes).toEqual([]);
  });
});

describe("golden Dockerfiles: families", () => {
  it.each(CASES)("%s", (id, c) => {
    expectGolden(GOLDEN, `${id}.Dockerfile`, render(c.recipe), HOW_TO_UPDATE);
  });

  it("has no golden file for a cell that no longer exists", () => {
    expectNoStaleGolden(
      GOLDEN,
      CELLS.map((c) => `${c.cell.id}.Dockerfile`),
      HOW_TO_UPDATE,
    );
  });
});

describe("Dockerfile structure (dockerfile-ast)", () => {
  it.each(CASES)("%s: every instruction is a known keyword with arguments; no parser directives", (_id, c) => {
    const { df } = parse(render(c.recipe));
    expect(df.getDirectives()).toEqual([]);
    const ins = df.getInstructions();
    expect(ins.length).toBeGreaterThan(10);
    for (const i of ins) {
      expect(KEYWORDS.has(i.getKeyword()), `unknown instruction ${i.getInstruction()}`).toBe(true);
      expect(i.getArguments().length, `${i.getKeyword()} without arguments`).toBeGreaterThan(0);
    }
    // Every non-blank, non-comment line belongs to some instruction (nothing stray).
    const covered = new Set(
      ins.flatMap((i) => {
        const r = i.getRange();
        return Array.from({ length: r.end.line - r.start.line + 1 }, (_, k) => r.start.line + k);
      }),
    );
    render(c.recipe)
      .split("\n")
      .forEach((line, n) => {
        if (line.trim() && !line.startsWith("#")) expect(covered.has(n), `line ${n + 1} is in no instruction: ${line}`).toBe(true);
      });
  });

  it.each(CASES)("%s: three stages deps, build, runtime, from the cell's base image", (_id, c) => {
    const text = render(c.recipe);
    const { stages } = parse(text);
    expect(stages.map((s) => s.name)).toEqual(["deps", "build", "runtime"]);
    expect(stages.map((s) => s.image)).toEqual([c.recipe.baseImage, "deps", c.recipe.baseImage]);
    expect(text.startsWith(`# Generated by postfix-matrix from dockerfiles/${c.family}.Dockerfile.hbs for cell ${c.cell.id}.`)).toBe(true);
    // Every RUN flag is a mount, and every mount is a cache or a bind from the build stage.
    for (const st of stages) {
      for (const r of runs(st)) {
        expect(
          r
            .getFlags()
            .map((f) => f.getName())
            .every((n) => n === "mount"),
        ).toBe(true);
        for (const m of mounts(r)) {
          expect(["cache", "bind"]).toContain(m.type);
          if (m.type === "bind") expect(m.from).toBe("build");
          if (m.type === "cache") expect(m.sharing).toBe("locked");
        }
      }
    }
  });

  it.each(CASES)("%s: every RUN is valid POSIX sh (sh -n)", (_id, c) => {
    const { stages, lines } = parse(render(c.recipe));
    const all = stages.flatMap(runs);
    expect(all.length).toBeGreaterThanOrEqual(6);
    for (const r of all) {
      const script = shellOf(lines, r);
      expect(script).not.toMatch(/^--/);
      expect(() => shSyntax(script), `sh -n rejects: ${script}`).not.toThrow();
    }
  });

  it.each(CASES)("%s: make upgrade runs once, in runtime, with make and the tree bind-mounted from build", (_id, c) => {
    const { stages, lines } = parse(render(c.recipe));
    for (const st of stages) {
      const ups = runs(st).filter((r) => /\bmake upgrade\b/.test(shellOf(lines, r)));
      if (st.name !== "runtime") {
        expect(ups).toEqual([]);
        continue;
      }
      expect(ups).toHaveLength(1);
      const m = mounts(ups[0]!);
      expect(m).toContainEqual({ type: "bind", from: "build", source: "/usr/bin/make", target: "/usr/bin/make" });
      expect(m).toContainEqual({ type: "bind", from: "build", source: "/usr/src/postfix", target: "/usr/src/postfix", rw: null });
      // Its words end at the next `&&` (ldconfig, then the smtp-source/smtp-sink install).
      expect(shWords(/make upgrade(.*?)(?:&&.*)?$/.exec(shellOf(lines, ups[0]!))![1]!)).toEqual(c.recipe.upgrade);
    }
  });

  it.each(CASES)("%s: make makefiles gets exactly the recipe's words", (_id, c) => {
    const { stages, lines } = parse(render(c.recipe));
    const build = stages.find((s) => s.name === "build")!;
    const mk = runs(build)
      .map((r) => shellOf(lines, r))
      .find((s) => s.startsWith("make makefiles"))!;
    expect(shWords(/^make makefiles(.*?)&& make -j/.exec(mk)![1]!)).toEqual(c.recipe.makefiles);
  });

  it.each(CASES)("%s: postdrop group and postfix user exist before make upgrade; settings after", (_id, c) => {
    const { stages, lines } = parse(render(c.recipe));
    const body = runs(stages.find((s) => s.name === "runtime")!).map((r) => shellOf(lines, r));
    const at = (re: RegExp) => body.findIndex((s) => re.test(s));
    const upgrade = at(/\bmake upgrade\b/);
    const group = at(/\b(groupadd|addgroup)\b[^&]*\bpostdrop\b/);
    const user = at(/\b(useradd|adduser)\b[^&]*\bpostfix\s*$/);
    expect(group).toBeGreaterThanOrEqual(0);
    expect(user).toBeGreaterThanOrEqual(0);
    expect(group).toBeLessThan(upgrade);
    expect(user).toBeLessThan(upgrade);
    expect(at(/postconf -e/)).toBeGreaterThan(upgrade);
    expect(at(/\bnewaliases\b.*\bpostfix check\b/)).toBeGreaterThan(upgrade);
  });

  it.each(CASES)("%s: build packages only in deps; the runtime installs no toolchain or headers", (_id, c) => {
    const { stages, lines } = parse(render(c.recipe));
    const installsOf = (name: string) => runs(stages.find((s) => s.name === name)!).map((r) => installWords(shellOf(lines, r)));
    const deps = installsOf("deps").flat();
    for (const p of c.recipe.buildPackages) expect(deps).toContain(p);
    expect(installsOf("build").flat()).toEqual([]);
    const runtime = installsOf("runtime").flat();
    expect(runtime.length).toBeGreaterThan(0);
    for (const tool of ["gcc", "make", "cpp", "m4", "libc6-dev", "musl-dev", "glibc-devel", "linux-headers"])
      expect(runtime).not.toContain(tool);
    expect(runtime.filter((w) => /-(dev|devel)$/.test(w))).toEqual([]);
    for (const p of c.recipe.runtimePackages) expect(runtime).toContain(p);
  });

  it.each(CASES)("%s: fetches nothing from the network itself", (_id, c) => {
    const text = render(c.recipe);
    const { df } = parse(text);
    expect(text).not.toMatch(/\b(curl|wget)\b/);
    expect(df.getInstructions().filter((i) => i.getKeyword() === Keyword.ADD)).toEqual([]);
    const copies = df.getCOPYs().map((i) => i.getArguments().map((a) => a.getValue()));
    expect(copies).toEqual([[c.recipe.tarball, "/usr/src/"]]);
  });

  it.each(CASES)("%s: package caches are mounts of this base image's id", (_id, c) => {
    const { stages } = parse(render(c.recipe));
    const cacheId = c.recipe.baseImage.replace(/[^A-Za-z0-9_.-]+/g, "-");
    const caches = stages
      .flatMap(runs)
      .flatMap(mounts)
      .filter((m) => m.type === "cache");
    expect(caches.length).toBeGreaterThan(0);
    for (const m of caches) expect(m.id).toMatch(new RegExp(`-${cacheId.replace(/\./g, "\\.")}$`));
    const targets = new Set(caches.map((m) => m.target));
    const want = {
      debian: ["/var/cache/apt", "/var/lib/apt/lists"],
      fedora: ["/var/cache/dnf", "/var/cache/libdnf5"],
      alpine: ["/var/cache/apk"],
    }[c.family];
    expect([...targets].sort()).toEqual(want);
  });

  it("the sh -n check catches a quoting error (self-test)", () => {
    expect(() => shSyntax("echo 'unterminated && true")).toThrow();
    expect(() => shSyntax("if true; then echo; fi")).not.toThrow();
  });
});

describe("family specifics in the generated files", () => {
  const get = (id: string) => CELLS.find((c) => c.cell.id === id)!;
  const text = (id: string) => render(get(id).recipe);

  it("Fedora: rpm -qf names the runtime packages; dnf keeps its cache; no apt or apk", () => {
    const t = text("fedora-42-3.10.13-defaults");
    expect(t).toContain("rpm -qf --qf '%{NAME}\\n'");
    expect(t).toContain("--setopt=keepcache=True");
    expect(t).not.toMatch(/\b(apt-get|dpkg|apk)\b/);
    // make's own libraries (libguile on Fedora) travel with the tree for make upgrade.
    expect(t).toContain("LD_LIBRARY_PATH=/usr/src/postfix/.make-libs make upgrade");
  });

  it("Enterprise Linux: EPEL and CodeReady Builder are enabled in deps and runtime alike", () => {
    const t = text("almalinux-9-3.10.13-features");
    expect(t.match(/install "\$epel"/g)).toHaveLength(2);
    expect(t.match(/\$repos install/g)).toHaveLength(2);
  });

  it("Alpine: scanelf sonames become so: provides; busybox addgroup/adduser; no shadow tools", () => {
    const t = text("alpine-3.21-3.10.13-defaults");
    expect(t).toContain("scanelf --recursive --nobanner --needed --format '%n#F' bin libexec lib");
    expect(t).toContain("sed 's/^/so:/'");
    expect(t).toContain("apk add --update-cache --cache-dir /var/cache/apk");
    expect(t).not.toMatch(/\b(groupadd|useradd|dnf|apt-get)\b/);
  });

  it("Alpine defaults: -DNO_DB -DNO_NIS, LMDB as the default type, no Berkeley DB package", () => {
    const c = get("alpine-3.21-3.10.13-defaults");
    const ccargs = c.recipe.makefiles.find((w) => w.startsWith("CCARGS="))!;
    expect(ccargs.split(" ").filter((w) => w === "-DNO_NIS")).toHaveLength(1);
    expect(ccargs).toContain("-DNO_DB");
    expect(c.recipe.makefiles).toContain("default_database_type=lmdb");
    expect(c.recipe.buildPackages).toContain("lmdb-dev");
    expect(c.recipe.buildPackages).not.toContain("db-dev");
    expect(c.recipe.settings).toContainEqual(["alias_maps", "lmdb:/etc/aliases"]);
    expect(c.recipe.expect.absentMapTypes).toEqual(expect.arrayContaining(["hash", "btree"]));
    expect(c.notes.join("\n")).toMatch(/no Berkeley DB/);
  });

  it("AlmaLinux 9: NIS off, Berkeley DB kept; Fedora 42: NIS with libnsl2-devel", () => {
    const el = get("almalinux-9-3.10.13-defaults").recipe;
    expect(el.makefiles.find((w) => w.startsWith("CCARGS="))).toContain("-DNO_NIS");
    expect(el.buildPackages).not.toContain("libnsl2-devel");
    expect(el.buildPackages).toContain("libdb-devel");
    const f = get("fedora-42-3.10.13-defaults").recipe;
    expect(f.makefiles.some((w) => w.includes("-DNO_NIS"))).toBe(false);
    expect(f.buildPackages).toEqual(expect.arrayContaining(["libnsl2-devel", "libdb-devel"]));
  });
});

describe("family rules", () => {
  const one = (os: string, options: Record<string, unknown> = {}): Cell => {
    const text = oneCell(options, { os });
    return expandMatrix(parseMatrix(text, "m.yaml"))[0]!;
  };
  const apply = (os: string, options: Record<string, unknown> = {}) => applyFamilyRules(one(os, options), familyOf(os)!, "m.yaml");

  it("tells Enterprise Linux releases from image names and tags", () => {
    expect(enterpriseRelease("almalinux:9")).toBe(9);
    expect(enterpriseRelease("rockylinux:9.5")).toBe(9);
    expect(enterpriseRelease("almalinux:10-kitten")).toBe(10);
    expect(enterpriseRelease("quay.io/centos/centos:stream9")).toBe(9);
    expect(enterpriseRelease("redhat/ubi9")).toBe(9);
    expect(enterpriseRelease("registry.example:5000/oraclelinux:8")).toBe(8);
    expect(enterpriseRelease("almalinux:latest")).toBeNull();
    expect(enterpriseRelease("almalinux")).toBeNull();
    expect(enterpriseRelease("fedora:42")).toBeUndefined();
  });

  it("Alpine with upstream defaults: adapts to -DNO_DB + lmdb and NIS off, and says so", () => {
    const a = apply("alpine:3.21");
    expect(a.issues).toEqual([]);
    expect(a.cell.options.disable).toEqual(["nis", "db"]);
    expect(a.cell.options.features).toEqual(["lmdb"]);
    expect(a.cell.options.default_database_type).toBe("lmdb");
    expect(a.notes).toHaveLength(4);
    expect(a.cell.origins.disable).toMatch(/^os alpine:3\.21 \(/);
  });

  it("Alpine with its own no-db choice: keeps it (checkCell checks the rest)", () => {
    const a = apply("alpine:3.21", { features: ["lmdb", "tls"], disable: ["db"] });
    expect(a.issues).toEqual([]);
    expect(a.cell.options.features).toEqual(["lmdb", "tls"]);
    expect(a.cell.options.disable).toEqual(["db", "nis"]);
    expect(a.cell.options.default_database_type).toBeUndefined();
    expect(checkCell(a.cell, "m.yaml").cell?.options.default_database_type).toBe("lmdb");
  });

  it("Alpine asked for Berkeley DB or tinycdb: rejected with what to change", () => {
    const bdb = apply("alpine:3.21", { features: ["bdb"] });
    expect(bdb.issues.map((i) => i.message).join("\n")).toMatch(
      /Alpine has no Berkeley DB: drop feature `bdb`; .*`disable: \[db\]` with feature lmdb/,
    );
    const hash = apply("alpine:3.21", { default_database_type: "hash" });
    expect(hash.issues.map((i) => i.message).join("\n")).toMatch(/default_database_type=hash cannot work; use lmdb/);
    const cdb = apply("alpine:3.21", { features: ["cdb"] });
    expect(cdb.issues.map((i) => i.message).join("\n")).toMatch(/Alpine has no tinycdb package: drop `cdb`/);
    expect(cdb.issues[0]!.path).toBe("axes.options[0].features");
  });

  it("Enterprise Linux: NIS off from 9, Berkeley DB off from 10, a clear error without a numbered tag", () => {
    expect(apply("almalinux:8").cell.options.disable).toBeUndefined();
    expect(apply("almalinux:9").cell.options.disable).toEqual(["nis"]);
    const el10 = apply("almalinux:10");
    expect(el10.cell.options.disable).toEqual(["nis", "db"]);
    expect(el10.cell.options.default_database_type).toBe("lmdb");
    expect(apply("almalinux:10", { features: ["bdb"] }).issues[0]!.message).toMatch(/Enterprise Linux 10 has no Berkeley DB/);
    const latest = apply("rockylinux:latest");
    expect(latest.issues).toHaveLength(1);
    expect(latest.issues[0]!.message).toMatch(/cannot tell which Enterprise Linux release `rockylinux:latest` is.*rockylinux:9/);
  });

  it("Fedora and Debian cells pass through untouched", () => {
    for (const os of ["fedora:42", "debian:bookworm", "ubuntu:24.04"]) {
      const cell = one(os, { features: ["tls"] });
      const a = applyFamilyRules(cell, familyOf(os)!, "m.yaml");
      expect(a.issues).toEqual([]);
      expect(a.notes).toEqual([]);
      expect(a.cell.options).toEqual(cell.options);
      expect(a.cell.origins).toEqual(cell.origins);
    }
  });
});
