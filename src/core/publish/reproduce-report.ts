// Two builds of one cell compared file by file: what `reproduce` reports. Pure.

/** path -> sha256 of each installed Postfix file (programs, libraries, plugins, meta files). */
export type FileDigests = ReadonlyMap<string, string>;

export interface FileDifference {
  path: string;
  /** undefined: the file is missing from that build. */
  first?: string;
  second?: string;
}

export type ReproduceOutcome =
  | { kind: "compared"; files: number; differing: FileDifference[]; seconds: number }
  | { kind: "failed"; message: string };

export interface ReproduceResult {
  id: string;
  image: string;
  outcome: ReproduceOutcome;
}

/** Reads `sha256sum` output: `<hex>  <path>` lines. */
export function parseDigests(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim());
    if (m) out.set(m[2]!, m[1]!);
  }
  return out;
}

export function compareDigests(first: FileDigests, second: FileDigests): FileDifference[] {
  const paths = [...new Set([...first.keys(), ...second.keys()])].sort();
  const diff: FileDifference[] = [];
  for (const p of paths) {
    const a = first.get(p);
    const b = second.get(p);
    if (a !== b) diff.push({ path: p, ...(a ? { first: a } : {}), ...(b ? { second: b } : {}) });
  }
  return diff;
}

export function formatReproduce(results: readonly ReproduceResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const o = r.outcome;
    if (o.kind === "failed") {
      lines.push(`${r.id}: FAILED ${o.message}`);
      continue;
    }
    lines.push(
      o.differing.length === 0
        ? `${r.id}: reproducible (${o.files} files identical, rebuilt without cache in ${o.seconds.toFixed(1)} s)`
        : `${r.id}: ${o.differing.length} of ${o.files} files differ`,
    );
    for (const d of o.differing.slice(0, 50)) {
      const how = !d.first ? "only in the rebuild" : !d.second ? "missing from the rebuild" : "content differs";
      lines.push(`  ${d.path}: ${how}`);
    }
  }
  return lines.join("\n");
}
