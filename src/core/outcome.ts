// What a cell came to: the build, the verification and each check. Pure data, shared by
// the run (which produces it) and the reports (which format it).

export interface StepTiming {
  name: string;
  seconds: number;
  cached: boolean;
}

export interface CheckResult {
  name: string;
  status: "pass" | "fail";
  detail: string;
}

/** What the throughput smoke measured: mails sent into the container until all were delivered. */
export interface Throughput {
  messages: number;
  seconds: number;
  perSecond: number;
  via: "smtp" | "sendmail";
}

export interface VerifyResult {
  checks: CheckResult[];
  /** The throughput smoke's figure, when it ran and passed. */
  throughput?: Throughput;
  /** Container start until Postfix logged `daemon started`. */
  startupSeconds: number;
  seconds: number;
  /** Taken from the verification cache rather than run now. */
  cached?: boolean;
}

export type BuildOutcome =
  | { kind: "built"; imageId: string; seconds: number; size: number; steps?: StepTiming[] }
  | { kind: "cached"; imageId: string; size: number }
  /** Found in the registry cache (--cache-from) by its recipe and pulled, not built. */
  | { kind: "pulled"; imageId: string; size: number; ref: string; seconds: number }
  | { kind: "failed"; message: string; step?: string; lastLines: string[]; seconds: number };

/** What building (not pulling) can come to. */
export type LocalBuildOutcome = Exclude<BuildOutcome, { kind: "pulled" }>;

export type VerifyOutcome =
  | { kind: "verified"; result: VerifyResult }
  | { kind: "error"; message: string }
  | { kind: "skipped"; reason: string };

/** What `--push` did with a cell: only a verified cell is pushed. */
export type PushOutcome =
  | { kind: "pushed"; ref: string; digest: string; unchanged?: boolean }
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; message: string };

export interface CellResult {
  id: string;
  image: string;
  values: Record<string, string>;
  build: BuildOutcome;
  verify: VerifyOutcome;
  logFile: string;
  dockerfile: string;
  push?: PushOutcome;
  /** The engine of a pool that built and verified it (absent with a single engine). */
  engine?: string;
  /** Engines of the pool this cell was taken from when they failed, first first. */
  movedFrom?: string[];
}

export function cellPassed(r: CellResult): boolean {
  if (r.build.kind === "failed") return false;
  if (r.push?.kind === "failed") return false;
  if (r.verify.kind === "error") return false;
  if (r.verify.kind === "verified") return r.verify.result.checks.every((c) => c.status === "pass");
  return true;
}
