// One checked cell -> everything needed to render its Dockerfile and to verify its image.
import { createHash } from "node:crypto";
import type { CheckedCell } from "../matrix/rules.js";
import { FEATURE_NAMES, type Feature } from "../matrix/vocabulary.js";
import { atLeast } from "../version.js";
import { featureBuild } from "./features.js";
import { type GuideExpectations, type InstallGuide, installGuide } from "./install-guide.js";
import { debianRuntimePackages, runtimeLibs } from "./runtime-packages.js";
import type { Family } from "./family.js";

export interface Expectations extends GuideExpectations {
  mailVersion: string;
  /** `postconf -m` must list these ... */
  mapTypes: string[];
  /** ... and must not list these. */
  absentMapTypes: string[];
  /** Parameter -> value `postconf -xh` must print (MAIL_VERSION already replaced). */
  parameters: Record<string, string>;
  /** Where libpostfix-*.so must resolve from; absent when not shared. */
  shlibDirectory?: string;
  /** dynamicmaps plugins: map type -> plugin file name. */
  plugins: Record<string, string>;
  saslServerTypes: string[];
  tls: boolean;
  /** EAI/SMTPUTF8 compiled in (ICU). */
  eai: boolean;
  /** pie=yes: the programs are position-independent executables. */
  pie: boolean;
  /** Compile-time defaults `postconf -dxh` must print (make makefiles name=value). */
  compiledDefaults: Record<string, string>;
}

export interface Recipe {
  cellId: string;
  family: Family;
  baseImage: string;
  version: string;
  /** File name of the release tarball inside the build context. */
  tarball: string;
  buildPackages: string[];
  /**
   * What the runtime stage installs. Debian releases with a table: every runtime library,
   * known before the compile. Otherwise only what no binary links to (the image finds the
   * libraries by ldd after the compile).
   */
  runtimePackages: string[];
  /** runtimePackages holds every library (the ldd list then only checks it). */
  runtimeDerived: boolean;
  /** `make makefiles` arguments, one name=value word each (quoted at render time). */
  makefiles: string[];
  /** `make upgrade` arguments. */
  upgrade: string[];
  /**
   * Set when `make upgrade` puts the shared libraries somewhere else than the binaries' RUNPATH
   * (INSTALL 4.4.3): the image registers that directory with ldconfig so it still runs.
   */
  ldconfigDirectory?: string;
  /** The image's PATH, when the layout puts Postfix's commands outside the usual one. */
  path?: string;
  /** main.cf settings baked into the image (postconf -e). */
  settings: [string, string][];
  /** Compiler, master.cf edits, chroot jail, plugin packaging (INSTALL 4.2, 4.4.4, 8, 11). */
  guide: InstallGuide;
  expect: Expectations;
  /** What can be shared between cells: same key, same work (see plan). */
  keys: { deps: string; compile: string; install: string };
}

const BASE_PACKAGES: Record<Family, string[]> = {
  debian: ["gcc", "libc6-dev", "make", "m4"],
  // Container images of this family may lack the tools the build stage runs: tar+gzip (unpack),
  // findutils/gawk/sed/diffutils (makefiles, the runtime-package scan).
  fedora: ["diffutils", "findutils", "gawk", "gcc", "glibc-devel", "gzip", "m4", "make", "sed", "tar"],
  // scanelf lists the built programs' NEEDED sonames (runtime packages by `so:` provides).
  alpine: ["gcc", "linux-headers", "m4", "make", "musl-dev", "scanelf", "tar"],
};
const NIS_PACKAGES: Record<Family, string[]> = { debian: ["libnsl-dev"], fedora: ["libnsl2-devel"], alpine: [] };
const PKGCONFIG: Record<Family, string> = { debian: "pkgconf", fedora: "pkgconf-pkg-config", alpine: "pkgconf" };

/** Map types whose presence depends on the build (the rest are always there on Linux). */
const OPTIONAL_MAP_TYPES = ["pcre", "ldap", "mysql", "pgsql", "sqlite", "lmdb", "cdb", "mongodb", "hash", "btree"];

const DEFAULT_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
const dirname = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";

const expandVersion = (s: string, version: string) => s.replace(/MAIL_VERSION$/, version);

export const releaseTarball = (version: string) => `postfix-${version}.tar.gz`;

