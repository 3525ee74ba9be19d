// What a base image's package world cannot do, applied to one expanded cell before the
// generic rules (checkCell). Pure. Two kinds of outcome:
// - adapt, when the user said nothing that contradicts it and the OS's own Postfix package
//   does the same: NIS off on musl and on Enterprise Linux >= 9 (glibc there has no
//   rpcsvc/ypclnt.h); no Berkeley DB on Alpine and on Enterprise Linux >= 10, so
//   `disable: [db]` with LMDB as the default database type (what Alpine's and RHEL 10's
//   postfix packages do). Every adaptation is reported as a note, and recorded in the cell's
//   origins so later messages name the reason.
// - reject, with a message saying what to change, when the cell explicitly asks for what
//   the OS lacks (feature bdb, default_database_type hash/btree, tinycdb on Alpine) or when
//   the image tag does not say which Enterprise Linux release it is.
import type { ConfigIssue } from "../../errors.js";
import type { Cell } from "../matrix/model.js";
import type { NoSwitch } from "../matrix/vocabulary.js";
import { compilerFor } from "./compilers.js";
import type { Family } from "./family.js";

export interface FamilyAdaptation {
  /** The cell with family-imposed options filled in (the input is not modified). */
  cell: Cell;
  /** Cells the family cannot build as written. */
  issues: ConfigIssue[];
  /** One line per adaptation, for logs and reports: `alpine:3.21: ...`. */
  notes: string[];
}

/** Enterprise Linux rebuilds, by image name, and the first number of their tag (or name). */
const ENTERPRISE = new Set(["almalinux", "rockylinux", "centos", "oraclelinux"]);

/** What the image reference says about the OS: repository name (last segment) and tag. */
function imageParts(imageRef: string): { name: string; tag: string } {
  const ref = imageRef.split("@")[0]!;
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  const tag = colon > slash ? ref.slice(colon + 1) : "";
  const repo = colon > slash ? ref.slice(0, colon) : ref;
  return { name: repo.slice(repo.lastIndexOf("/") + 1).toLowerCase(), tag: tag.toLowerCase() };
}

/**
 * The Enterprise Linux major release of a fedora-family image: a number, `null` when the image
 * is an Enterprise Linux whose release the reference does not tell, `undefined` for Fedora.
 */
export function enterpriseRelease(imageRef: string): number | null | undefined {
  const { name, tag } = imageParts(imageRef);
  const ubi = /^ubi(\d+)/.exec(name);
  if (ubi) return Number(ubi[1]);
  if (!ENTERPRISE.has(name)) return undefined;
  const m = /(\d+)/.exec(tag);
  return m ? Number(m[1]) : null;
}

export function applyFamilyRules(cell: Cell, family: Family, file: string): FamilyAdaptation {
  const issues: ConfigIssue[] = [];
  const notes: string[] = [];
  const o = cell.options;
  const origins = { ...cell.origins };
  const features = [...(o.features ?? [])];
  const disable = [...(o.disable ?? [])];
  let dbType = o.default_database_type;
  const fail = (field: keyof typeof origins, message: string) =>
    issues.push({ file, path: origins[field] ?? field, message: `cell ${cell.id}: ${message}` });
  const why = (reason: string) => `os ${cell.os} (${reason})`;
  const turnOff = (sw: NoSwitch, reason: string) => {
    if (disable.includes(sw)) return;
    disable.push(sw);
    origins.disable ??= why(reason);
    notes.push(`${cell.os}: ${reason}: built with -DNO_${sw.toUpperCase()}`);
  };

  /** No Berkeley DB: refuse explicit requests, else -DNO_DB with LMDB as the default type. */
  const withoutBerkeleyDb = (what: string) => {
    const hint = "such builds use `disable: [db]` with feature lmdb (default_database_type lmdb)";
    if (features.includes("bdb")) fail("features", `${what} has no Berkeley DB: drop feature \`bdb\`; ${hint}`);
    if (dbType === "hash" || dbType === "btree") {
      fail(
        "default_database_type",
        `${what} has no Berkeley DB, so default_database_type=${dbType} cannot work; use lmdb (with feature lmdb)`,
      );
    }
    if (disable.includes("db")) return; // the cell already chose; checkCell checks the rest
    turnOff("db", `${what} has no Berkeley DB`);
    if (!dbType && !features.includes("lmdb") && !features.includes("cdb")) {
      features.push("lmdb");
      origins.features ??= why(`${what} has no Berkeley DB`);
      notes.push(`${cell.os}: added feature lmdb for default_database_type=lmdb (aliases, newaliases)`);
    }
    if (!dbType) {
      dbType = features.includes("lmdb") ? "lmdb" : "cdb";
      origins.default_database_type ??= why(`${what} has no Berkeley DB`);
      notes.push(`${cell.os}: default_database_type=${dbType}`);
    }
  };

  if (family === "alpine") {
    turnOff("nis", "musl has no NIS");
    if (features.includes("cdb") || dbType === "cdb") {
      fail(
        features.includes("cdb") ? "features" : "default_database_type",
        "Alpine has no tinycdb package: drop `cdb` (use lmdb) for Alpine cells, e.g. with an `exclude`/`include` pair",
      );
    }
    withoutBerkeleyDb("Alpine");
    const moved = o.install_directories?.shlib_directory;
    if (moved && moved !== o.compile_directories?.shlib_directory) {
      // glibc images register a moved shlib_directory with ldconfig; musl has no ldconfig.
      fail(
        "install_directories",
        "musl has no ldconfig, so a shlib_directory that differs at install time would leave the programs unable to find libpostfix-*: give the same shlib_directory in compile_directories",
      );
    }
  } else if (family === "fedora") {
    const el = enterpriseRelease(cell.os);
    if (el === null) {
      issues.push({
        file,
        path: cell.at.os,
        message: `cell ${cell.id}: cannot tell which Enterprise Linux release \`${cell.os}\` is (NIS and Berkeley DB support depend on it): use a numbered tag such as ${imageParts(cell.os).name}:9`,
      });
    } else if (el !== undefined) {
      if (el >= 9) turnOff("nis", `Enterprise Linux ${el} has no NIS in glibc`);
      if (el >= 10) withoutBerkeleyDb(`Enterprise Linux ${el}`);
    }
  }

  // INSTALL 4.2: a compiler the OS cannot install is refused here, before anything is built.
  const compiler = compilerFor(o.cc, cell.os, family);
  if ("error" in compiler) fail("cc", compiler.error);

  const options = { ...o };
  if (features.length) options.features = features;
  if (disable.length) options.disable = disable;
  if (dbType) options.default_database_type = dbType;
  return { cell: { ...cell, options, origins }, issues, notes };
}
