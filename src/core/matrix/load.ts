// Text -> validated Matrix model. Pure: the caller reads the file.
import { formatPath, shown, type IssueList, type PathPart } from "./issues.js";
import { readYaml } from "./yaml.js";
import type { Axis, AxisValue, Matrix, MatchEntry, PostfixRelease } from "./model.js";
import {
  buildOptions,
  matrixFile,
  optionFields,
  optionSet,
  osTarget,
  releaseVersion,
  releaseWithChecksum,
  OPTION_FIELD_NAMES,
  type OptionFieldName,
  type OptionSet,
} from "./schema.js";
import { suggest } from "./suggest.js";
import { repositoryName } from "./values.js";

const CORE_AXES = ["os", "postfix", "options"] as const;

/** include and exclude entries each: matching costs cells x entries. */
export const MAX_ENTRIES = 1000;

export function parseMatrix(text: string, file: string): Matrix {
  return parseMatrixText(text, file).matrix;
}

/** The matrix, and the issue list that knows the file's lines (for the later rules' issues). */
export function parseMatrixText(text: string, file: string): { matrix: Matrix; issues: IssueList } {
  const { value, issues } = readYaml(text, file);
  if (!topLevel(value, issues, "matrix")) throw issues.error();
  if ("scenarios" in value && !("axes" in value)) {
    issues.add(
      ["scenarios"],
      `this is an upgrade file (it has \`scenarios:\`, no \`axes:\`): check it with \`postfix-matrix upgrade --dry-run ${file}\`, run it with \`postfix-matrix upgrade ${file}\``,
    );
    throw issues.error();
  }
  const raw = issues.check(matrixFile, value, []);
  if (!raw) throw issues.error();

  const axes: Axis[] = [];
  for (const [key, values] of Object.entries(raw.axes)) {
    const axis = readAxis(key, values, issues);
    if (axis) axes.push(axis);
  }
  for (const required of ["os", "postfix"]) {
    if (!(required in raw.axes)) issues.add(["axes"], `missing axis \`${required}\``);
  }
  const optionSets = axes.find((a) => a.key === "options")?.values.map((v) => v.optionSet!) ?? [];
  for (const kind of ["include", "exclude"] as const) {
    const n = raw[kind]?.length ?? 0;
    if (n > MAX_ENTRIES) issues.add([kind], `${n.toLocaleString("en")} entries; at most ${MAX_ENTRIES.toLocaleString("en")} are allowed`);
  }
  const include = (raw.include ?? []).slice(0, MAX_ENTRIES).map((e, i) => readEntry(e, ["include", i], axes, optionSets, issues, true));
  const exclude = (raw.exclude ?? []).slice(0, MAX_ENTRIES).map((e, i) => readEntry(e, ["exclude", i], axes, optionSets, issues, false));
  const defaults = issues.check(buildOptions, raw.defaults ?? {}, ["defaults"]) ?? {};
  const name = raw.name ?? nameFromFile(file, "matrix", issues);

  if (issues.count > 0) throw issues.error();
  return { matrix: { file, name, description: raw.description, defaults, axes, include, exclude }, issues };
}

