// An upgrade scenario after validation: two normal cells (checked and turned into recipes
// exactly like matrix cells) plus what to do between them and what to check. Pure.
import type { CheckedCell } from "../matrix/rules.js";
import type { Recipe } from "../recipe/recipe.js";
import { compareVersions } from "../version.js";
import type { ApplyMode, Expectation } from "./schema.js";

export interface UpgradeSide {
  cell: CheckedCell;
  recipe: Recipe;
  /** `from`: the full runtime image. `to`: the build stage only (`target: build`). */
  image: string;
  /** Where libpostfix-*.so live for this side, MAIL_VERSION expanded; absent when not shared. */
  shlibDirectory?: string;
  /** The shlib_directory as written (may end in MAIL_VERSION). */
  shlibSetting?: string;
}

export type Direction = "upgrade" | "downgrade" | "same release";

export interface UpgradeScenario {
  name: string;
  description?: string;
  /** Field path of the scenario in its file, for messages: `scenarios[1]`. */
  path: string;
  os: string;
  from: UpgradeSide;
  to: UpgradeSide;
  apply: ApplyMode;
  expect: Expectation;
  breaks: string[];
  direction: Direction;
  /** main.cf settings made on the running old system that must survive the upgrade. */
  settings: [string, string][];
  /** master.cf `service/type/parameter` settings that must survive the upgrade. */
  masterSettings: [string, string][];
  checks: UpgradeCheck[];
}

export interface UpgradePlan {
  file: string;
  name: string;
  description?: string;
  scenarios: UpgradeScenario[];
}

export type Phase = "before" | "upgrade" | "after";

/** Every check a scenario can have, by stable id (what `breaks:` and the report name). */
export const CHECK_TITLES = {
  "from-running": "the old release runs and answers",
  "mail-queued": "mail held (postsuper -h) and deferred (defer_transports) before the upgrade",
  "runtime-packages": "the new release's runtime packages installed with apt-get",
  "make-upgrade": "make upgrade from the mounted build tree",
  apply: "the running system picks up the new release",
  "postfix-check": "postfix check is clean",
  "mail-version": "postconf -h mail_version is the new release",
  "shlib-directory": "shlib_directory reads back as the new release's directory",
  "shlib-resolution": "the new binaries resolve libpostfix-* from the new directory",
  "shlib-versions-kept": "both releases' library directories exist",
  "running-libraries": "no running Postfix process uses a replaced libpostfix/plugin file",
  plugins: "dynamicmaps plugins listed and loading",
  "settings-kept": "main.cf and master.cf keep the user's settings",
  "queue-kept": "the held and deferred mail is still queued",
  "queue-delivered": "the queued mail is delivered exactly once after release",
  "new-mail": "new mail flows end to end (SMTP in, local mailbox)",
  "relay-refused": "relaying to an outside domain is still refused",
} as const;
export type CheckId = keyof typeof CHECK_TITLES;
export const CHECK_IDS = Object.keys(CHECK_TITLES) as CheckId[];

export interface UpgradeCheck {
  id: CheckId;
  title: string;
  phase: Phase;
  /** What the check expects, for the probe and the report. */
  expect?: string;
}

/** Settings every scenario makes on the old system (plus the scenario's own `settings`). */
export const MARKER_SETTINGS: [string, string][] = [
  ["smtpd_banner", "$myhostname ESMTP pm-upgrade-marker"],
  ["message_size_limit", "20480000"],
];
export const MARKER_MASTER_SETTINGS: [string, string][] = [["smtp/inet/syslog_name", "postfix/pm-smtpd"]];

export function directionOf(from: string, to: string): Direction {
  const c = compareVersions(to, from);
  return c > 0 ? "upgrade" : c < 0 ? "downgrade" : "same release";
}

export const expandMailVersion = (value: string, version: string): string => value.replace(/MAIL_VERSION$/, version);

