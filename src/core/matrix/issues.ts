// Collects readable issues (file, field path, line) from zod and from our own rules.
import type { Document, LineCounter } from "yaml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue } from "../../errors.js";
import { suggest } from "./suggest.js";
import { OPTION_FIELD_NAMES } from "./schema.js";
import { DIRECTORY_NAMES } from "./vocabulary.js";
import { zodMessage } from "./zod-messages.js";

export type PathPart = string | number;

/** Issues kept per file: past this only a count, so 100,000 mistakes cost no more than 1,000. */
export const MAX_KEPT_ISSUES = 1000;

/** A string cut to `max` characters, saying how long it was: user values are never echoed whole. */
export function clip(s: string, max = 200): string {
  return s.length <= max ? s : `${s.slice(0, max)}... (${s.length.toLocaleString("en")} characters)`;
}

/** A user value as a message shows it: short, one line. */
export function shown(value: unknown, max = 60): string {
  const s = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return clip(
    s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === "\n" ? "\\n" : c === "\t" ? "\\t" : "?")),
    max,
  );
}

export function formatPath(path: readonly PathPart[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${clip(p, 60)}` : clip(p, 60);
  return out;
}

/** The inverse of formatPath for the paths this tool writes (`axes.options[1].shared`). */
export function parsePath(path: string): PathPart[] | undefined {
  if (!/^[^.[\]\s]+(?:\.[^.[\]\s]+|\[\d+\])*$/.test(path)) return undefined;
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

const KNOWN_WORDS = [
  ...OPTION_FIELD_NAMES,
  ...DIRECTORY_NAMES,
  "name",
  "description",
  "defaults",
  "axes",
  "include",
  "exclude",
  "os",
  "postfix",
  "options",
  "version",
  "sha256",
];

function unknownKeyMessage(key: string): string {
  if ((DIRECTORY_NAMES as readonly string[]).includes(key)) {
    return `unknown option \`${key}\`: directory defaults go under \`compile_directories:\` (make makefiles) or \`install_directories:\` (make upgrade)`;
  }
  const near = suggest(key, KNOWN_WORDS);
  return `unknown option \`${shown(key)}\`${near ? ` (did you mean \`${near}\`?)` : ""}`;
}

export class IssueList {
  readonly items: ConfigIssue[] = [];
  /** Issues past MAX_KEPT_ISSUES: counted, not kept. */
  omitted = 0;
  constructor(
    readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  get count(): number {
    return this.items.length + this.omitted;
  }

  add(path: readonly PathPart[], message: string): void {
    if (this.items.length >= MAX_KEPT_ISSUES) {
      this.omitted++;
      return;
    }
    this.items.push({ file: this.file, path: formatPath(path), message, ...this.lineOf(path) });
  }

  /** The 1-based line of a path written as text, when the file has it. */
  lineOfText(path: string): number | undefined {
    return this.lineOf(parsePath(path) ?? []).line;
  }

  /** The issues in file order (checks run field by field, not line by line). */
  error(hint?: string): ConfigError {
    const sorted = this.items
      .map((i, n) => [i, n] as const)
      .sort(([a, i], [b, j]) => (a.line ?? Infinity) - (b.line ?? Infinity) || i - j)
      .map(([i]) => i);
    return new ConfigError(sorted, hint, this.omitted);
  }

  /** Validates `value` against `schema`; records issues under `base` and returns undefined on failure. */
  check<T extends z.ZodType>(schema: T, value: unknown, base: readonly PathPart[]): z.infer<T> | undefined {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    for (const issue of r.error.issues) {
      const path = [...base, ...(issue.path as PathPart[])];
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) this.add([...path, key], unknownKeyMessage(key));
      } else if (issue.code === "invalid_value" && "values" in issue) {
        const given = pick(value, issue.path as PathPart[]);
        const text = typeof given === "string" ? given : shown(given);
        const near = suggest(text, issue.values.map(String));
        this.add(
          path,
          `\`${shown(text)}\` is not one of ${issue.values.map(String).join(", ")}${near ? ` (did you mean \`${near}\`?)` : ""}`,
        );
      } else {
        this.add(path, zodMessage(issue, pick(value, issue.path as PathPart[]), path.at(-1)));
      }
    }
    return undefined;
  }

  private lineOf(path: readonly PathPart[]): { line?: number } {
    if (!this.doc || !this.lines) return {};
    type Ranged = { range?: [number, number, number] };
    type Collection = Ranged & { items?: ({ key?: Ranged & { value?: unknown } } & Ranged)[] };
    // Point at the key of a mapping entry (its value may start on a later line), or at the
    // sequence item; walk up when the path does not exist (a missing key: its parent).
    for (let n = path.length; n > 0; n--) {
      const parent = (n === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, n - 1), true)) as Collection | undefined;
      const last = path[n - 1];
      const items = Array.isArray(parent?.items) ? parent.items : undefined;
      const item = typeof last === "number" ? items?.[last] : items?.find((it) => String(it.key?.value) === last);
      const range = typeof last === "number" ? item?.range : item?.key?.range;
      if (range) return { line: this.lines.linePos(range[0]).line };
    }
    // Nothing to point at (a missing top-level key, an empty file): the top of the file.
    const top = (this.doc.contents as Ranged | null)?.range?.[0];
    return { line: top === undefined ? 1 : this.lines.linePos(top).line };
  }
}

function pick(value: unknown, path: readonly PathPart[]): unknown {
  let v: unknown = value;
  for (const p of path) v = v == null ? undefined : (v as Record<PathPart, unknown>)[p];
  return v;
}
