import type { CheckResult, VerifyResult } from "../io/verify/verify.js";
import type { StepTiming } from "../io/docker/engine.js";

export type BuildOutcome =
  | { kind: "built"; imageId: string; seconds: number; size: number; steps?: StepTiming[] }
  | { kind: "cached"; imageId: string; size: number }
  | { kind: "failed"; message: string; step?: string; lastLines: string[]; seconds: number };

export type VerifyOutcome =
  | { kind: "verified"; result: VerifyResult }
  | { kind: "error"; message: string }
  | { kind: "skipped"; reason: string };

export interface CellResult {
  id: string;
  image: string;
  values: Record<string, string>;
  build: BuildOutcome;
  verify: VerifyOutcome;
  logFile: string;
  dockerfile: string;
}

export type { CheckResult };

export function cellPassed(r: CellResult): boolean {
  if (r.build.kind === "failed") return false;
  if (r.verify.kind === "error") return false;
  if (r.verify.kind === "verified") return r.verify.result.checks.every((c) => c.status === "pass");
  return true;
}
