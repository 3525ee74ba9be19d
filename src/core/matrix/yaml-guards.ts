// Checks on a composed YAML document before it becomes plain data: aliases that lead nowhere
// or into themselves, the expanded size ("billion laughs"), keys that plain objects cannot
// hold faithfully (`__proto__`), merge keys and tags this tool does not read.
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from "yaml";
import { clip, formatPath, shown, type PathPart } from "./issues.js";

export interface GuardIssue {
  offset: number;
  path: string;
  message: string;
}

/** Explicit tags that only say what plain YAML would read anyway. */
const PLAIN_TAGS = new Set(["!", ...["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`)]);

class TooLarge extends Error {}

export function inspectDocument(doc: Document, maxValues: number): GuardIssue[] {
  const issues: GuardIssue[] = [];
  const sizes = new Map<Node, number>();
  let total = 0;
  const add = (node: Node | null | undefined, path: PathPart[], message: string): void => {
    issues.push({ offset: node?.range?.[0] ?? 0, path: formatPath(path), message });
  };

  /** How many values a node stands for with its aliases expanded (memoized: no blow-up). */
  const sizeOf = (node: unknown, inProgress: Set<Node>): number => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target && !inProgress.has(target) ? sizeOf(target, inProgress) : 1;
    }
    if (!isMap(node) && !isSeq(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    inProgress.add(node);
    let n = 1;
    for (const item of node.items as unknown[]) {
      n += isMap(node) ? sizeOf((item as { value?: unknown }).value, inProgress) : sizeOf(item, inProgress);
      if (n > maxValues) break;
    }
    inProgress.delete(node);
    sizes.set(node, n);
    return n;
  };

  const count = (node: Node, path: PathPart[], n: number) => {
    total += n;
    if (total > maxValues) {
      add(
        node,
        path,
        `the file holds more than ${maxValues.toLocaleString("en")} values once its aliases are expanded, far more than any matrix needs (aliases of lists of aliases multiply, as in a "billion laughs" file)`,
      );
      throw new TooLarge();
    }
  };

  const visit = (node: unknown, path: PathPart[], ancestors: Set<Node>): void => {
    if (!node || typeof node !== "object") return;
    const n = node as Node;
    if (isAlias(n)) {
      const target = n.resolve(doc);
      const name = `\`*${clip(n.source, 60)}\``;
      if (!target) add(n, path, `alias ${name} refers to no anchor: define \`&${clip(n.source, 60)}\` on a value before this line`);
      else if (ancestors.has(target)) add(n, path, `alias ${name} is inside the value it refers to, which would make it endless`);
      else count(n, path, sizeOf(target, new Set(ancestors)));
      return;
    }
    const tag = (n as { tag?: string }).tag;
    if (tag && !PLAIN_TAGS.has(tag))
      add(n, path, `YAML tag \`${clip(tag.replace("tag:yaml.org,2002:", "!!"), 60)}\` is not supported here: write the plain value`);
    count(n, path, 1);
    if (isSeq(n)) {
      ancestors.add(n);
      n.items.forEach((item, i) => {
        visit(item, [...path, i], ancestors);
      });
      ancestors.delete(n);
    } else if (isMap(n)) {
      ancestors.add(n);
      for (const pair of n.items) {
        const key = keyOf(pair.key);
        if (typeof key !== "string") add((pair.key ?? pair.value) as Node, path, key.problem);
        else visit(pair.value, [...path, key], ancestors);
      }
      ancestors.delete(n);
    }
  };

  try {
    visit(doc.contents, [], new Set());
  } catch (e) {
    if (!(e instanceof TooLarge)) throw e;
  }
  return issues;
}

/** The key as a plain word, or what is wrong with it. */
function keyOf(key: unknown): string | { problem: string } {
  if (isScalar(key) && (typeof key.value === "string" || typeof key.value === "number" || typeof key.value === "boolean")) {
    const name = String(key.value);
    if (name === "<<" && key.type === "PLAIN") {
      return {
        problem:
          "YAML merge keys (`<<`) are not supported (YAML 1.2 has none, so `<<` would be an ordinary key): repeat the keys, or refer to a whole mapping with an alias (`options: *name`)",
      };
    }
    if (name === "__proto__") return { problem: "the key `__proto__` is not allowed (reading the file would silently drop it)" };
    return name;
  }
  if (key === null || key === undefined || (isScalar(key) && key.value === null))
    return { problem: "a key without a name (an empty `:` or `?`)" };
  if (isAlias(key)) return { problem: `an alias (\`*${clip(key.source, 60)}\`) as a key: a key must be a plain word` };
  return {
    problem: `a mapping or list as a key (${shown(String((key as { toString?: () => string })?.toString?.() ?? key))}): a key must be a plain word`,
  };
}
