// Cross-field rules over one expanded cell: what Postfix's makedefs or the release would
// refuse or silently ignore, caught before anything is built. Also normalizes the options.
import type { ConfigIssue } from "../../errors.js";
import { atLeast } from "../version.js";
import { type InstallOptions, installOptions } from "./install-rules.js";
import { LAYOUT_DIRECTORIES } from "./layouts.js";
import type { Cell } from "./model.js";
import type { BuildOptions } from "./schema.js";
import { FEATURES, type Feature, type NoSwitch } from "./vocabulary.js";

/** Options after rules: implied values filled in, layout folded into compile_directories. */
export interface NormalizedOptions extends Omit<BuildOptions, keyof InstallOptions>, InstallOptions {
  shared: boolean;
  dynamicmaps: boolean;
  pie: boolean;
  features: Feature[];
  disable: NoSwitch[];
  compile_directories: Record<string, string>;
  install_directories: Record<string, string>;
}

export interface CheckedCell extends Omit<Cell, "options"> {
  options: NormalizedOptions;
}

/** The images run `postfix start-fg` (3.3+) and log with maillog_file (3.4+). */
export const MIN_RELEASE = "3.4";

/** Features that a -DNO_* switch turns off. */
const SWITCH_OF: Partial<Record<Feature, NoSwitch>> = { pcre: "pcre", eai: "eai", bdb: "db" };

export function checkCell(cell: Cell, file: string): { cell?: CheckedCell; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const o = cell.options;
  const v = cell.postfix.version;
  const at = (field: keyof BuildOptions) => cell.origins[field] ?? field;
  const fail = (path: string, message: string) => issues.push({ file, path, message: `cell ${cell.id}: ${message}` });

  if (!atLeast(v, MIN_RELEASE)) {
    fail(
      cell.at.postfix,
      `Postfix ${v} is too old: images run \`postfix start-fg\` (3.3+) with maillog_file=/dev/stdout (3.4+), so the oldest release is ${MIN_RELEASE}`,
    );
  }
  for (const f of ["shared", "dynamicmaps", "pie"] as const) {
    if (o[f] && !atLeast(v, "3.0")) fail(at(f), `${f}=yes needs Postfix >= 3.0 (this cell builds ${v})`);
  }
  if (o.dynamicmaps && o.shared === false) {
    fail(at("shared"), "dynamicmaps=yes needs shared=yes (makedefs forces it); drop `shared: false`");
  }
  const shared = Boolean(o.shared || o.dynamicmaps);
  const features = [...new Set(o.features ?? [])];
  const disable = [...new Set(o.disable ?? [])];
  for (const f of features) {
    const since = FEATURES[f].since;
    if (!atLeast(v, since)) fail(at("features"), `${FEATURES[f].title} needs Postfix >= ${since} (this cell builds ${v})`);
    const sw = SWITCH_OF[f];
    if (sw && disable.includes(sw)) fail(at("disable"), `feature \`${f}\` is asked for and also disabled by \`${sw}\``);
  }
  const compile = defined({ ...LAYOUT_DIRECTORIES[o.layout ?? "upstream"], ...(o.compile_directories ?? {}) });
  const install = defined({ ...(o.install_directories ?? {}) });
  if (!shared) {
    // A layout's shlib_directory means nothing without shared libraries.
    if (!o.compile_directories?.shlib_directory) delete compile.shlib_directory;
    for (const [where, dirs] of [
      ["compile_directories", o.compile_directories],
      ["install_directories", o.install_directories],
    ] as const) {
      if (dirs?.shlib_directory)
        fail(at(where), "shlib_directory is set but shared=no (Postfix would use shlib_directory=no): set `shared: true` or drop it");
    }
  }

  let dbType = o.default_database_type;
  if (disable.includes("db")) {
    if (dbType === "hash" || dbType === "btree") {
      fail(at("default_database_type"), `default_database_type=${dbType} is Berkeley DB, which \`disable: [db]\` removes`);
    } else if (!dbType) {
      const candidates = (["lmdb", "cdb"] as const).filter((f) => features.includes(f));
      if (candidates.length === 0) {
        fail(
          at("disable"),
          "`disable: [db]` (-DNO_DB) leaves default_database_type=hash, which then cannot work: add feature lmdb or cdb, or set default_database_type",
        );
      } else {
        dbType = candidates[0];
      }
    }
  }
  if ((Object.keys(compile).length > 0 || Object.keys(install).length > 0 || dbType) && !atLeast(v, "3.0")) {
    const field =
      Object.keys(compile).length > 0
        ? "compile_directories"
        : Object.keys(install).length > 0
          ? "install_directories"
          : "default_database_type";
    fail(
      at(field),
      "name=value defaults (directories, default_database_type) need Postfix >= 3.0 (INSTALL 4.6.1); use ccargs with -DDEF_* for older releases",
    );
  }
  if (dbType === "lmdb" && !features.includes("lmdb")) fail(at("default_database_type"), "default_database_type=lmdb needs feature lmdb");
  if (dbType === "cdb" && !features.includes("cdb")) fail(at("default_database_type"), "default_database_type=cdb needs feature cdb");

  const install_guide = installOptions(o, Boolean(o.dynamicmaps), (f, m) => fail(at(f), m));

  if (issues.length > 0) return { issues };
  return {
    issues,
    cell: {
      ...cell,
      options: {
        ...o,
        shared,
        dynamicmaps: Boolean(o.dynamicmaps),
        pie: Boolean(o.pie),
        features,
        disable,
        ...(dbType ? { default_database_type: dbType } : {}),
        compile_directories: compile,
        install_directories: install,
        ...install_guide,
      },
    },
  };
}

function defined(o: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined));
}
