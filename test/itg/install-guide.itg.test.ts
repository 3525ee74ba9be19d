// INSTALL beyond the build options, built and verified for real (matrices/install-guide.yaml):
// clang and a versioned gcc (4.2), chroot (11), a send-only host (8), split plugin packages
// (4.4.4); and on every cell local submission (6.2), the throughput smoke and log hygiene.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cli, ROOT } from "./cli.js";

interface Check {
  name: string;
  status: string;
  detail: string;
}
interface Report {
  summary: { cells: number; passed: number };
  cells: {
    id: string;
    passed: boolean;
    verify: { kind: string; result?: { checks: Check[]; throughput?: { messages: number; perSecond: number; via: string } } };
  }[];
}

describe("matrices/install-guide.yaml", () => {
  it("builds and verifies each INSTALL option, and every check saw what the option promises", async () => {
    const out = path.join(ROOT, "out/itg");
    const r = await cli(["run", "matrices/install-guide.yaml", "--reverify", "--out", out]);
    const report = JSON.parse(await readFile(path.join(out, "install-guide", "report.json"), "utf8")) as Report;
    const failed = report.cells
      .filter((c) => !c.passed)
      .map((c) => `${c.id}: ${JSON.stringify(c.verify.result?.checks.filter((k) => k.status !== "pass") ?? c.verify)}`);
    expect(failed, r.stdout).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.summary.cells).toBe(5);
    const cell = (o: string) => report.cells.find((c) => c.id === `debian-bookworm-3.10.13-${o}`)!.verify.result!;
    const check = (o: string, name: string) => cell(o).checks.find((c) => c.name === name)!;

    expect(check("clang", "compiler").detail).toMatch(/clang version \d+.*makedefs\.out: CC = clang$/);
    expect(check("clang", "no toolchain").detail).toContain("clang");
    expect(check("gcc-11", "compiler").detail).toMatch(/GCC: \(Debian 11\.[^)]*\) 11\..*CC = gcc-11$/);

    expect(check("chroot", "chroot").detail).toMatch(/\bqmgr\b.*\bsmtpd\b.* rooted at \/var\/spool\/postfix/);
    expect(check("chroot", "mail delivery").status).toBe("pass");
    expect(check("chroot", "STARTTLS").status).toBe("pass");

    expect(check("send-only", "send-only").detail).toMatch(/^no socket listens on port 25/);
    expect(cell("send-only").checks.map((c) => c.name)).not.toContain("mail delivery");
    expect(cell("send-only").throughput?.via).toBe("sendmail");

    expect(check("plugins-split", "plugin packages").detail).toMatch(/removing one removes exactly that map type/);
    expect(check("plugins-split", "dynamicmaps plugins").status).toBe("pass");
    // The remote-client lookups log on purpose; the cell still has a clean log otherwise.
    expect(check("plugins-split", "log hygiene").detail).toMatch(/expected \(the map lookups check/);

    for (const c of report.cells) {
      const res = c.verify.result!;
      expect(res.checks.find((k) => k.name === "local submission")!.detail, c.id).toMatch(/through postdrop, delivered/);
      expect(res.checks.at(-1)!.name, c.id).toBe("log hygiene");
      // Recorded as data, never judged by its speed.
      expect(res.throughput?.messages, c.id).toBe(200);
      expect(res.throughput!.perSecond, c.id).toBeGreaterThan(0);
    }
  });
});
