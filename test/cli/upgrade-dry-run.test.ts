// `upgrade --dry-run`: the validate-only path for upgrade files (no engine is contacted).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { cli } from "./run-cli.js";

const FILE = "matrices/upgrade.yaml";
const names = (parse(readFileSync(FILE, "utf8")) as { scenarios: { name: string }[] }).scenarios.map((s) => s.name);

describe("upgrade --dry-run", () => {
  it("checks every scenario, prints one line each and builds nothing", async () => {
    const r = await cli("upgrade", "--dry-run", FILE);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(0, -1).map((l) => l.split(":")[0])).toEqual(names);
    expect(lines.at(-1)).toBe(`${FILE}: ${names.length} upgrade scenarios valid; nothing was built`);
    expect(r.stdout).toMatch(
      /: debian:bookworm, 3\.7\.11 -> 3\.10\.13 \(upgrade\), apply reload, expect fail \(breaks running-libraries\), \d+ checks/,
    );
  });

  it("takes --only like a real run", async () => {
    const r = await cli("upgrade", "--dry-run", FILE, "--only", names[1]!);
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(2);
    expect(r.stdout).toContain(`${FILE}: 1 upgrade scenario valid`);
  });

  it("expand on an upgrade file points at upgrade --dry-run", async () => {
    const r = await cli("expand", FILE);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(`^postfix-matrix: ${FILE}:\\d+: scenarios: this is an upgrade file .*\`postfix-matrix upgrade --dry-run ${FILE}\``),
    );
  });

  it("upgrade --dry-run on a matrix file points at expand", async () => {
    const r = await cli("upgrade", "--dry-run", "matrices/default.yaml");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/this is a matrix file .*`postfix-matrix expand matrices\/default\.yaml`/);
  });
});
