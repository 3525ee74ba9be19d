// The checks of INSTALL beyond the build surface (4.2 compiler, 4.4.4 plugin packages, 6.2
// local submission, 7 log hygiene, 8 send-only, 11 chroot, and a throughput smoke). Pure: a
// recipe in, named checks out; checks.ts puts them in order with the others.
import type { Recipe } from "../recipe/recipe.js";
import type { CheckSpec, ExpectedLogLine } from "./checks.js";

/** Mails the throughput smoke sends per cell: enough to measure, few enough for a few seconds. */
export const THROUGHPUT_MESSAGES = 200;

/** Map types the lookups check connects to a closed port on purpose (their clients log it). */
const CLOSED_PORT_TYPES = ["ldap", "mysql", "pgsql", "mongodb"];

/**
 * Warnings the machine causes, not the image: under load a container's file system clock
 * (overlayfs on the engine's data root) can run a second ahead of its own clock, and cleanup
 * says so and resets the queue file's times (seen on a second engine during a 4-cell run).
 */
const CLOCK = "the container's file system clock ran ahead of its clock under load; Postfix copes, the image is not at fault";
export const ENVIRONMENT_LOG_LINES: readonly ExpectedLogLine[] = [
  { match: "warning: file system clock is", reason: CLOCK },
  { match: "warning: resetting file time stamps", reason: CLOCK },
];

/** Log lines the checks themselves cause, by what the cell built, and those the machine causes. */
export function probeLogLines(recipe: Recipe): ExpectedLogLine[] {
  const remote = recipe.expect.mapTypes.filter((t) => CLOSED_PORT_TYPES.includes(t));
  if (remote.length === 0) return [...ENVIRONMENT_LOG_LINES];
  const reason = "the map lookups check connects this client to a closed port on the loopback on purpose";
  return [{ match: "127.0.0.1:9", reason }, ...remote.map((t) => ({ match: `fatal: table ${t}:`, reason })), ...ENVIRONMENT_LOG_LINES];
}

/** Checks that run before the SMTP ones: how the image was made and laid out. */
export function imageChecks(recipe: Recipe): CheckSpec[] {
  const e = recipe.expect;
  const checks: CheckSpec[] = [
    { name: "compiler", probe: { kind: "compiler", compiler: e.compiler.kind, ...(e.compiler.major ? { major: e.compiler.major } : {}) } },
  ];
  if (e.splitPlugins.length > 0) checks.push({ name: "plugin packages", probe: { kind: "plugin-packages", plugins: e.splitPlugins } });
  return checks;
}

/** Checks of the running system, after the SMTP ones; the log hygiene check comes last of all. */
export function runningChecks(recipe: Recipe): CheckSpec[] {
  const e = recipe.expect;
  const sendOnly = e.role === "send-only";
  const checks: CheckSpec[] = [
    // INSTALL 6.2: an unprivileged user's mail goes through postdrop and is delivered.
    { name: "local submission", probe: { kind: "local-submission" } },
  ];
  if (sendOnly) checks.push({ name: "send-only", probe: { kind: "no-listener", port: 25 } });
  const programs = [...new Set(Object.values(e.chroot))].sort();
  if (programs.length > 0) checks.push({ name: "chroot", probe: { kind: "chroot", programs } });
  checks.push({ name: "throughput", probe: { kind: "throughput", messages: THROUGHPUT_MESSAGES, via: sendOnly ? "sendmail" : "smtp" } });
  checks.push({ name: "log hygiene", probe: { kind: "log-hygiene", expected: [...e.expectedLog, ...probeLogLines(recipe)] } });
  return checks;
}

/** What the no-toolchain check looks for: the usual names and the cell's own compiler. */
export function toolchainNames(recipe: Recipe): string[] {
  const own = recipe.expect.compiler.command.slice(recipe.expect.compiler.command.lastIndexOf("/") + 1);
  return [...new Set(["gcc", "cc", "clang", "make", own])];
}
