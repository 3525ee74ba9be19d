// A short key for a set of checks: a verification result stands for an image only under the
// same checks (the local verify cache and the label a pushed image carries both use it).
import { createHash } from "node:crypto";
import type { CheckSpec } from "./checks.js";

export const checksKey = (checks: readonly CheckSpec[]): string =>
  createHash("sha256").update(JSON.stringify(checks)).digest("hex").slice(0, 32);