/** The checks a scenario gets, in the order they run. */
export function checksForScenario(s: Pick<UpgradeScenario, "from" | "to" | "apply">): UpgradeCheck[] {
  const out: UpgradeCheck[] = [];
  const add = (id: CheckId, phase: Phase, expect?: string) =>
    out.push({ id, title: CHECK_TITLES[id], phase, ...(expect !== undefined ? { expect } : {}) });
  const from = s.from;
  const to = s.to;
  add("from-running", "before", from.recipe.version);
  add("mail-queued", "before");
  add("runtime-packages", "upgrade");
  add("make-upgrade", "upgrade");
  add("apply", "upgrade", s.apply);
  add("postfix-check", "after");
  add("mail-version", "after", to.recipe.version);
  if (to.shlibDirectory) {
    add("shlib-directory", "after", to.shlibDirectory);
    add("shlib-resolution", "after", to.shlibDirectory);
  }
  if (from.shlibDirectory && to.shlibDirectory && from.shlibDirectory !== to.shlibDirectory) {
    add("shlib-versions-kept", "after", `${from.shlibDirectory} ${to.shlibDirectory}`);
  }
  if (from.shlibDirectory) add("running-libraries", "after");
  if (Object.keys(to.recipe.expect.plugins).length > 0) add("plugins", "after");
  add("settings-kept", "after");
  add("queue-kept", "after");
  add("queue-delivered", "after");
  add("new-mail", "after");
  add("relay-refused", "after");
  return out;
}

/** One check's result as the runner reports it. */
export interface CheckOutcome {
  id: string;
  title: string;
  status: "pass" | "fail" | "skip";
  detail: string;
  seconds: number;
}

export interface ScenarioResult {
  name: string;
  from: { version: string; image: string; build: "built" | "cached" | "failed"; seconds: number };
  to: { version: string; image: string; build: "built" | "cached" | "failed"; seconds: number };
  apply: ApplyMode;
  expect: Expectation;
  direction: Direction;
  checks: CheckOutcome[];
  /** A problem that stopped the scenario before or between checks (build failure, container start). */
  error?: string;
  timings: { fromBuild: number; toBuild: number; upgrade: number; total: number };
  logFile?: string;
}

export interface Verdict {
  /** What actually happened. */
  outcome: "pass" | "fail";
  /** Whether that is what the scenario declared. */
  asExpected: boolean;
  reason: string;
}

/** Pure: did the scenario do what its file said it would? */
export function verdictOf(r: Pick<ScenarioResult, "checks" | "error" | "expect">, breaks: readonly string[] = []): Verdict {
  const failed = r.checks.filter((c) => c.status === "fail").map((c) => c.id);
  const outcome = r.error || failed.length > 0 ? "fail" : "pass";
  if (r.expect === "pass") {
    return outcome === "pass"
      ? { outcome, asExpected: true, reason: `all ${r.checks.length} checks passed` }
      : { outcome, asExpected: false, reason: r.error ? `did not complete: ${r.error}` : `failed: ${failed.join(", ")}` };
  }
  if (outcome === "pass") return { outcome, asExpected: false, reason: "expected to fail, but every check passed" };
  if (r.error && breaks.length > 0)
    return { outcome, asExpected: false, reason: `expected ${breaks.join(", ")} to fail, but the scenario did not complete: ${r.error}` };
  const missing = breaks.filter((b) => !failed.includes(b));
  if (missing.length > 0)
    return {
      outcome,
      asExpected: false,
      reason: `expected ${missing.join(", ")} to fail; failed instead: ${failed.join(", ") || r.error}`,
    };
  return { outcome, asExpected: true, reason: `failed as expected: ${failed.join(", ") || r.error}` };
}

/** A scenario's result with its verdict and where its files are: what the report shows. */
export interface ScenarioReport extends ScenarioResult {
  description?: string;
  breaks: string[];
  verdict: Verdict;
  files: {
    dir: string;
    fromDockerfile: string;
    toDockerfile: string;
    fromBuildLog: string;
    toBuildLog: string;
    makeUpgradeLog: string;
    containerLog: string;
  };
}
