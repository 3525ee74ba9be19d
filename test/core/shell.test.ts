// shellQuote: one POSIX sh word, proven by asking a real sh to print it back.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { shellQuote, shellWords } from "../../src/core/recipe/shell.js";

describe("shellQuote", () => {
  it.each([["gcc"], ["CCARGS=-DUSE_TLS"], ["/usr/lib/postfix/MAIL_VERSION"], ["-keep-build-mtime"], ["a,b:c@d%e+f"], ["shared=yes"]])(
    "%j stays bare",
    (w) => {
      expect(shellQuote(w)).toBe(w);
    },
  );

  it.each([
    ["AUXLIBS=-lssl -lcrypto", "'AUXLIBS=-lssl -lcrypto'"],
    ["it's", "'it'\\''s'"],
    ["''", "''\\'''\\'''"],
    ["$HOME", "'$HOME'"],
    ["*.c", "'*.c'"],
    ["a;b", "'a;b'"],
    ["a\\b", "'a\\b'"],
    ['"q"', "'\"q\"'"],
    ["`id`", "'`id`'"],
    ["a|b&c", "'a|b&c'"],
    ["~root", "'~root'"],
    ["#x", "'#x'"],
    ["", "''"],
  ])("%j -> %s", (w, quoted) => {
    expect(shellQuote(w)).toBe(quoted);
  });

  it.each([["a\nb"], ["a\tb"], ["\u0000"], ["x\u007f"], ["\r"]])("%j (control characters) throws", (w) => {
    expect(() => shellQuote(w)).toThrow(/control characters/);
  });

  it("shellWords joins quoted words with single spaces", () => {
    expect(shellWords(["make", "CCARGS=-DA -DB", "x'y"])).toBe("make 'CCARGS=-DA -DB' 'x'\\''y'");
    expect(shellWords([])).toBe("");
  });
});

describe("shellQuote round trip through /bin/sh", () => {
  const nasty = [
    "plain",
    "two words",
    "it's",
    "'",
    "'''",
    "\\'",
    "$HOME ${PATH} $(id) `id`",
    "*?[a-z]{1,2}",
    "a;b&&c||d|e>f<g",
    "\\\\n \\t",
    "\"double\" 'single'",
    '-DDEF_MAIL_OWNER=\\"postfix\\"',
    "#comment",
    "~",
    "!bang",
    "ünïcödé ✓",
    "",
    " leading and trailing ",
  ];

  it("sh prints every value back byte for byte", () => {
    // One sh run for all values keeps the suite fast; NUL separates them.
    const script = nasty.map((w) => `printf '%s\\0' ${shellQuote(w)}`).join("\n");
    const out = execFileSync("sh", ["-c", script], { encoding: "buffer" });
    expect(out.toString("utf8").split("\0").slice(0, -1)).toEqual(nasty);
  });

  it("each value is exactly one word", () => {
    const out = execFileSync("sh", ["-c", `set -- ${shellWords(nasty)}; echo $#`], { encoding: "utf8" });
    expect(Number(out.trim())).toBe(nasty.length);
  });
});