export function buildRecipe(cell: CheckedCell, family: Family): Recipe {
  const o = cell.options;
  const version = cell.postfix.version;
  const features = FEATURE_NAMES.filter((f) => o.features.includes(f));
  const inputs = compileInputs(o, features, family, version);
  const makefiles = makefilesArgs(o, inputs);
  const upgrade: string[] = Object.entries(o.install_directories).map(([k, v]) => `${k}=${v}`);
  if (o.install_opts?.length) upgrade.push(`POSTFIX_INSTALL_OPTS=${o.install_opts.join(" ")}`);
  const settings = mainCfSettings(o, features, version);
  const base = expectations(o, features, inputs.mapTypes, version);
  const { guide, expect: guideExpect } = installGuide(cell, family, Object.keys(base.plugins));
  if (guide.compiler.package !== "gcc") inputs.buildPackages.add(guide.compiler.package);
  const expect: Expectations = { ...base, ...guideExpect };
  const installed = installLayout(o, expect.shlibDirectory, version);
  const derived =
    family === "debian"
      ? debianRuntimePackages(cell.os, runtimeLibs({ features, disable: o.disable, pcre2: atLeast(version, "3.7") }))
      : undefined;

  const recipe: Omit<Recipe, "keys"> = {
    cellId: cell.id,
    family,
    baseImage: cell.os,
    version,
    tarball: releaseTarball(version),
    buildPackages: [...inputs.buildPackages].sort(),
    runtimePackages: [...new Set([...inputs.runtimePackages, ...(derived ?? [])])].sort(),
    runtimeDerived: derived !== undefined,
    makefiles,
    upgrade,
    ...installed,
    settings,
    guide,
    expect,
  };
  return { ...recipe, keys: recipeKeys(recipe) };
}

type Options = CheckedCell["options"];

interface CompileInputs {
  ccargs: string[];
  auxlibs: string[];
  /** AUXLIBS_<NAME>=... words for dynamicmaps plugins. */
  mapLibs: string[];
  buildPackages: Set<string>;
  runtimePackages: Set<string>;
  mapTypes: Set<string>;
}

/** What the features and switches add to CCARGS, AUXLIBS and the packages. */
function compileInputs(o: Options, features: readonly Feature[], family: Family, version: string): CompileInputs {
  const withDb = !o.disable.includes("db");
  const builds = features.map((f) => featureBuild(f, { pcre2: atLeast(version, "3.7"), saslCyrus: features.includes("sasl-cyrus") }));
  const r: CompileInputs = {
    ccargs: [],
    auxlibs: [],
    mapLibs: [],
    buildPackages: new Set(BASE_PACKAGES[family]),
    runtimePackages: new Set(),
    mapTypes: new Set(),
  };
  for (const b of builds) {
    r.ccargs.push(...b.ccargs);
    r.auxlibs.push(...(b.auxlibs ?? []));
    if (b.mapLibs) r.mapLibs.push(`AUXLIBS_${b.mapLibs.name}=${b.mapLibs.libs.join(" ")}`);
    for (const p of b.packages[family]) r.buildPackages.add(p);
    for (const p of b.runtimeExtras?.[family] ?? []) r.runtimePackages.add(p);
    for (const t of b.mapTypes) r.mapTypes.add(t);
  }
  if (withDb) {
    for (const p of featureBuild("bdb", { pcre2: true, saslCyrus: false }).packages[family]) r.buildPackages.add(p);
    r.mapTypes.add("hash").add("btree");
  }
  if (!o.disable.includes("nis")) for (const p of NIS_PACKAGES[family]) r.buildPackages.add(p);
  if (family === "alpine" && !o.disable.includes("nis")) r.ccargs.push("-DNO_NIS"); // musl has no NIS
  if (features.includes("eai")) r.buildPackages.add(PKGCONFIG[family]);
  for (const sw of o.disable) r.ccargs.push(`-DNO_${sw.toUpperCase()}`);
  if (o.fd_setsize) r.ccargs.push(`-DFD_SETSIZE=${o.fd_setsize}`);
  if (o.ccargs) r.ccargs.push(o.ccargs);
  if (o.auxlibs) r.auxlibs.push(o.auxlibs);
  return r;
}

const MAKE_VARIABLES = {
  cc: "CC",
  opt: "OPT",
  debug: "DEBUG",
  warn: "WARN",
  shlib_cflags: "SHLIB_CFLAGS",
  shlib_rpath: "SHLIB_RPATH",
  shlib_suffix: "SHLIB_SUFFIX",
} as const;

/** `make makefiles` words, in the order makedefs reads them. */
function makefilesArgs(o: Options, inputs: CompileInputs): string[] {
  const makefiles: string[] = [];
  if (inputs.ccargs.length) makefiles.push(`CCARGS=${inputs.ccargs.join(" ")}`);
  if (inputs.auxlibs.length) makefiles.push(`AUXLIBS=${inputs.auxlibs.join(" ")}`);
  makefiles.push(...inputs.mapLibs);
  for (const f of ["shared", "dynamicmaps", "pie"] as const) if (o[f]) makefiles.push(`${f}=yes`);
  for (const [k, name] of Object.entries(MAKE_VARIABLES)) {
    const value = o[k as keyof typeof MAKE_VARIABLES];
    if (value !== undefined) makefiles.push(`${name}=${value}`);
  }
  for (const [k, v] of Object.entries(o.compile_directories)) makefiles.push(`${k}=${v}`);
  if (o.default_database_type) makefiles.push(`default_database_type=${o.default_database_type}`);
  return makefiles;
}

