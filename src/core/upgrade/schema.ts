// The upgrade scenario file's shape. Parsing stops at shape; cross-side rules live in load.ts.
// Sides use the matrix vocabulary: `postfix` as in axes.postfix, `options` as an option set.
import { z } from "zod";
import { osTarget } from "../matrix/schema.js";
import { repositoryName, slug } from "../matrix/values.js";

export const APPLY_MODES = ["reload", "restart"] as const;
export type ApplyMode = (typeof APPLY_MODES)[number];

export const EXPECTATIONS = ["pass", "fail"] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

/** One side of a scenario; `postfix` and `options` are checked with the matrix schemas in load.ts. */
export const upgradeSide = z.strictObject({
  os: osTarget.optional(),
  postfix: z.unknown(),
  options: z.unknown().optional(),
});

const parameterName = z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a main.cf parameter name (lower-case letters, digits, _)");
const parameterValue = z.string().refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must be one line without control characters");

export const upgradeScenario = z.strictObject({
  name: slug,
  description: z.string().optional(),
  os: osTarget.optional(),
  from: upgradeSide,
  to: upgradeSide,
  /** How the running system picks up the new release after `make upgrade`. */
  apply: z.enum(APPLY_MODES).optional(),
  /** `fail`: the scenario exists to show breakage; it "passes" when at least one check fails. */
  expect: z.enum(EXPECTATIONS).optional(),
  /** With `expect: fail`: the check ids that must be among the failing ones. */
  breaks: z.array(z.string()).min(1, "list at least one check id, or leave `breaks` out").optional(),
  /** Extra main.cf settings made before the upgrade; each must read back unchanged after it. */
  settings: z.record(parameterName, parameterValue).optional(),
});
export type UpgradeScenarioInput = z.infer<typeof upgradeScenario>;

export const upgradeFile = z.strictObject({
  /** The image repository's last component, like a matrix name. */
  name: repositoryName.optional(),
  description: z.string().optional(),
  scenarios: z.array(z.unknown()).min(1, "an upgrade file needs at least one scenario"),
});
