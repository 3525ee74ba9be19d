// The console table's optional columns: msg/s when the throughput check ran, pushed when pushing.
import { describe, expect, it } from "vitest";
import type { CellResult } from "../../src/core/outcome.js";
import { formatDetails, formatTable } from "../../src/core/report/table.js";

const D = `sha256:${"d".repeat(64)}`;
const cell = (id: string, extra: Partial<CellResult> = {}): CellResult => ({
  id,
  image: `postfix-matrix/m:${id}`,
  values: {},
  build: { kind: "pulled", imageId: "sha256:x", size: 176e6, ref: `127.0.0.1:5000/p:recipe-${id}`, seconds: 4.2 },
  verify: {
    kind: "verified",
    result: {
      checks: [{ name: "postfix check", status: "pass", detail: "" }],
      startupSeconds: 1,
      seconds: 2,
      throughput: { messages: 200, seconds: 2, perSecond: 99.6, via: "smtp" },
    },
  },
  logFile: "",
  dockerfile: "",
  ...extra,
});

describe("console table columns", () => {
  it("shows pulled builds, messages per second and what was pushed", () => {
    const text = formatTable([
      cell("a", { push: { kind: "pushed", ref: "127.0.0.1:5000/p:a", digest: D } }),
      cell("b", { push: { kind: "skipped", reason: "not verified (--no-verify)" } }),
      cell("c", { push: { kind: "failed", message: "push failed: denied" } }),
    ]);
    const [head, a, b, c] = text.split("\n");
    expect(head).toMatch(/build\s+size\s+msg\/s\s+pushed\s+checks/);
    expect(a).toMatch(/pulled 4\.2s\s+176 MB\s+100\s+p:a@sha256:d{12}\s+1\/1 pass/);
    expect(b).toContain("- (not verified (--no-verify))");
    expect(c).toMatch(/^FAIL .*FAILED/);
    expect(formatDetails([cell("c", { push: { kind: "failed", message: "push failed: denied" } })])).toContain("\npush failed: denied");
  });

  it("leaves both columns out when nothing was measured or pushed", () => {
    const plain = cell("a", { verify: { kind: "skipped", reason: "--no-verify" } });
    expect(formatTable([plain]).split("\n")[0]).not.toMatch(/msg\/s|pushed/);
  });
});
