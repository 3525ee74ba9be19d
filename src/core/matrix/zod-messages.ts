// zod's default messages ("Invalid input: expected object, received null") in the words of a
// YAML file. Our own messages (regex and refine texts) pass through unchanged.
import type { z } from "zod";

const WORDS: Record<string, string> = {
  object: "a mapping (`key: value` lines or `{...}`)",
  record: "a mapping (`key: value` lines or `{...}`)",
  array: "a list (`- item` lines or `[...]`)",
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
};

/** What a YAML value looks like to the person who wrote it. */
export function describeValue(v: unknown): string {
  if (v === null) return "empty (null)";
  if (v === undefined) return "missing";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string")
    return v.length > 40 ? `a string of ${v.length.toLocaleString("en")} characters` : `the string ${JSON.stringify(v)}`;
  if (typeof v === "number" && !Number.isFinite(v)) return `the number ${String(v)}`;
  return `${typeof v === "boolean" ? "" : "the number "}${String(v)}`;
}

type Issue = z.core.$ZodIssue;

export function zodMessage(issue: Issue, given: unknown, key: string | number | undefined): string {
  switch (issue.code) {
    case "invalid_type": {
      if (given === undefined && typeof key === "string") return `missing \`${key}\``;
      const want = WORDS[issue.expected] ?? issue.expected;
      return `must be ${want}, not ${describeValue(given)}`;
    }
    case "too_small":
    case "too_big": {
      if (!/^Too (small|big)/.test(issue.message)) return issue.message;
      const bound = String(issue.code === "too_small" ? issue.minimum : issue.maximum);
      const side = issue.code === "too_small" ? "at least" : "at most";
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint")
        return `must be ${side} ${bound} (is ${describeValue(given)})`;
      return `must have ${side} ${bound} ${issue.origin === "string" ? "characters" : "entries"}`;
    }
    case "invalid_union":
      return `has the wrong form (${describeValue(given)})`;
    case "invalid_key":
      return `\`${String(key)}\` is not a valid key here${issue.issues[0] ? `: ${issue.issues[0].message}` : ""}`;
    case "invalid_format":
      return /^Invalid/.test(issue.message) ? `has the wrong form (${describeValue(given)})` : issue.message;
    default:
      return /^Invalid input/.test(issue.message) ? `has the wrong form (${describeValue(given)})` : issue.message;
  }
}
