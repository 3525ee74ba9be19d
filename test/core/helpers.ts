// Shared helpers for the pure-core tests: matrix texts built from objects, and ConfigError capture.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { expect } from "vitest";
import { ConfigError, type ConfigIssue } from "../../src/errors.js";
import { expandMatrix } from "../../src/core/matrix/expand.js";
import { parseMatrix } from "../../src/core/matrix/load.js";
import type { Cell } from "../../src/core/matrix/model.js";
import { prepareMatrix, type PreparedCell } from "../../src/core/prepare.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const DEFAULT_MATRIX_FILE = "matrices/default.yaml";
export const defaultMatrixText = (): string => readFileSync(new URL("../../matrices/default.yaml", import.meta.url), "utf8");

/** A syntactically valid sha256 for releases the shipped table does not know. */
export const FAKE_SHA = "0123456789abcdef".repeat(4);

/** A matrix file text from a plain object (so tests never fight YAML indentation). */
export const yamlOf = (o: unknown): string => stringify(o);

export const expand = (text: string, file = "m.yaml"): Cell[] => expandMatrix(parseMatrix(text, file));

/** Runs `fn`, which must throw a ConfigError, and returns its issues. */
export function configIssues(fn: () => unknown): readonly ConfigIssue[] {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, "expected a ConfigError").toBeInstanceOf(ConfigError);
  return (caught as ConfigError).issues;
}

/** The 1-based line of the first line of `text` containing `needle` (the line an issue should point at). */
export function lineOf(text: string, needle: string, from = 0): number {
  const lines = text.split("\n");
  const i = lines.findIndex((l, n) => n >= from && l.includes(needle));
  if (i < 0) throw new Error(`test bug: ${JSON.stringify(needle)} not in text`);
  return i + 1;
}

/** A one-cell matrix: one OS, one release, one option set named `a` with `options`. */
export function oneCell(options: Record<string, unknown>, opts: { os?: string; version?: string; sha256?: string } = {}): string {
  const version = opts.version ?? "3.10.13";
  const release = opts.sha256 ? { version, sha256: opts.sha256 } : version;
  return yamlOf({ axes: { os: [opts.os ?? "debian:bookworm"], postfix: [release], options: [{ name: "a", ...options }] } });
}

export function prepareOne(options: Record<string, unknown>, opts: { os?: string; version?: string; sha256?: string } = {}): PreparedCell {
  const cells = prepareMatrix(oneCell(options, opts), "m.yaml").cells;
  expect(cells).toHaveLength(1);
  return cells[0]!;
}
