// Limits that keep a hostile or mistaken file from costing minutes, gigabytes or megabytes
// of output: files made here because they are large (the stored corpus stays small).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_PRINTED_ISSUES } from "../../src/errors.js";
import { MAX_CELLS } from "../../src/core/matrix/expand.js";
import { MAX_ENTRIES } from "../../src/core/matrix/load.js";
import { YAML_LIMITS } from "../../src/core/matrix/yaml.js";
import { cli } from "./run-cli.js";

const dir = mkdtempSync(path.join(tmpdir(), "pm-limits-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = 'name: limits\naxes:\n  os: [debian:bookworm]\n  postfix: ["3.10.13"]\n';
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

describe("sizes", () => {
  it("a file over 1 MiB is refused before it is parsed", async () => {
    const f = file("big.yaml", `${HEAD}description: "${"x".repeat(YAML_LIMITS.bytes)}"\n`);
    const r = await cli("expand", f);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${f}:1: the file is 1,048,6\\d\\d characters long; at most 1,048,576 \\(1 MiB\\) are read`));
  });

  it(`more than ${MAX_ENTRIES} include entries are refused, with the count`, async () => {
    const entries = Array.from({ length: MAX_ENTRIES + 1 }, (_, i) => `  - {os: debian:bookworm, fd_setsize: ${64 + i}}\n`);
    const r = await cli("expand", file("includes.yaml", `${HEAD}include:\n${entries.join("")}`));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`include: 1,001 entries; at most 1,000 are allowed`);
  });

  it(`the cell count is said before expanding: ${MAX_CELLS} passes, one more axis value does not`, async () => {
    const values = (n: number, f: (i: number) => string) => `[${Array.from({ length: n }, (_, i) => f(i)).join(", ")}]`;
    const text = (n: number) =>
      `name: limits\naxes:\n  os: [debian:bookworm]\n  postfix: ["3.10.13"]\n  fd_setsize: ${values(100, (i) => String(64 + i))}\n  ccargs: ${values(n, (i) => `-DX${i}`)}\n`;
    const ok = await cli("expand", file("at-limit.yaml", text(1000)));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^100000 cells$/m);
    const over = await cli("expand", file("over-limit.yaml", text(1001)));
    expect(over.code).toBe(2);
    expect(over.stderr).toContain(
      "the axes make 100,100 cells (os 1 x postfix 1 x fd_setsize 100 x ccargs 1001), more than the limit of 100,000",
    );
  });
});

describe("output stays small", () => {
  it("90,000 mistakes print 50 lines and a count, not megabytes", async () => {
    const r = await cli("expand", file("errors.yaml", `${HEAD}defaults:\n  features: [${Array(90_000).fill("nope").join(", ")}]\n`));
    expect(r.code).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(MAX_PRINTED_ISSUES + 1);
    expect(lines.at(-1)).toBe("... and 89950 more problems (90000 in all); fix the ones above first");
    expect(r.stderr.length).toBeLessThan(20_000);
  });

  it("a 100 KB value, key or name is never echoed whole", async () => {
    const long = "a".repeat(100_000);
    const text =
      HEAD +
      `  options:\n    - name: ${long}\ndefaults:\n  ccargs: "-DX;${long}"\n  layout: ${long}\n  ? ${long}\n  : 1\ninclude:\n  - {options: ${long}, os: debian:bookworm}\n`;
    const r = await cli("expand", file("long.yaml", text));
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n").length).toBeGreaterThanOrEqual(4);
    expect(r.stderr.length).toBeLessThan(3_000);
    expect(r.stderr).toContain("(100,000 characters)");
    expect(r.stderr).not.toContain("a".repeat(500));
  });
});
