// What to check in a built image follows from what its cell asked for. Pure: a recipe in,
// named checks out; src/io/verify runs them against a container.
import type { Recipe } from "../recipe/recipe.js";
import { imageChecks, runningChecks, toolchainNames } from "./install-checks.js";

export type Probe =
  | { kind: "postfix-check" }
  | { kind: "postconf"; parameter: string; expect: string }
  | { kind: "map-types"; present: string[]; absent: string[] }
  | { kind: "shlib"; directory: string }
  | { kind: "plugins"; plugins: Record<string, string> }
  | { kind: "lookups"; types: string[] }
  | { kind: "eai"; enabled: boolean }
  | { kind: "build-record"; expect: BuildRecordLine[] }
  | { kind: "compiled-defaults"; defaults: Record<string, string> }
  | { kind: "pie" }
  | { kind: "sasl"; types: string[] }
  | { kind: "no-toolchain"; tools: string[] }
  | { kind: "compiler"; compiler: "gcc" | "clang"; major?: string }
  | { kind: "plugin-packages"; plugins: string[] }
  | { kind: "local-submission" }
  | { kind: "no-listener"; port: number }
  | { kind: "chroot"; programs: string[] }
  | { kind: "throughput"; messages: number; via: "smtp" | "sendmail" }
  | { kind: "log-hygiene"; expected: ExpectedLogLine[] }
  | { kind: "mail-delivery" }
  | { kind: "relay-refused" }
  | { kind: "starttls" }
  | { kind: "setgid"; programs: string[]; group: string }
  | { kind: "queue-modes"; directories: string[] }
  | { kind: "config-modes"; files: string[] }
  | { kind: "image-history"; allowedArgs: string[] };

/**
 * Build arguments an image's history may show: the ARG the Debian template declares with its
 * own constant default. Any other is a value passed in at build time and kept in the image.
 */
export const TEMPLATE_ARGS = ["DEBIAN_FRONTEND=noninteractive"];

/** A log line a cell expects (its text contains `match`), and why. */
export interface ExpectedLogLine {
  match: string;
  reason: string;
}

/** One thing $meta_directory/makedefs.out must say about the build. */
export interface BuildRecordLine {
  /** "summary": `# NAME=value`; "line": `NAME = value`; "prefix": the line starts with it. */
  how: "summary" | "line" | "prefix";
  name: string;
  value: string;
}

/** What makedefs.out records of each `make makefiles` word (makedefs writes these names). */
export function buildRecordFor(makefiles: readonly string[]): BuildRecordLine[] {
  const out: BuildRecordLine[] = [];
  for (const word of makefiles) {
    const i = word.indexOf("=");
    const name = word.slice(0, i);
    const value = word.slice(i + 1);
    // makedefs.out opens with a summary of what `make makefiles` was given, AUXLIBS_* included
    // (without dynamicmaps they are merged into SYSLIBS below it, so only the summary has them).
    if (["CCARGS", "AUXLIBS", "shared", "dynamicmaps", "pie"].includes(name) || name.startsWith("AUXLIBS_"))
      out.push({ how: "summary", name, value });
    else if (["OPT", "DEBUG", "SHLIB_CFLAGS", "SHLIB_RPATH"].includes(name)) out.push({ how: "line", name, value });
    else if (name === "SHLIB_SUFFIX") out.push({ how: "line", name: "LIB_SUFFIX", value });
    else if (name === "CC" || name === "WARN") out.push({ how: "prefix", name, value });
  }
  return out;
}

export interface CheckSpec {
  name: string;
  probe: Probe;
}

export function checksFor(recipe: Recipe): CheckSpec[] {
  const e = recipe.expect;
  const checks: CheckSpec[] = [
    { name: "postfix check", probe: { kind: "postfix-check" } },
    { name: "mail_version", probe: { kind: "postconf", parameter: "mail_version", expect: e.mailVersion } },
    { name: "map types", probe: { kind: "map-types", present: e.mapTypes, absent: e.absentMapTypes } },
  ];
  checks.push({ name: "build record", probe: { kind: "build-record", expect: buildRecordFor(recipe.makefiles) } });
  if (Object.keys(e.compiledDefaults).length > 0) {
    checks.push({ name: "compiled defaults", probe: { kind: "compiled-defaults", defaults: e.compiledDefaults } });
  }
  if (e.pie) checks.push({ name: "PIE", probe: { kind: "pie" } });
  for (const [parameter, expect] of Object.entries(e.parameters)) {
    checks.push({ name: parameter, probe: { kind: "postconf", parameter, expect } });
  }
  if (e.shlibDirectory) checks.push({ name: "shlib resolution", probe: { kind: "shlib", directory: e.shlibDirectory } });
  if (Object.keys(e.plugins).length > 0) checks.push({ name: "dynamicmaps plugins", probe: { kind: "plugins", plugins: e.plugins } });
  // Each map type the cell built is used once: a real lookup where no server is needed, a
  // connection attempt to a closed port on the container's own loopback otherwise.
  checks.push({ name: "map lookups", probe: { kind: "lookups", types: e.mapTypes } });
  checks.push({ name: "SMTPUTF8", probe: { kind: "eai", enabled: e.eai } });
  if (e.saslServerTypes.length > 0) checks.push({ name: "SASL server types", probe: { kind: "sasl", types: e.saslServerTypes } });
  checks.push({ name: "no toolchain", probe: { kind: "no-toolchain", tools: toolchainNames(recipe) } });
  checks.push(...imageChecks(recipe));
  // INSTALL 6.2: postdrop and postqueue are the only setgid programs, group postdrop (the
  // runtime stage creates it and make upgrade's default setgid_group names it).
  checks.push({ name: "setgid postdrop", probe: { kind: "setgid", programs: ["postdrop", "postqueue"], group: "postdrop" } });
  checks.push({ name: "queue permissions", probe: { kind: "queue-modes", directories: ["maildrop", "public"] } });
  checks.push({ name: "config permissions", probe: { kind: "config-modes", files: ["main.cf", "master.cf"] } });
  checks.push({ name: "history and labels", probe: { kind: "image-history", allowedArgs: TEMPLATE_ARGS } });
  // INSTALL 8: a send-only host has no smtp inet service, so nothing to send to over SMTP.
  if (e.role !== "send-only") {
    checks.push({ name: "mail delivery", probe: { kind: "mail-delivery" } });
    checks.push({ name: "relay refused", probe: { kind: "relay-refused" } });
    if (e.tls) checks.push({ name: "STARTTLS", probe: { kind: "starttls" } });
  }
  checks.push(...runningChecks(recipe));
  return checks;
}
