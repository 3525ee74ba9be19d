// Hand-made cell results of every kind, for the JUnit and Markdown tests (the merge test
// makes its reports through a real run on the fake engine instead).
import type { CellResult, CheckResult } from "../../src/core/outcome.js";

const base = (id: string): Omit<CellResult, "build" | "verify"> => ({
  id,
  image: `postfix-matrix/m:${id}`,
  values: { os: "debian:bookworm", postfix: "3.10.13" },
  logFile: `out/m/${id}/build.log`,
  dockerfile: `out/m/${id}/Dockerfile`,
});
const pass = (name: string): CheckResult => ({ name, status: "pass", detail: `${name} ok` });
const verified = (checks: CheckResult[]): CellResult["verify"] => ({ kind: "verified", result: { checks, startupSeconds: 1, seconds: 2 } });

/** Each with the test cases, failures, errors and skipped cases its JUnit suite must have. */
export const RESULTS: { result: CellResult; tests: number; failures: number; errors: number; skipped: number }[] = [
  {
    result: {
      ...base("built-ok"),
      build: { kind: "built", imageId: "sha256:a", seconds: 12.34, size: 123e6 },
      verify: verified([pass("postfix-check"), pass("smtp-delivery")]),
    },
    tests: 3,
    failures: 0,
    errors: 0,
    skipped: 0,
  },
  {
    result: {
      ...base("cached-unverified"),
      build: { kind: "cached", imageId: "sha256:b", size: 98e6 },
      verify: { kind: "skipped", reason: "--no-verify" },
    },
    tests: 2,
    failures: 0,
    errors: 0,
    skipped: 1,
  },
  {
    result: {
      ...base("build-failed"),
      build: {
        kind: "failed",
        message: 'process "/bin/sh -c make" did not complete successfully: exit code: 2',
        step: "[build 4/5] RUN make makefiles && make",
        lastLines: ["cc: error: <foo.c> & ]]> `x`", "make: *** [Makefile:8: all] Error 1"],
        seconds: 40,
      },
      verify: { kind: "skipped", reason: "build failed" },
    },
    tests: 2,
    failures: 1,
    errors: 0,
    skipped: 1,
  },
  {
    result: {
      ...base("check-failed"),
      build: { kind: "pulled", imageId: "sha256:c", size: 50e6, ref: "r/x:1", seconds: 3 },
      verify: verified([pass("postfix-check"), { name: "map types", status: "fail", detail: 'missing <pcre> & "lmdb" | `x`' }]),
    },
    tests: 3,
    failures: 1,
    errors: 0,
    skipped: 0,
  },
  {
    result: {
      ...base("verify-error"),
      build: { kind: "cached", imageId: "sha256:d", size: 6e7 },
      verify: { kind: "error", message: "Postfix did not start: <boom> \u0001" },
    },
    tests: 2,
    failures: 0,
    errors: 1,
    skipped: 0,
  },
  {
    result: {
      ...base("push-failed"),
      build: { kind: "cached", imageId: "sha256:e", size: 6e7 },
      verify: verified([pass("postfix-check")]),
      push: { kind: "failed", message: "denied" },
    },
    tests: 3,
    failures: 1,
    errors: 0,
    skipped: 0,
  },
];

export const ALL = RESULTS.map((r) => r.result);
