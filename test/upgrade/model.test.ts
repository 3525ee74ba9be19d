// The upgrade scenario model: file -> scenarios, each side a normal checked cell and recipe,
// the checks per scenario, and the verdict against the declared expectation. Pure.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseUpgradeFile } from "../../src/core/upgrade/load.js";
import { checksForScenario, verdictOf, type CheckOutcome } from "../../src/core/upgrade/model.js";
import { formatUpgradeDetails, formatUpgradeTable } from "../../src/core/upgrade/report.js";
import { yamlOf } from "../core/helpers.js";

const FILE = "matrices/upgrade.yaml";
const shipped = () => parseUpgradeFile(readFileSync(new URL("../../matrices/upgrade.yaml", import.meta.url), "utf8"), FILE);

const versioned = {
  shared: true,
  dynamicmaps: true,
  features: ["tls", "pcre"],
  compile_directories: { shlib_directory: "/usr/lib/postfix/MAIL_VERSION" },
};
const one = (scenario: Record<string, unknown>) =>
  parseUpgradeFile(
    yamlOf({ scenarios: [{ name: "s", os: "debian:bookworm", from: { postfix: "3.7.11" }, to: { postfix: "3.10.13" }, ...scenario }] }),
    "u.yaml",
  ).scenarios[0]!;

describe("matrices/upgrade.yaml", () => {
  it("has the versioned shared scenario, a non-shared one and one meant to fail", () => {
    const plan = shipped();
    expect(plan.name).toBe("upgrade");
    const byName = Object.fromEntries(plan.scenarios.map((s) => [s.name, s]));
    const v = byName["3.7-to-3.10-shared-versioned"]!;
    expect(v.from.recipe.version).toBe("3.7.11");
    expect(v.to.recipe.version).toBe("3.10.13");
    expect(v.os).toBe("debian:bookworm");
    expect(v.to.cell.options).toMatchObject({ shared: true, dynamicmaps: true });
    expect(v.from.shlibDirectory).toBe("/usr/lib/postfix/3.7.11");
    expect(v.to.shlibDirectory).toBe("/usr/lib/postfix/3.10.13");
    expect(v.to.shlibSetting).toBe("/usr/lib/postfix/MAIL_VERSION");
    expect(v.expect).toBe("pass");
    expect(v.direction).toBe("upgrade");
    const flat = plan.scenarios.find((s) => !s.to.shlibDirectory && !s.from.shlibDirectory);
    expect(flat?.expect).toBe("pass");
    const failing = plan.scenarios.filter((s) => s.expect === "fail");
    expect(failing.length).toBeGreaterThan(0);
    for (const s of failing) expect(s.breaks.length).toBeGreaterThan(0);
  });

  it("gives each side an image tag of its own: the full image, and the build stage", () => {
    const v = shipped().scenarios[0]!;
    expect(v.from.image).toBe("postfix-matrix/upgrade:3.7-to-3.10-shared-versioned-from");
    expect(v.to.image).toBe("postfix-matrix/upgrade:3.7-to-3.10-shared-versioned-to-build");
  });
});

describe("each side is a normal matrix cell", () => {
  it("goes through checkCell and buildRecipe: makefiles words as in a matrix", () => {
    const s = one({ from: { postfix: "3.7.11", options: versioned }, to: { postfix: "3.10.13", options: versioned } });
    expect(s.to.recipe.makefiles).toEqual(
      expect.arrayContaining(["shared=yes", "dynamicmaps=yes", "shlib_directory=/usr/lib/postfix/MAIL_VERSION"]),
    );
    expect(s.from.recipe.expect.plugins).toEqual({ pcre: "postfix-pcre.so" });
    expect(s.to.cell.id).toBe("s-to");
  });

  it("install_directories go to the `to` side's make upgrade", () => {
    const opts = { shared: true, install_directories: { shlib_directory: "/opt/pf/lib/MAIL_VERSION" } };
    const s = one({ from: { postfix: "3.7.11", options: { shared: true } }, to: { postfix: "3.10.13", options: opts } });
    expect(s.to.recipe.upgrade).toEqual(["shlib_directory=/opt/pf/lib/MAIL_VERSION"]);
    expect(s.to.shlibDirectory).toBe("/opt/pf/lib/3.10.13");
    expect(s.from.shlibDirectory).toBe("/usr/lib/postfix");
  });

  it("defaults: apply reload, expect pass; a version going down is a downgrade", () => {
    const s = one({ from: { postfix: "3.10.13" }, to: { postfix: "3.7.11" } });
    expect(s.apply).toBe("reload");
    expect(s.expect).toBe("pass");
    expect(s.direction).toBe("downgrade");
  });

  it("keeps the marker settings and adds the scenario's own", () => {
    const s = one({ settings: { smtpd_helo_required: "yes" } });
    expect(s.settings).toEqual(
      expect.arrayContaining([
        ["smtpd_banner", "$myhostname ESMTP pm-upgrade-marker"],
        ["smtpd_helo_required", "yes"],
      ]),
    );
  });
});

