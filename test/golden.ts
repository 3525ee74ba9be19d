// Golden files: UPDATE_GOLDEN=1 writes them (and removes stale ones); otherwise compare.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { expect } from "vitest";

export const UPDATE = process.env.UPDATE_GOLDEN === "1";
const REPO = path.resolve(import.meta.dirname, "..");

export function expectGolden(dir: string, name: string, text: string, howToUpdate: string): void {
  const file = path.join(dir, name);
  if (UPDATE) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
    return;
  }
  expect(existsSync(file), `${path.relative(REPO, file)} is missing: ${howToUpdate}`).toBe(true);
  expect(text, `${path.relative(REPO, file)} differs: ${howToUpdate}`).toBe(readFileSync(file, "utf8"));
}

/** The folder holds exactly these golden files. */
export function expectNoStaleGolden(dir: string, names: readonly string[], howToUpdate: string): void {
  const want = [...names].sort();
  if (UPDATE) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) if (!want.includes(f)) rmSync(path.join(dir, f));
  }
  expect(readdirSync(dir).sort(), `stale golden files: ${howToUpdate}`).toEqual(want);
}
