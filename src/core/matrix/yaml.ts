import { LineCounter, parseDocument, type Document } from "yaml";
import { ConfigError } from "../../errors.js";
import { IssueList } from "./issues.js";

/** YAML text -> document plus an issue list that knows its lines; syntax errors throw. */
export function readYaml(text: string, file: string): { doc: Document; issues: IssueList } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({ file, path: "", message: e.message.split("\n")[0] ?? e.message, line: e.linePos?.[0]?.line })),
    );
  }
  return { doc, issues: new IssueList(file, doc, lines) };
}
