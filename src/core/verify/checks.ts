// What to check in a built image follows from what its cell asked for. Pure: a recipe in,
// named checks out; src/io/verify runs them against a container.
import type { Recipe } from "../recipe/recipe.js";

export type Probe =
  | { kind: "postfix-check" }
  | { kind: "postconf"; parameter: string; expect: string }
  | { kind: "map-types"; present: string[]; absent: string[] }
  | { kind: "shlib"; directory: string }
  | { kind: "plugins"; plugins: Record<string, string> }
  | { kind: "lookups"; types: string[] }
  | { kind: "eai"; enabled: boolean }
  | { kind: "sasl"; types: string[] }
  | { kind: "no-toolchain" }
  | { kind: "mail-delivery" }
  | { kind: "relay-refused" }
  | { kind: "starttls" };

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
  checks.push({ name: "no toolchain", probe: { kind: "no-toolchain" } });
  checks.push({ name: "mail delivery", probe: { kind: "mail-delivery" } });
  checks.push({ name: "relay refused", probe: { kind: "relay-refused" } });
  if (e.tls) checks.push({ name: "STARTTLS", probe: { kind: "starttls" } });
  return checks;
}
