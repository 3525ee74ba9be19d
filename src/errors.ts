// The small set of errors the CLI's one error boundary knows how to print.
// Each carries the exit code it means; cell failures are outcomes, not errors.

export const ExitCode = {
  ok: 0,
  cellsFailed: 1,
  badInput: 2,
  environment: 3,
  refused: 4,
  /** Every cell passed, but an engine of the pool failed (its cells were moved to the others). */
  engineLost: 5,
  interrupted: 130,
} as const;

export abstract class PostfixMatrixError extends Error {
  abstract readonly exitCode: number;
  /** One line telling the user what to do about it, when we know. */
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.hint = hint;
  }
}

export interface ConfigIssue {
  file: string;
  /** Field path such as `axes.os[1]` or `include[0].features`. */
  path: string;
  message: string;
  /** 1-based line in the file, when known. */
  line?: number;
}

// Long paths and messages are cut: a file's 100 KB value must not come back whole.
const cut = (s: string, max: number) => (s.length <= max ? s : `${s.slice(0, max)}... (${s.length} characters)`);

export function formatIssue(i: ConfigIssue): string {
  const where = i.line ? `${i.file}:${i.line}` : i.file;
  return `${where}: ${i.path ? `${cut(i.path, 200)}: ` : ""}${cut(i.message, 1000)}`;
}

/** At most this many issues are printed; the rest are counted. */
export const MAX_PRINTED_ISSUES = 50;

/** Bad matrix or bad command-line input: nothing was built. */
export class ConfigError extends PostfixMatrixError {
  readonly exitCode = ExitCode.badInput;
  readonly issues: readonly ConfigIssue[];
  /** `omitted`: issues found but not kept (beyond the collector's cap). */
  constructor(issues: readonly ConfigIssue[], hint?: string, omitted = 0) {
    const more = Math.max(0, issues.length - MAX_PRINTED_ISSUES) + omitted;
    const lines = issues.slice(0, MAX_PRINTED_ISSUES).map(formatIssue);
    if (more > 0) lines.push(`... and ${more} more problems (${issues.length + omitted} in all); fix the ones above first`);
    super(lines.join("\n"), hint);
    this.issues = issues;
  }
}

/** Usage errors that are not about a matrix file (unknown cell filter, bad flag value). */
export class UsageError extends PostfixMatrixError {
  readonly exitCode = ExitCode.badInput;
}

/** The machine is not ready: no engine, missing base image, debootstrap absent. */
export class EnvironmentError extends PostfixMatrixError {
  readonly exitCode = ExitCode.environment;
}

/** A Postfix release could not be had, or did not match its checksum. */
export class SourceError extends PostfixMatrixError {
  readonly exitCode = ExitCode.environment;
}

/** A registry tag holds other content than the cell's image: nothing was pushed (exit 4). */
export class PushRefusedError extends PostfixMatrixError {
  readonly exitCode = ExitCode.refused;
}

/** SIGINT/SIGTERM: work was stopped on request. */
export class InterruptedError extends PostfixMatrixError {
  readonly exitCode = ExitCode.interrupted;
  constructor() {
    super("interrupted");
  }
}
