// Reading rendered Dockerfiles back: instructions with dockerfile-ast, each RUN's shell text
// with mvdan-sh (the Go mvdan/sh parser compiled to JS). mvdan-sh over sh-syntax (the same
// parser as WASM): sh-syntax's JSON tree leaves out the command nodes (`Cmd: {}`), so it
// cannot show words and their quoting; mvdan-sh gives the full typed tree, synchronously,
// in POSIX mode.
import { DockerfileParser, Keyword, type Instruction } from "dockerfile-ast";
import sh from "mvdan-sh";

const { syntax } = sh;
const parser = syntax.NewParser(syntax.Variant(syntax.LangPOSIX));

/** Shell nodes that expand at run time: a value must never become one. */
const EXPANSIONS = new Set(["ParamExp", "CmdSubst", "ArithmExp", "ProcSubst", "ExtGlob", "BraceExp"]);

interface ShNode {
  Parts?: ShNode[];
  Value?: string;
}

export interface ShellText {
  /** Every word, as the shell would pass it on; undefined where a word expands. */
  words: (string | undefined)[];
  expansions: number;
}

/** Parses POSIX shell text; throws with the parser's message when it is not valid sh. */
export function parseShell(text: string): ShellText {
  let file: unknown;
  try {
    file = parser.Parse(text, "RUN");
  } catch (e) {
    const err = e as { Error?: () => string };
    throw new Error(`not valid POSIX sh (${err.Error?.() ?? String(e)}): ${text}`);
  }
  const words: (string | undefined)[] = [];
  let expansions = 0;
  syntax.Walk(file, (node: ShNode | null) => {
    if (!node) return true;
    const type = syntax.NodeType(node);
    if (EXPANSIONS.has(type)) expansions++;
    if (type === "Word") words.push(literal(node));
    return true;
  });
  return { words, expansions };
}

/** The word's value after quote removal, or undefined when part of it is an expansion. */
function literal(word: ShNode): string | undefined {
  let out = "";
  for (const part of word.Parts ?? []) {
    const type = syntax.NodeType(part);
    if (type === "Lit") out += (part.Value ?? "").replace(/\\\n/g, "").replace(/\\([\s\S])/g, "$1");
    else if (type === "SglQuoted") out += part.Value ?? "";
    else if (type === "DblQuoted") {
      for (const inner of part.Parts ?? []) {
        if (syntax.NodeType(inner) !== "Lit") return undefined;
        out += (inner.Value ?? "").replace(/\\\n/g, "").replace(/\\([$`"\\])/g, "$1");
      }
    } else return undefined;
  }
  return out;
}

export interface DockerfileShape {
  /** Keywords in order (FROM, RUN, COPY, ...). */
  keywords: string[];
  /** FROM images in order. */
  images: (string | null)[];
  /** Each RUN's shell text, continuation lines joined, --flags removed. */
  runs: string[];
}

export function readDockerfile(text: string): DockerfileShape {
  const lines = text.split("\n");
  const instructions = DockerfileParser.parse(text).getInstructions();
  const source = (ins: Instruction) => {
    const r = ins.getRange();
    return lines
      .slice(r.start.line, r.end.line + 1)
      .join("\n")
      .replace(/\\\n/g, " ");
  };
  const runs = instructions
    .filter((i) => i.getKeyword() === Keyword.RUN)
    .map((i) => {
      let s = source(i).replace(/^\s*RUN\s+/i, "");
      while (/^--\S+\s/.test(s)) s = s.replace(/^--\S+\s+/, "");
      return s;
    });
  return {
    keywords: instructions.map((i) => i.getKeyword()),
    images: instructions
      .filter((i) => i.getKeyword() === Keyword.FROM)
      .map((i) => (i as unknown as { getImage(): string | null }).getImage()),
    runs,
  };
}
