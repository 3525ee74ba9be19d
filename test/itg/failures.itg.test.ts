// What a user sees when things go wrong: a cell that fails to compile (others still finish),
// and a bad matrix (nothing is built).
import { readFile, writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readJunit } from "../report/junit-xml.js";
import { cli, ROOT } from "./cli.js";

describe("failures", () => {
  it("reports a failed build with its step and output, finishes the other cell, exits 1", async () => {
    const out = path.join(ROOT, "out/itg");
    const r = await cli(["run", "test/fixtures/failing.yaml", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+debian-bookworm-3\.10\.13-broken/);
    expect(r.stdout).toMatch(/ok\s+debian-bookworm-3\.10\.13-fine/);
    expect(r.stdout).toContain("build failed at step: [build 4/5] RUN make makefiles");
    expect(r.stdout).toMatch(/fatal error: openssl\/\w+\.h: No such file or directory/);
    expect(r.stdout).toContain("1 of 2 cells passed");
    const log = await readFile(path.join(out, "itg-failing/debian-bookworm-3.10.13-broken/build.log"), "utf8");
    expect(log).toMatch(/openssl\/\w+\.h: No such file or directory[\s\S]*Error 1/);
    const { suites } = readJunit(await readFile(path.join(out, "itg-failing/report.xml"), "utf8"));
    const broken = suites.find((x) => x.name === "itg-failing/debian-bookworm-3.10.13-broken")!;
    const build = broken.cases.find((c) => c.name === "build")!;
    expect(build.classname).toBe("debian-bookworm-3.10.13-broken");
    expect(build.failure?.message).toMatch(/exit code: 2/);
    expect(build.failure?.text).toMatch(/openssl\/\w+\.h: No such file or directory/);
  });

  it("rejects a bad matrix before building anything, with file, line and field path", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "pm-bad-"));
    const file = path.join(dir, "typo.yaml");
    await writeFile(
      file,
      [
        "axes:",
        "  os: [debian:bookworm]",
        '  postfix: ["3.10.13"]',
        "  options:",
        "    - name: typo",
        "      compile_directories:",
        "        shlibs_directory: /usr/lib/postfix",
        "",
      ].join("\n"),
    );
    const r = await cli(["run", file, "--out", path.join(dir, "out")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:7: axes.options[0].compile_directories.shlibs_directory: unknown option \`shlibs_directory\` (did you mean \`shlib_directory\`?)`,
    );
    expect(r.stderr).not.toContain("building");
  });
});
