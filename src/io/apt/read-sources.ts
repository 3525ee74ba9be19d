// The one reader of the machine's APT source configuration (sources.list and the
// files APT reads from sources.list.d), for core/apt/sources.ts to parse.

import * as fs from "node:fs/promises";
import * as path from "node:path";

import { aptSourceFormat, type AptSourceFile } from "../../core/apt/sources.js";
import { EnvironmentError } from "../../errors.js";

/**
 * `<aptRoot>/sources.list`, then `<aptRoot>/sources.list.d/*.{list,sources}` in APT's
 * (sorted) order. Fails closed: only a missing file or directory is skipped; anything
 * else (EACCES, EISDIR, ...) throws, since a silently partial configuration could pick
 * the wrong mirror.
 */
export async function readAptSourceFiles(aptRoot = "/etc/apt"): Promise<AptSourceFile[]> {
  const files: AptSourceFile[] = [];
  const main = path.join(aptRoot, "sources.list");
  const text = await readOrMissing(main);
  if (text !== undefined) files.push({ path: main, text });
  const dir = path.join(aptRoot, "sources.list.d");
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    if (isMissing(err)) return files;
    throw cannotRead(dir, err);
  }
  for (const name of names.filter((n) => aptSourceFormat(n) !== undefined).sort()) {
    const p = path.join(dir, name);
    // A file gone since readdir (or a dangling symlink) is skipped, as APT does.
    const t = await readOrMissing(p);
    if (t !== undefined) files.push({ path: p, text: t });
  }
  return files;
}

async function readOrMissing(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw cannotRead(file, err);
  }
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
}

function cannotRead(p: string, err: unknown): EnvironmentError {
  const e = err as NodeJS.ErrnoException;
  return new EnvironmentError(
    `cannot read the APT configuration ${p}: ${e.code ?? e.message}`,
    "fix its permissions or type (APT itself needs to read it), or remove it",
  );
}
