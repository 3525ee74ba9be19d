// JUnit XML read back with fast-xml-parser: the document must be well-formed, and every
// count a suite states must be what its test cases hold.
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { expect } from "vitest";

export interface JunitCase {
  name: string;
  classname: string;
  time?: number;
  failure?: { message?: string; text?: string };
  error?: { message?: string; text?: string };
  skipped: boolean;
  out?: string;
}
export interface JunitSuite {
  name: string;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  cases: JunitCase[];
}

type Node = Record<string, unknown>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@",
  textNodeName: "#text",
  parseAttributeValue: false,
  // Messages are compared whole: no trimming, and character references decoded.
  trimValues: false,
  htmlEntities: true,
  isArray: (name) => name === "testsuite" || name === "testcase",
});

const detail = (n: unknown) => {
  if (n === undefined) return undefined;
  if (typeof n === "string") return { text: n };
  const o = n as Node;
  return { message: o["@message"] as string | undefined, text: o["#text"] as string | undefined };
};

/** The suites of a JUnit document, after checking it is well-formed and its counts add up. */
export function readJunit(xml: string): { name: string; counts: Omit<JunitSuite, "name" | "cases">; suites: JunitSuite[] } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const root = (parser.parse(xml) as Node).testsuites as Node;
  const count = (n: Node, k: string) => Number(n[`@${k}`]);
  const suites = ((root.testsuite as Node[] | undefined) ?? []).map((s): JunitSuite => {
    const cases = ((s.testcase as Node[] | undefined) ?? []).map((c) => ({
      name: String(c["@name"]),
      classname: String(c["@classname"]),
      ...(c["@time"] !== undefined ? { time: Number(c["@time"]) } : {}),
      ...(c.failure !== undefined ? { failure: detail(c.failure) } : {}),
      ...(c.error !== undefined ? { error: detail(c.error) } : {}),
      skipped: c.skipped !== undefined,
      ...(c["system-out"] !== undefined ? { out: String(c["system-out"]) } : {}),
    }));
    const suite = {
      name: String(s["@name"]),
      tests: count(s, "tests"),
      failures: count(s, "failures"),
      errors: count(s, "errors"),
      skipped: count(s, "skipped"),
      cases,
    };
    // The structure: what a suite says it has is what it has.
    expect(suite.tests).toBe(cases.length);
    expect(suite.failures).toBe(cases.filter((c) => c.failure).length);
    expect(suite.errors).toBe(cases.filter((c) => c.error).length);
    expect(suite.skipped).toBe(cases.filter((c) => c.skipped).length);
    return suite;
  });
  const counts = {
    tests: count(root, "tests"),
    failures: count(root, "failures"),
    errors: count(root, "errors"),
    skipped: count(root, "skipped"),
  };
  for (const k of ["tests", "failures", "errors", "skipped"] as const) expect(counts[k]).toBe(suites.reduce((n, s) => n + s[k], 0));
  return { name: String(root["@name"]), counts, suites };
}