/** main.cf settings baked into the image. */
function mainCfSettings(o: Options, features: readonly Feature[], version: string): [string, string][] {
  // The NIS-enabled default alias_maps adds nis:mail.aliases, which warns on every delivery.
  const aliasType = o.default_database_type ?? "hash";
  const settings: [string, string][] = [
    ["maillog_file", "/dev/stdout"],
    ["alias_maps", `${aliasType}:/etc/aliases`],
    ["alias_database", `${aliasType}:/etc/aliases`],
  ];
  if (features.includes("sasl-dovecot") && !features.includes("sasl-cyrus")) settings.push(["smtpd_sasl_type", "dovecot"]);
  if (o.disable.includes("db")) {
    // Without Berkeley DB the btree caches cannot open: lmdb can hold them; cdb is read-only,
    // so the address verification cache then lives in memory.
    const data = expandVersion(o.install_directories.data_directory ?? o.compile_directories.data_directory ?? "/var/lib/postfix", version);
    if (aliasType === "lmdb") {
      settings.push(["address_verify_map", `lmdb:${data}/verify_cache`], ["postscreen_cache_map", `lmdb:${data}/postscreen_cache`]);
    } else {
      settings.push(["address_verify_map", ""]);
    }
  }
  return settings;
}

/** What the verification must find in the image. */
function expectations(
  o: Options,
  features: readonly Feature[],
  mapTypes: Set<string>,
  version: string,
): Omit<Expectations, keyof GuideExpectations> {
  const expand = (s: string) => expandVersion(s, version);
  const parameters: Record<string, string> = {};
  for (const [k, val] of Object.entries({ ...o.compile_directories, ...o.install_directories })) parameters[k] = expand(val);
  if (o.default_database_type) parameters.default_database_type = o.default_database_type;
  const plugins: Record<string, string> = {};
  if (o.dynamicmaps) {
    for (const t of mapTypes) if (t !== "hash" && t !== "btree") plugins[t] = `postfix-${t}.so`;
  }
  const shlibDirectory = o.shared ? (parameters.shlib_directory ?? "/usr/lib/postfix") : undefined;
  return {
    mailVersion: version,
    mapTypes: [...mapTypes].sort(),
    absentMapTypes: OPTIONAL_MAP_TYPES.filter((t) => !mapTypes.has(t)),
    parameters,
    ...(shlibDirectory ? { shlibDirectory } : {}),
    plugins,
    saslServerTypes: [...(features.includes("sasl-cyrus") ? ["cyrus"] : []), ...(features.includes("sasl-dovecot") ? ["dovecot"] : [])],
    tls: features.includes("tls"),
    eai: features.includes("eai"),
    pie: o.pie,
    compiledDefaults: Object.fromEntries([
      ...Object.entries(o.compile_directories).map(([k, val]) => [k, expand(val)]),
      ...(o.default_database_type ? [["default_database_type", o.default_database_type]] : []),
    ]),
  };
}

/** ldconfig and PATH for layouts that put libraries or commands where the system does not look. */
function installLayout(o: Options, shlibDirectory: string | undefined, version: string): Pick<Recipe, "ldconfigDirectory" | "path"> {
  const expand = (s: string) => expandVersion(s, version);
  const compiledShlib = expand(o.compile_directories.shlib_directory ?? "/usr/lib/postfix");
  const ldconfigDirectory = shlibDirectory && shlibDirectory !== compiledShlib ? shlibDirectory : undefined;
  const where = (name: string, fallback: string) => expand(o.install_directories[name] ?? o.compile_directories[name] ?? fallback);
  const extraPath = [where("command_directory", "/usr/sbin"), dirname(where("newaliases_path", "/usr/bin/newaliases"))].filter(
    (d, i, all) => !DEFAULT_PATH.includes(d) && all.indexOf(d) === i,
  );
  const path = extraPath.length ? [...extraPath, ...DEFAULT_PATH].join(":") : undefined;
  return { ...(ldconfigDirectory ? { ldconfigDirectory } : {}), ...(path ? { path } : {}) };
}

/** Same key, same work: the dependency layer, the compile and the install (see plan). */
function recipeKeys(r: Omit<Recipe, "keys">): Recipe["keys"] {
  // The first 8 bytes as hex, made directly: a slice of the whole digest would keep all of it.
  const hash = (...parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest().toString("hex", 0, 8);
  const deps = hash(r.baseImage, r.buildPackages);
  const compile = hash(deps, r.version, r.makefiles);
  return { deps, compile, install: hash(compile, r.runtimePackages, r.upgrade, r.settings, r.guide) };
}
