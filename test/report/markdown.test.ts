// The Markdown summary: a row per cell, failures with what they saw, text that cannot break
// the table or the page, and bounds that keep it under the step summary's 1 MiB.
import { describe, expect, it } from "vitest";
import type { CellResult } from "../../src/core/outcome.js";
import { jsonReport } from "../../src/core/report/machine.js";
import { codeBlock, markdownSummary, mdText, SUMMARY_LIMITS } from "../../src/core/report/markdown.js";
import { ALL } from "./results.js";

const report = (results: readonly CellResult[]) =>
  jsonReport({ name: "m", file: "matrices/m.yaml" }, results, { startedAt: "2026-01-01T00:00:00.000Z", seconds: 61.25 });
const rows = (md: string) => md.split("\n").filter((l) => /^\| [✅❌] \|/.test(l));
/** Table cells of a row; `\|` is a pipe inside a cell. */
const cols = (row: string) => row.slice(2, -2).split(/ (?<!\\)\| /);

describe("markdownSummary", () => {
  const md = markdownSummary(report(ALL));

  it("says how many cells passed, and has one row per cell, failures first", () => {
    expect(md).toContain("**2 of 6 cells passed**, 4 failed");
    const r = rows(md);
    expect(r).toHaveLength(ALL.length);
    const failed = r.filter((x) => x.startsWith("| ❌"));
    expect(r.slice(0, failed.length)).toEqual(failed);
  });

  it("gives each row the same columns as the header, with build, time, size and checks", () => {
    const header = md.split("\n").find((l) => l.startsWith("|  | cell |"))!;
    expect(cols(header)).toEqual(["", "cell", "build", "time", "size", "push", "checks"]);
    for (const r of rows(md)) expect(cols(r)).toHaveLength(7);
    const built = cols(rows(md).find((r) => r.includes("`built-ok`"))!);
    expect(built.slice(2)).toEqual(["built", "12.3 s", "123 MB", "-", "2/2 pass"]);
    const check = cols(rows(md).find((r) => r.includes("`check-failed`"))!);
    expect(check.at(-1)).toBe("1/2, **failed**: map types");
  });

  it("lists every failure with what it saw", () => {
    const failures = md.slice(md.indexOf("### Failures"));
    for (const id of ["build-failed", "check-failed", "verify-error", "push-failed"]) expect(failures).toContain(`#### ❌ \`${id}\``);
    expect(failures).toContain("Build failed at step `[build 4/5] RUN make makefiles && make`");
    expect(failures).toContain('- **map types**: missing &lt;pcre&gt; &amp; "lmdb" \\| \\`x\\`');
    expect(failures).toContain("Verification could not run: Postfix did not start: &lt;boom&gt;");
    expect(failures).toContain("Push failed: denied");
    // The log tail sits in a fence longer than the backticks inside it.
    expect(failures).toContain("```text\ncc: error: <foo.c> & ]]> `x`\nmake: *** [Makefile:8: all] Error 1\n```");
  });

  it("has no failure section when every cell passed", () => {
    expect(markdownSummary(report([ALL[0]!]))).not.toContain("### Failures");
  });

  it("stays bounded for a huge matrix", () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...ALL[2]!, id: `cell-${i}` }));
    const big = markdownSummary(report(many));
    expect(rows(big)).toHaveLength(SUMMARY_LIMITS.rows);
    expect(big.match(/^#### ❌/gm)).toHaveLength(SUMMARY_LIMITS.failures);
    expect(big).toContain(`… and ${1000 - SUMMARY_LIMITS.failures} more failed cells`);
    expect(Buffer.byteLength(big)).toBeLessThan(1024 * 1024);
  });
});

describe("mdText and codeBlock", () => {
  it.each([
    ["a|b", "a\\|b"],
    ["<script>", "&lt;script&gt;"],
    ["*x* _y_ `z`", "\\*x\\* \\_y\\_ \\`z\\`"],
    ["two\nlines", "two lines"],
    ["[link](x)", "\\[link\\](x)"],
  ])("%j shows as %j", (text, want) => {
    expect(mdText(text)).toBe(want);
  });

  it("a fence is longer than any backtick run inside", () => {
    expect(codeBlock(["a ```` b"])).toBe("`````text\na ```` b\n`````");
    expect(codeBlock(["plain"])).toBe("```text\nplain\n```");
  });
});

describe("markdownSummary of a pooled run", () => {
  it("has an engine column, with the engines a cell was moved off", () => {
    const [a, b] = ALL;
    const pooled = [
      { ...a!, engine: "/var/run/docker.sock" },
      { ...b!, engine: "/var/run/docker.sock", movedFrom: ["build|2:2376"] },
    ];
    const md = markdownSummary(report(pooled));
    const header = md.split("\n").find((l) => l.startsWith("|  | cell |"))!;
    expect(cols(header).slice(0, 4)).toEqual(["", "cell", "engine", "build"]);
    const moved = cols(rows(md).find((r) => r.includes("moved off"))!);
    expect(moved).toHaveLength(cols(header).length);
    expect(moved[2]).toBe("`/var/run/docker.sock` (moved off `build\\|2:2376`)");
  });
});
