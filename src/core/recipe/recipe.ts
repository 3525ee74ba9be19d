// One checked cell -> everything needed to render its Dockerfile and to verify its image.
import { createHash } from "node:crypto";
import type { CheckedCell } from "../matrix/rules.js";
import { FEATURE_NAMES, type Feature } from "../matrix/vocabulary.js";
import { atLeast } from "../version.js";
import { featureBuild } from "./features.js";
import type { Family } from "./family.js";

export interface Expectations {
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
  runtimePackages: string[];
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
  const withDb = !o.disable.includes("db");
  // Alpine (musl) has neither Berkeley DB by default nor NIS.
  const builds = features.map((f) => [f, featureBuild(f, { pcre2: atLeast(version, "3.7"), saslCyrus: features.includes("sasl-cyrus") })] as const);

  const ccargs: string[] = [];
  const auxlibs: string[] = [];
  const mapLibs: string[] = [];
  const buildPackages = new Set(BASE_PACKAGES[family]);
  const runtimePackages = new Set<string>();
  const mapTypes = new Set<string>();
  for (const [, b] of builds) {
    ccargs.push(...b.ccargs);
    auxlibs.push(...(b.auxlibs ?? []));
    if (b.mapLibs) mapLibs.push(`AUXLIBS_${b.mapLibs.name}=${b.mapLibs.libs.join(" ")}`);
    b.packages[family].forEach((p) => buildPackages.add(p));
    b.runtimeExtras?.[family].forEach((p) => runtimePackages.add(p));
    b.mapTypes.forEach((t) => mapTypes.add(t));
  }
  if (withDb) {
    featureBuild("bdb", { pcre2: true, saslCyrus: false }).packages[family].forEach((p) => buildPackages.add(p));
    mapTypes.add("hash").add("btree");
  }
  if (!o.disable.includes("nis")) NIS_PACKAGES[family].forEach((p) => buildPackages.add(p));
  if (family === "alpine" && !o.disable.includes("nis")) ccargs.push("-DNO_NIS"); // musl has no NIS
  if (features.includes("eai")) buildPackages.add(PKGCONFIG[family]);
  for (const sw of o.disable) ccargs.push(`-DNO_${sw.toUpperCase()}`);
  if (o.fd_setsize) ccargs.push(`-DFD_SETSIZE=${o.fd_setsize}`);
  if (o.ccargs) ccargs.push(o.ccargs);
  if (o.auxlibs) auxlibs.push(o.auxlibs);

  const makefiles: string[] = [];
  if (ccargs.length) makefiles.push(`CCARGS=${ccargs.join(" ")}`);
  if (auxlibs.length) makefiles.push(`AUXLIBS=${auxlibs.join(" ")}`);
  makefiles.push(...mapLibs);
  for (const f of ["shared", "dynamicmaps", "pie"] as const) if (o[f]) makefiles.push(`${f}=yes`);
  const vars = { cc: "CC", opt: "OPT", debug: "DEBUG", warn: "WARN", shlib_cflags: "SHLIB_CFLAGS", shlib_rpath: "SHLIB_RPATH", shlib_suffix: "SHLIB_SUFFIX" } as const;
  for (const [k, name] of Object.entries(vars)) {
    const value = o[k as keyof typeof vars];
    if (value !== undefined) makefiles.push(`${name}=${value}`);
  }
  for (const [k, v] of Object.entries(o.compile_directories)) makefiles.push(`${k}=${v}`);
  if (o.default_database_type) makefiles.push(`default_database_type=${o.default_database_type}`);

  const upgrade: string[] = Object.entries(o.install_directories).map(([k, v]) => `${k}=${v}`);
  if (o.install_opts?.length) upgrade.push(`POSTFIX_INSTALL_OPTS=${o.install_opts.join(" ")}`);

