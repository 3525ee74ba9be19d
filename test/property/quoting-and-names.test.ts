// Properties of the two things every value passes through: shell quoting (every RUN word,
// and the upgrade scenario's `postconf -e` settings) and names that become image references.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { parseMatrix } from "../../src/core/matrix/load.js";
import { imageRefFor } from "../../src/core/prepare.js";
import { shellQuote, shellWords } from "../../src/core/recipe/shell.js";
import { parseUpgradeFile, imageRefForSide } from "../../src/core/upgrade/load.js";
import { yamlOf } from "../core/helpers.js";
import { parseShell } from "./shell-words.js";

const CONTROL = /[\u0000-\u001f\u007f]/;
const anyString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc
    .array(fc.constantFrom("'", '"', "\\", "$(id)", "`x`", "${a}", " ", ";", "|", "&", "#", "*", "~", "!", "\n", "é", "=", "-", "a"), {
      maxLength: 10,
    })
    .map((a) => a.join("")),
);

describe("shellQuote", () => {
  it("any string without control characters becomes exactly one word with the same value, expanding nothing", () => {
    fc.assert(
      fc.property(
        anyString.filter((s) => !CONTROL.test(s) && !/[\ud800-\udfff]/.test(s)),
        (s) => {
          const parsed = parseShell(`printf %s ${shellQuote(s)}`);
          expect(parsed.words).toEqual(["printf", "%s", s]);
          expect(parsed.expansions).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("several values stay several words", () => {
    fc.assert(
      fc.property(
        fc.array(
          anyString.filter((s) => !CONTROL.test(s) && !/[\ud800-\udfff]/.test(s)),
          { maxLength: 5 },
        ),
        (values) => {
          expect(parseShell(`postconf -e ${shellWords(values)}`).words).toEqual(["postconf", "-e", ...values]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("a value with a control character is refused loudly, never quoted", () => {
    fc.assert(
      fc.property(anyString, fc.constantFrom("\n", "\r", "\u0000", "\t", "\u007f"), (s, c) => {
        expect(() => shellQuote(s + c)).toThrow(/control characters/);
      }),
    );
  });
});

// Docker's reference grammar (distribution/reference): path components and a tag.
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REFERENCE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*:[\\w][\\w.-]{0,127}$`);
const HEAD = { axes: { os: ["debian:bookworm"], postfix: ["3.10.13"] } };

/** The value the parser returns, or undefined when it refuses with a ConfigError. */
function accepted<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
}

describe("names that become image references", () => {
  const names = fc.oneof(anyString, fc.stringMatching(/^[a-z0-9._-]{1,70}$/));

  it("a matrix `name:` is refused or makes a valid image reference", () => {
    let ok = 0;
    fc.assert(
      fc.property(names, (name) => {
        const m = accepted(() => parseMatrix(yamlOf({ name, ...HEAD }), "m.yaml"));
        if (!m) return;
        ok++;
        expect(imageRefFor(m.name, "debian-bookworm-3.10.13")).toMatch(REFERENCE);
      }),
      { numRuns: 400 },
    );
    expect(ok).toBeGreaterThan(0);
  });

  it("a name taken from the file name follows the same rules, and never leaves its folder", () => {
    let ok = 0;
    fc.assert(
      fc.property(names, (base) => {
        const m = accepted(() => parseMatrix(yamlOf(HEAD), `matrices/${base}.yaml`));
        if (!m) return;
        ok++;
        expect(imageRefFor(m.name, "x")).toMatch(REFERENCE);
        expect(m.name).not.toMatch(/\/|^\.\.?$/);
      }),
      { numRuns: 400 },
    );
    expect(ok).toBeGreaterThan(0);
  });

  it("an upgrade file's name and scenario names make valid image references", () => {
    let ok = 0;
    fc.assert(
      fc.property(names, names, (name, scenario) => {
        const file = {
          name,
          scenarios: [{ name: scenario, os: "debian:bookworm", from: { postfix: "3.7.11" }, to: { postfix: "3.10.13" } }],
        };
        const plan = accepted(() => parseUpgradeFile(yamlOf(file), "u.yaml"));
        if (!plan) return;
        ok++;
        for (const side of ["from", "to"] as const) expect(imageRefForSide(plan.name, plan.scenarios[0]!.name, side)).toMatch(REFERENCE);
      }),
      { numRuns: 300 },
    );
    expect(ok).toBeGreaterThan(0);
  });
});
