// Text -> validated Matrix model. Pure: the caller reads the file.
import { ConfigError } from "../../errors.js";
import { formatPath, type IssueList, type PathPart } from "./issues.js";
import { readYaml } from "./yaml.js";
import type { Axis, AxisValue, Matrix, MatchEntry, PostfixRelease } from "./model.js";
import {
  buildOptions, matrixFile, optionFields, optionSet, osTarget, postfixRelease,
  OPTION_FIELD_NAMES, type OptionFieldName, type OptionSet,
} from "./schema.js";
import { suggest } from "./suggest.js";

const CORE_AXES = ["os", "postfix", "options"] as const;

export function parseMatrix(text: string, file: string): Matrix {
  const { doc, issues } = readYaml(text, file);
  const raw = issues.check(matrixFile, doc.toJS(), []);
  if (!raw) throw new ConfigError(issues.items);

  const axes: Axis[] = [];
  for (const [key, values] of Object.entries(raw.axes)) {
    const axis = readAxis(key, values, issues);
    if (axis) axes.push(axis);
  }
  for (const required of ["os", "postfix"]) {
    if (!(required in raw.axes)) issues.add(["axes"], `missing axis \`${required}\``);
  }
  const optionSets = axes.find((a) => a.key === "options")?.values.map((v) => v.optionSet!) ?? [];
  const include = (raw.include ?? []).map((e, i) => readEntry(e, ["include", i], axes, optionSets, issues, true));
  const exclude = (raw.exclude ?? []).map((e, i) => readEntry(e, ["exclude", i], axes, optionSets, issues, false));
  const defaults = issues.check(buildOptions, raw.defaults ?? {}, ["defaults"]) ?? {};

  if (issues.items.length > 0) throw new ConfigError(issues.items);
  const name = raw.name ?? (file.split("/").pop() ?? "matrix").replace(/\.ya?ml$/, "").toLowerCase();
  return { file, name, description: raw.description, defaults, axes, include, exclude };
}

function readAxis(key: string, values: unknown[], issues: IssueList): Axis | undefined {
  const at = (i: number): PathPart[] => ["axes", key, i];
  const out: AxisValue[] = [];
  if (key === "os") {
    values.forEach((v, i) => {
      const os = issues.check(osTarget, v, at(i));
      if (os) out.push({ label: os, path: formatPath(at(i)), os });
    });
  } else if (key === "postfix") {
    values.forEach((v, i) => {
      const p = readRelease(v, at(i), issues);
      if (p) out.push({ label: p.version, path: formatPath(at(i)), postfix: p });
    });
  } else if (key === "options") {
    values.forEach((v, i) => {
      const set = issues.check(optionSet, v, at(i));
      if (set) out.push({ label: set.name, path: formatPath(at(i)), optionSet: set });
    });
  } else if ((OPTION_FIELD_NAMES as string[]).includes(key)) {
    const name = key as OptionFieldName;
    values.forEach((v, i) => {
      const value = issues.check(optionFields[name], v, at(i));
      if (value !== undefined) out.push({ label: labelOf(value), path: formatPath(at(i)), field: { name, value } });
    });
  } else {
    const near = suggest(key, [...CORE_AXES, ...OPTION_FIELD_NAMES]);
    issues.add(["axes", key], `unknown axis \`${key}\`: an axis is os, postfix, options or a build option${near ? ` (did you mean \`${near}\`?)` : ""}`);
    return undefined;
  }
  const seen = new Map<string, number>();
  out.forEach((v, i) => {
    if (seen.has(v.label)) issues.add(at(i), `duplicate value \`${v.label}\` (also at index ${seen.get(v.label)})`);
    seen.set(v.label, i);
  });
  return { key, values: out };
}

export function readRelease(v: unknown, path: PathPart[], issues: IssueList): PostfixRelease | undefined {
  // YAML reads 3.10 as the number 3.1: insist on quoting rather than guess.
  if (typeof v === "number") {
    issues.add(path, `write Postfix versions as strings ("${v}" was read as a number; quote it)`);
    return undefined;
  }
  const p = issues.check(postfixRelease, v, path);
  if (p === undefined) return undefined;
  return typeof p === "string" ? { version: p } : { version: p.version, sha256: p.sha256 };
}

export function labelOf(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.map(String).join("+") : "none";
  if (value && typeof value === "object") {
    return Object.entries(value).map(([k, v]) => `${k}=${String(v)}`).join(",");
  }
  return String(value);
}

function readEntry(
  entry: Record<string, unknown>, path: PathPart[], axes: Axis[], optionSets: OptionSet[],
  issues: IssueList, isInclude: boolean,
): MatchEntry {
  const out: MatchEntry = { path: formatPath(path), match: {}, extras: {} };
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    const at = [...path, key];
    const axis = axes.find((a) => a.key === key);
    if (key === "os") {
      const os = issues.check(osTarget, value, at);
      if (os) { out.match.os = os; out.os = os; }
    } else if (key === "postfix") {
      const p = readRelease(value, at, issues);
      if (p) { out.match.postfix = p.version; out.postfix = p; }
    } else if (key === "options") {
      if (typeof value === "string") {
        const set = optionSets.find((s) => s.name === value);
        if (!set) {
          const near = suggest(value, optionSets.map((s) => s.name));
          issues.add(at, `no option set named \`${value}\` in axes.options${near ? ` (did you mean \`${near}\`?)` : ""}`);
        } else { out.match.options = value; out.optionSet = set; }
      } else if (isInclude) {
        const set = issues.check(optionSet, value, at);
        if (set && optionSets.some((s) => s.name === set.name)) {
          issues.add([...at, "name"], `\`${set.name}\` is already an option set in axes.options: name it (\`options: ${set.name}\`) and put extra build options beside \`options\`, or give the inline set a new name`);
        } else if (set) { out.match.options = set.name; out.optionSet = set; }
      } else {
        issues.add(at, "exclude matches an option set by its name");
      }
    } else if (axis) {
      const v = issues.check(optionFields[key as OptionFieldName], value, at);
      if (v !== undefined) out.match[key] = labelOf(v);
      if (isInclude) extras[key] = value;
    } else if (isInclude) {
      extras[key] = value;
    } else {
      const near = suggest(key, axes.map((a) => a.key));
      issues.add(at, `exclude may only name axes (${axes.map((a) => a.key).join(", ")})${near ? `; did you mean \`${near}\`?` : ""}`);
    }
  }
  if (isInclude) out.extras = issues.check(buildOptions, extras, path) ?? {};
  return out;
}
