// Collects readable issues (file, field path, line) from zod and from our own rules.
import type { Document, LineCounter } from "yaml";
import type { z } from "zod";
import type { ConfigIssue } from "../../errors.js";
import { suggest } from "./suggest.js";
import { OPTION_FIELD_NAMES } from "./schema.js";
import { DIRECTORY_NAMES } from "./vocabulary.js";

export type PathPart = string | number;

export function formatPath(path: readonly PathPart[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

const KNOWN_WORDS = [
  ...OPTION_FIELD_NAMES, ...DIRECTORY_NAMES, "name", "description", "defaults", "axes", "include", "exclude",
  "os", "postfix", "options", "version", "sha256",
];

function unknownKeyMessage(key: string): string {
  if ((DIRECTORY_NAMES as readonly string[]).includes(key)) {
    return `unknown option \`${key}\`: directory defaults go under \`compile_directories:\` (make makefiles) or \`install_directories:\` (make upgrade)`;
  }
  const near = suggest(key, KNOWN_WORDS);
  return `unknown option \`${key}\`${near ? ` (did you mean \`${near}\`?)` : ""}`;
}

export class IssueList {
  readonly items: ConfigIssue[] = [];
  constructor(
    readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
  ) {}

  add(path: readonly PathPart[], message: string): void {
    this.items.push({ file: this.file, path: formatPath(path), message, ...this.lineOf(path) });
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
        const given = String(pick(value, issue.path as PathPart[]));
        const near = suggest(given, issue.values.map(String));
        this.add(path, `\`${given}\` is not one of ${issue.values.map(String).join(", ")}${near ? ` (did you mean \`${near}\`?)` : ""}`);
      } else {
        this.add(path, issue.message);
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
      const parent = (path.length === 1 && n === 1 ? this.doc.contents : this.doc.getIn(path.slice(0, n - 1), true)) as Collection | undefined;
      const last = path[n - 1];
      const item = typeof last === "number" ? parent?.items?.[last] : parent?.items?.find((it) => it.key?.value === last);
      const range = typeof last === "number" ? item?.range : item?.key?.range;
      if (range) return { line: this.lines.linePos(range[0]).line };
    }
    return {};
  }
}

function pick(value: unknown, path: readonly PathPart[]): unknown {
  let v: unknown = value;
  for (const p of path) v = v == null ? undefined : (v as Record<PathPart, unknown>)[p];
  return v;
}