  // The NIS-enabled default alias_maps adds nis:mail.aliases, which warns on every delivery.
  const aliasType = o.default_database_type ?? "hash";
  const settings: [string, string][] = [
    ["maillog_file", "/dev/stdout"],
    ["alias_maps", `${aliasType}:/etc/aliases`],
    ["alias_database", `${aliasType}:/etc/aliases`],
  ];
  if (features.includes("sasl-dovecot") && !features.includes("sasl-cyrus")) settings.push(["smtpd_sasl_type", "dovecot"]);
  if (!withDb) {
    // Without Berkeley DB the btree caches cannot open: lmdb can hold them; cdb is read-only,
    // so the address verification cache then lives in memory.
    const data = expandVersion(o.install_directories.data_directory ?? o.compile_directories.data_directory ?? "/var/lib/postfix", version);
    if (aliasType === "lmdb") {
      settings.push(["address_verify_map", `lmdb:${data}/verify_cache`], ["postscreen_cache_map", `lmdb:${data}/postscreen_cache`]);
    } else {
      settings.push(["address_verify_map", ""]);
    }
  }

  const expand = (s: string) => s.replace(/MAIL_VERSION$/, version);
  const parameters: Record<string, string> = {};
  for (const [k, val] of Object.entries({ ...o.compile_directories, ...o.install_directories })) parameters[k] = expand(val);
  if (o.default_database_type) parameters.default_database_type = o.default_database_type;

  const plugins: Record<string, string> = {};
  if (o.dynamicmaps) {
    for (const t of mapTypes) if (t !== "hash" && t !== "btree") plugins[t] = `postfix-${t}.so`;
  }
  const shlibDirectory = o.shared ? (parameters.shlib_directory ?? "/usr/lib/postfix") : undefined;
  const compiledShlib = expand(o.compile_directories.shlib_directory ?? "/usr/lib/postfix");
  const ldconfigDirectory = shlibDirectory && shlibDirectory !== compiledShlib ? shlibDirectory : undefined;
  const where = (name: string, fallback: string) => expand(o.install_directories[name] ?? o.compile_directories[name] ?? fallback);
  const extraPath = [where("command_directory", "/usr/sbin"), dirname(where("newaliases_path", "/usr/bin/newaliases"))]
    .filter((d, i, all) => !DEFAULT_PATH.includes(d) && all.indexOf(d) === i);
  const path = extraPath.length ? [...extraPath, ...DEFAULT_PATH].join(":") : undefined;

  const recipe: Omit<Recipe, "keys"> = {
    cellId: cell.id,
    family,
    baseImage: cell.os,
    version,
    tarball: releaseTarball(version),
    buildPackages: [...buildPackages].sort(),
    runtimePackages: [...runtimePackages].sort(),
    makefiles,
    upgrade,
    ...(ldconfigDirectory ? { ldconfigDirectory } : {}),
    ...(path ? { path } : {}),
    settings,
    expect: {
      mailVersion: version,
      mapTypes: [...mapTypes].sort(),
      absentMapTypes: OPTIONAL_MAP_TYPES.filter((t) => !mapTypes.has(t)),
      parameters,
      ...(shlibDirectory ? { shlibDirectory } : {}),
      plugins,
      saslServerTypes: [
        ...(features.includes("sasl-cyrus") ? ["cyrus"] : []),
        ...(features.includes("sasl-dovecot") ? ["dovecot"] : []),
      ],
      tls: features.includes("tls" as Feature),
      eai: features.includes("eai"),
      pie: o.pie,
      compiledDefaults: Object.fromEntries([
        ...Object.entries(o.compile_directories).map(([k, val]) => [k, expand(val)]),
        ...(o.default_database_type ? [["default_database_type", o.default_database_type]] : []),
      ]),
    },
  };
  const hash = (...parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, 16);
  const deps = hash(recipe.baseImage, recipe.buildPackages);
  const compile = hash(deps, version, makefiles);
  return { ...recipe, keys: { deps, compile, install: hash(compile, recipe.runtimePackages, upgrade, settings) } };
}
