// The classic builder (engines without BuildKit): same progress, same readable errors, and a
// working image whose final layers hold no source tree.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT } from "./cli.js";

describe("--builder classic", () => {
  it("builds and verifies a cell, and reports a failing one by its step", async () => {
    const out = path.join(ROOT, "out/itg-classic");
    // Its own image names, so the BuildKit test's images are not rebuilt back and forth.
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), "pm-classic-")), "failing-classic.yaml");
    const text = await readFile(path.join(ROOT, "test/fixtures/failing.yaml"), "utf8");
    await writeFile(file, text.replace(/^name: itg-failing$/m, "name: itg-failing-classic"));
    const r = await cli(["run", file, "--builder", "classic", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok\s+debian-bookworm-3\.10\.13-fine/);
    expect(r.stdout).toMatch(/build failed at step: RUN make makefiles/);
    expect(r.stdout).toMatch(/fatal error: openssl\/\w+\.h: No such file or directory/);
    const df = await readFile(path.join(out, "itg-failing-classic/debian-bookworm-3.10.13-fine/Dockerfile"), "utf8");
    expect(df).not.toContain("--mount");
    expect(df).toMatch(/FROM scratch\nCOPY --from=runtime \/ \//);
    const report = JSON.parse(await readFile(path.join(out, "itg-failing-classic/report.json"), "utf8")) as {
      cells: { id: string; verify: { result?: { checks: { name: string; status: string }[] } } }[];
    };
    const fine = report.cells.find((c) => c.id.endsWith("-fine"))!;
    expect(fine.verify.result!.checks.filter((c) => c.status !== "pass")).toEqual([]);
  });
});
