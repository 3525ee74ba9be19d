import { describe, expect, it } from "vitest";
import { compareDigests, formatReproduce, parseDigests } from "../../src/core/publish/reproduce-report.js";

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("reproduce: file digests compared", () => {
  it("reads sha256sum output, text and binary mode", () => {
    const d = parseDigests(`${A}  /usr/sbin/postconf\n${B} */usr/lib/postfix/libpostfix-util.so\nnoise\n`);
    expect([...d]).toEqual([
      ["/usr/sbin/postconf", A],
      ["/usr/lib/postfix/libpostfix-util.so", B],
    ]);
  });

  it("names each file that differs, is missing or is new", () => {
    const first = new Map([
      ["/a", A],
      ["/b", A],
      ["/c", A],
    ]);
    const second = new Map([
      ["/a", A],
      ["/b", B],
      ["/d", B],
    ]);
    expect(compareDigests(first, second)).toEqual([
      { path: "/b", first: A, second: B },
      { path: "/c", first: A },
      { path: "/d", second: B },
    ]);
    const text = formatReproduce([
      { id: "x", image: "i", outcome: { kind: "compared", files: 3, differing: compareDigests(first, second), seconds: 1 } },
      { id: "y", image: "j", outcome: { kind: "compared", files: 3, differing: [], seconds: 2.5 } },
    ]);
    expect(text).toContain("x: 3 of 3 files differ");
    expect(text).toContain("/c: missing from the rebuild");
    expect(text).toContain("/d: only in the rebuild");
    expect(text).toContain("y: reproducible (3 files identical");
  });
});

describe("reproduce: the rebuild's Dockerfile", () => {
  it("declares a fresh build argument right after every FROM, and changes nothing else", async () => {
    const { rebuildDockerfile, REBUILD_ARG } = await import("../../src/core/publish/rebuild.js");
    const df = "FROM a AS deps\nRUN x\n\nFROM deps AS build\nRUN make\nFROM a AS runtime\nRUN y\n";
    const out = rebuildDockerfile(df, "abc123");
    expect(out.split("\n").filter((l) => l === `ARG ${REBUILD_ARG}=abc123`)).toHaveLength(3);
    expect(out.replace(new RegExp(`\\nARG ${REBUILD_ARG}=abc123`, "g"), "")).toBe(df);
    expect(() => rebuildDockerfile(df, "a b")).toThrow(/alphanumeric/);
  });
});