/** The top of the file must be a mapping; says what it is otherwise. */
export function topLevel(value: unknown, issues: IssueList, kind: "matrix" | "upgrade"): value is Record<string, unknown> {
  const needs = kind === "matrix" ? "`axes:` with at least `os` and `postfix`" : "`scenarios:` with at least one scenario";
  if (value === null || value === undefined) {
    issues.add([], `the file is empty (or only comments): a${kind === "matrix" ? " matrix" : "n upgrade file"} needs ${needs}`);
    return false;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    issues.add(
      [],
      `the file must be a mapping (\`key: value\` lines), not ${Array.isArray(value) ? "a list" : `the value \`${shown(value)}\``}: a${kind === "matrix" ? " matrix" : "n upgrade file"} needs ${needs}`,
    );
    return false;
  }
  return true;
}

/** Without `name:`, the file name (less .yaml) is the name: the same rules apply to it. */
export function nameFromFile(file: string, kind: "matrix" | "upgrade", issues: IssueList): string {
  const base = file.split(/[\\/]/).pop() ?? "";
  const name = base.replace(/\.ya?ml$/i, "").toLowerCase();
  const r = repositoryName.safeParse(name);
  if (r.success) return name;
  issues.add(
    ["name"],
    `the file has no \`name:\`, and its file name \`${shown(base)}\` does not make one (the ${kind} name ${r.error.issues[0]?.message ?? "is not valid"}): add \`name:\``,
  );
  return kind;
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
    issues.add(
      ["axes", key],
      `unknown axis \`${shown(key)}\`: an axis is os, postfix, options or a build option${near ? ` (did you mean \`${near}\`?)` : ""}`,
    );
    return undefined;
  }
  const seen = new Map<string, number>();
  out.forEach((v, i) => {
    if (seen.has(v.label)) issues.add(at(i), `duplicate value \`${shown(v.label)}\` (also at index ${seen.get(v.label)})`);
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
  if (typeof v === "string") {
    const version = issues.check(releaseVersion, v, path);
    return version === undefined ? undefined : { version };
  }
  if (v && typeof v === "object" && !Array.isArray(v)) {
    const p = issues.check(releaseWithChecksum, v, path);
    return p && { version: p.version, sha256: p.sha256 };
  }
  issues.add(
    path,
    `must be a Postfix release: a string such as "3.10.13", or {version: "3.9.4", sha256: ...}; not ${v === null || v === undefined ? "empty" : Array.isArray(v) ? "a list" : String(v)}`,
  );
  return undefined;
}

export function labelOf(value: unknown): string {
  if (Array.isArray(value)) return value.length ? value.map(String).join("+") : "none";
  if (value && typeof value === "object") {
    return Object.entries(value)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(",");
  }
  return String(value);
}

function readEntry(
  entry: Record<string, unknown>,
  path: PathPart[],
  axes: Axis[],
  optionSets: OptionSet[],
  issues: IssueList,
  isInclude: boolean,
): MatchEntry {
  const out: MatchEntry = { path: formatPath(path), match: {}, extras: {} };
  const extras: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    const at = [...path, key];
    const axis = axes.find((a) => a.key === key);
    if (key === "os") {
      const os = issues.check(osTarget, value, at);
      if (os) {
        out.match.os = os;
        out.os = os;
      }
    } else if (key === "postfix") {
      const p = readRelease(value, at, issues);
      if (p) {
        out.match.postfix = p.version;
        out.postfix = p;
      }
    } else if (key === "options") {
      if (typeof value === "string") {
        const set = optionSets.find((s) => s.name === value);
        if (!set) {
          const near = suggest(
            value,
            optionSets.map((s) => s.name),
          );
          issues.add(at, `no option set named \`${shown(value)}\` in axes.options${near ? ` (did you mean \`${near}\`?)` : ""}`);
        } else {
          out.match.options = value;
          out.optionSet = set;
        }
      } else if (isInclude) {
        const set = issues.check(optionSet, value, at);
        if (set && optionSets.some((s) => s.name === set.name)) {
          issues.add(
            [...at, "name"],
            `\`${set.name}\` is already an option set in axes.options: name it (\`options: ${set.name}\`) and put extra build options beside \`options\`, or give the inline set a new name`,
          );
        } else if (set) {
          out.match.options = set.name;
          out.optionSet = set;
        }
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
      const near = suggest(
        key,
        axes.map((a) => a.key),
      );
      issues.add(at, `exclude may only name axes (${axes.map((a) => a.key).join(", ")})${near ? `; did you mean \`${near}\`?` : ""}`);
    }
  }
  if (isInclude) out.extras = issues.check(buildOptions, extras, path) ?? {};
  else if (Object.keys(entry).length === 0)
    issues.add(path, "an empty exclude entry matches every cell and would remove them all: name the axis values to exclude");
  return out;
}
