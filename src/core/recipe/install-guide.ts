// The parts of a recipe that follow INSTALL beyond the build surface: the compiler (4.2), the
// role (8, send-only), chroot (11) and plugin packaging (4.4.4). Pure.
import type { CheckedCell } from "../matrix/rules.js";
import { CHROOT_PROGRAMS } from "../matrix/install-vocabulary.js";
import { type Compiler, compilerFor } from "./compilers.js";
import type { Family } from "./family.js";

export interface InstallGuide {
  compiler: Compiler;
  /** `postconf` argument lists run on the installed image after its settings (master.cf edits). */
  postconf: string[][];
  /** Prepare the chroot jail under the queue directory (examples/chroot-setup, Linux). */
  chrootJail: boolean;
  /** dynamicmaps plugins moved to their own dynamicmaps.cf.d and postfix-files.d files. */
  splitPlugins: string[];
}

export interface GuideExpectations {
  role: CheckedCell["options"]["role"];
  compiler: { kind: Compiler["kind"]; command: string; major?: string };
  /** Chrooted service -> the program (process name) it runs. */
  chroot: Record<string, string>;
  splitPlugins: string[];
  /** Log lines the cell declared expected, with their reasons. */
  expectedLog: { match: string; reason: string }[];
}

export function installGuide(
  cell: CheckedCell,
  family: Family,
  pluginTypes: readonly string[],
): { guide: InstallGuide; expect: GuideExpectations } {
  const o = cell.options;
  const compiler = compilerFor(o.cc, cell.os, family);
  // family rules refused an unknown compiler before a recipe is made.
  if ("error" in compiler) throw new Error(`bug: recipe for a refused compiler: ${compiler.error}`);
  const postconf: string[][] = [];
  // INSTALL 8: a send-only host comments out the smtp inet service (postconf -M#, 3.0+).
  if (o.role === "send-only") postconf.push(["-M#", "smtp/inet"]);
  if (o.chroot.length) postconf.push(["-F", ...o.chroot.map((s) => `${s}/chroot=y`)]);
  const splitPlugins = o.plugins === "split" ? [...pluginTypes].sort() : [];
  return {
    guide: { compiler, postconf, chrootJail: o.chroot.length > 0, splitPlugins },
    expect: {
      role: o.role,
      compiler: { kind: compiler.kind, command: compiler.command, ...(compiler.major ? { major: compiler.major } : {}) },
      chroot: Object.fromEntries(o.chroot.map((s) => [s, CHROOT_PROGRAMS[s]])),
      splitPlugins,
      expectedLog: o.expect_log,
    },
  };
}
