import type { BuildOptions, OptionFieldName, OptionSet } from "./schema.js";

export interface PostfixRelease {
  version: string;
  /** Given in the matrix; otherwise the shipped table of known releases decides. */
  sha256?: string;
}

/** One value of one axis, with the string used to match it in include/exclude and to name cells. */
export interface AxisValue {
  label: string;
  path: string;
  os?: string;
  postfix?: PostfixRelease;
  optionSet?: OptionSet;
  /** For an axis named after an option field (e.g. `pie: [true, false]`). */
  field?: { name: OptionFieldName; value: unknown };
}

export interface Axis {
  key: string;
  values: AxisValue[];
}

/** include/exclude entries after shape checks: axis key -> label, plus option fields (include only). */
export interface MatchEntry {
  path: string;
  match: Record<string, string>;
  /** include only: inline option set given as `options: {name: ..., ...}`. */
  optionSet?: OptionSet;
  extras: BuildOptions;
  os?: string;
  postfix?: PostfixRelease;
}

export interface Matrix {
  file: string;
  name: string;
  description?: string;
  defaults: BuildOptions;
  axes: Axis[];
  include: MatchEntry[];
  exclude: MatchEntry[];
}

/** Where each option of a cell came from, for error messages. */
export type Origins = Partial<Record<OptionFieldName, string>>;

export interface Cell {
  /** Stable, readable, unique within the matrix: `debian-bookworm-3.10.13-defaults`. */
  id: string;
  /** Axis key -> label, in axis order (what the report shows). */
  values: Record<string, string>;
  os: string;
  postfix: PostfixRelease;
  optionsName: string;
  options: BuildOptions;
  origins: Origins;
  /** Where the cell's os and release are written in the file (for error lines). */
  at: { os: string; postfix: string };
}
