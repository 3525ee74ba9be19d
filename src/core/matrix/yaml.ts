// YAML text -> document, its plain value and an issue list that knows lines. Every way a
// file can be bad comes back as a ConfigError with lines: syntax, and the limits that keep a
// hostile file from exhausting the stack or the heap (checked before the tree is built or
// expanded). Aliases are checked by our own expanded-size count (yaml-guards.ts), not by the
// yaml library's alias-count guard, which also fires for an ordinary anchor used ~100 times.
import { Composer, Lexer, LineCounter, Parser, type CST, type Document } from "yaml";
import { ConfigError, type ConfigIssue } from "../../errors.js";
import { clip, IssueList } from "./issues.js";
import { inspectDocument } from "./yaml-guards.js";

export const YAML_LIMITS = {
  /** A matrix or upgrade file is a page or two of YAML. */
  bytes: 1024 * 1024,
  /** Nesting of mappings and lists; real files use about 6. */
  depth: 64,
  /** Values (mappings, lists, scalars) once every alias is expanded. */
  values: 100_000,
} as const;

export interface ReadYaml {
  doc: Document;
  /** The file as plain data (`null` for an empty file). */
  value: unknown;
  issues: IssueList;
}

/** Reads one YAML document; throws a ConfigError for anything that is not a usable tree. */
export function readYaml(text: string, file: string): ReadYaml {
  const fail = (issues: Omit<ConfigIssue, "file">[]): never => {
    throw new ConfigError(issues.map((i) => ({ file, ...i })));
  };
  if (text.length > YAML_LIMITS.bytes) {
    fail([
      {
        path: "",
        line: 1,
        message: `the file is ${text.length.toLocaleString("en")} characters long; at most ${YAML_LIMITS.bytes.toLocaleString("en")} (1 MiB) are read`,
      },
    ]);
  }
  const lines = new LineCounter();
  const lineAt = (offset: number) => lines.linePos(Math.max(0, offset)).line;
  const flowTooDeep = flowDepthOffset(text);
  if (flowTooDeep !== undefined) fail([{ path: "", line: lineOfOffset(text, flowTooDeep), message: tooDeep() }]);

  const tokens = [...new Parser(lines.addNewLine).parse(text)];
  const deep = blockDepthOffset(tokens);
  if (deep !== undefined) fail([{ path: "", line: lineAt(deep), message: tooDeep() }]);

  const docs = [...new Composer({ uniqueKeys: true }).compose(tokens, true, text.length)];
  const doc = docs[0]!;
  const syntax = doc.errors.map((e) => ({ path: "", line: lineAt(e.pos[0]), message: clip(firstLine(e.message)) }));
  if (docs.length > 1) {
    syntax.push({ path: "", line: lineAt(docs[1]!.range[0]), message: "the file holds more than one YAML document (`---`): give one" });
  }
  if (syntax.length > 0) fail(syntax);

  const guarded = inspectDocument(doc, YAML_LIMITS.values);
  if (guarded.length > 0) fail(guarded.map((g) => ({ path: g.path, line: lineAt(g.offset), message: g.message })));
  let value: unknown;
  try {
    // Aliases were counted above; the library's own guard would refuse ordinary reuse.
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    fail([{ path: "", line: 1, message: `cannot read the YAML: ${clip(firstLine((e as Error).message))}` }]);
  }
  return { doc, value, issues: new IssueList(file, doc, lines) };
}

const tooDeep = () => `nested more than ${YAML_LIMITS.depth} levels deep (mappings and lists inside each other); a matrix needs about 6`;

const firstLine = (s: string) => (s.split("\n")[0] ?? s).replace(/ at line \d+, column \d+:?$/, "");

function lineOfOffset(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * Where flow collections (`[`, `{`) first nest too deep, from the lexer alone: the parser
 * would spend seconds on a megabyte of brackets before anything could be said.
 */
function flowDepthOffset(text: string): number | undefined {
  let depth = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === "[" || token === "{") {
      if (++depth > YAML_LIMITS.depth) return offset;
    } else if (token === "]" || token === "}") {
      depth--;
    }
    // The lexer interleaves one-character control tokens that are not part of the source.
    if (!/^[\u0002\u0018\u001f]$/.test(token)) offset += token.length;
  }
  return undefined;
}

/** Where the CST first nests too deep, walked without recursion (the composer recurses). */
function blockDepthOffset(tokens: readonly CST.Token[]): number | undefined {
  const stack: [CST.Token, number][] = tokens.map((t) => [t, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop()!;
    let children: (CST.Token | null | undefined)[] = [];
    let next = depth;
    if (token.type === "document") children = [token.value];
    else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
      next = depth + 1;
      if (next > YAML_LIMITS.depth) return token.offset;
      children = token.items.flatMap((it) => ["key" in it ? it.key : undefined, it.value]);
    }
    for (const c of children) if (c) stack.push([c, next]);
  }
  return undefined;
}