describe("checks per scenario", () => {
  const ids = (s: ReturnType<typeof one>) => s.checks.map((c) => c.id);
  it("static builds: no shared-library checks", () => {
    const s = one({});
    expect(ids(s)).toEqual([
      "from-running",
      "mail-queued",
      "runtime-packages",
      "make-upgrade",
      "apply",
      "postfix-check",
      "mail-version",
      "settings-kept",
      "queue-kept",
      "queue-delivered",
      "new-mail",
      "relay-refused",
    ]);
  });

  it("versioned shared + dynamicmaps: both library directories, resolution, running libraries, plugins", () => {
    const s = one({ from: { postfix: "3.7.11", options: versioned }, to: { postfix: "3.10.13", options: versioned } });
    expect(ids(s)).toEqual(
      expect.arrayContaining(["shlib-directory", "shlib-resolution", "shlib-versions-kept", "running-libraries", "plugins"]),
    );
    expect(s.checks.find((c) => c.id === "shlib-versions-kept")?.expect).toBe("/usr/lib/postfix/3.7.11 /usr/lib/postfix/3.10.13");
    expect(s.checks.find((c) => c.id === "mail-version")?.expect).toBe("3.10.13");
  });

  it("one flat shlib_directory: no second directory to keep, but the running-libraries check", () => {
    const flat = { shared: true, compile_directories: { shlib_directory: "/usr/lib/postfix" } };
    const s = one({ from: { postfix: "3.7.11", options: flat }, to: { postfix: "3.10.13", options: flat } });
    expect(ids(s)).not.toContain("shlib-versions-kept");
    expect(ids(s)).toContain("running-libraries");
    expect(ids(s)).not.toContain("plugins");
  });

  it("checksForScenario follows the sides, not the names", () => {
    const s = one({ from: { postfix: "3.7.11", options: versioned }, to: { postfix: "3.10.13" } });
    const c = checksForScenario(s).map((x) => x.id);
    expect(c).toContain("running-libraries");
    expect(c).not.toContain("shlib-resolution");
  });
});

describe("verdict: outcome against the declared expectation", () => {
  const check = (id: string, status: CheckOutcome["status"]): CheckOutcome => ({ id, title: id, status, detail: "", seconds: 0 });
  it("expect pass: every check passes", () => {
    expect(verdictOf({ expect: "pass", checks: [check("a", "pass")] })).toMatchObject({ outcome: "pass", asExpected: true });
    expect(verdictOf({ expect: "pass", checks: [check("a", "pass"), check("b", "fail")] })).toMatchObject({
      outcome: "fail",
      asExpected: false,
      reason: "failed: b",
    });
    expect(verdictOf({ expect: "pass", checks: [check("a", "skip")], error: "container died" })).toMatchObject({ asExpected: false });
  });
  it("expect fail: something fails, and every check in `breaks` is among the failures", () => {
    expect(verdictOf({ expect: "fail", checks: [check("a", "pass")] })).toMatchObject({ outcome: "pass", asExpected: false });
    expect(verdictOf({ expect: "fail", checks: [check("a", "fail")] }, ["a"])).toMatchObject({
      asExpected: true,
      reason: "failed as expected: a",
    });
    expect(verdictOf({ expect: "fail", checks: [check("a", "fail"), check("b", "pass")] }, ["b"])).toMatchObject({ asExpected: false });
    expect(verdictOf({ expect: "fail", checks: [check("a", "skip")], error: "build failed" }, ["a"])).toMatchObject({ asExpected: false });
    expect(verdictOf({ expect: "fail", checks: [check("a", "skip")], error: "build failed" })).toMatchObject({ asExpected: true });
  });
});

describe("report", () => {
  it("shows a row per scenario and the failed checks of a scenario meant to fail", () => {
    const base = {
      from: { version: "3.7.11", image: "f", build: "built" as const, seconds: 40 },
      to: { version: "3.10.13", image: "t", build: "cached" as const, seconds: 0 },
      apply: "reload" as const,
      direction: "upgrade" as const,
      breaks: [],
      timings: { fromBuild: 40, toBuild: 0, upgrade: 5, total: 60 },
      files: {
        dir: "out/upgrade/x",
        fromDockerfile: "",
        toDockerfile: "",
        fromBuildLog: "",
        toBuildLog: "",
        makeUpgradeLog: "",
        containerLog: "",
      },
    };
    const ok = {
      ...base,
      name: "ok",
      expect: "pass" as const,
      checks: [{ id: "a", title: "a", status: "pass" as const, detail: "", seconds: 0 }],
      verdict: { outcome: "pass" as const, asExpected: true, reason: "" },
    };
    const bad = {
      ...base,
      name: "meant-to-fail",
      expect: "fail" as const,
      checks: [{ id: "running-libraries", title: "", status: "fail" as const, detail: "master[1]: libpostfix-util.so", seconds: 0 }],
      verdict: { outcome: "fail" as const, asExpected: true, reason: "failed as expected: running-libraries" },
    };
    const table = formatUpgradeTable([ok, bad]);
    expect(table).toMatch(/ok\s+ok\s+3\.7\.11 -> 3\.10\.13\s+reload\s+built 40\.0s\s+cached/);
    expect(table).toMatch(/meant-to-fail.*fail \(got it\).*FAILED: running-libraries/);
    expect(table).toContain("2 of 2 scenarios as expected");
    const details = formatUpgradeDetails([ok, bad]);
    expect(details).toContain("FAIL  running-libraries: master[1]: libpostfix-util.so");
    expect(details).not.toContain("--- ok");
  });
});
