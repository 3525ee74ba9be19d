// The shared-library packages a Debian-family image needs at run time, known from the recipe
// (release + features) before anything is compiled, so the runtime layer is built beside the
// compile and shared by every cell with the same base and features. The build stage still
// lists what the programs really link to (ldd + dpkg -S), and the image build fails when that
// list names a package this one did not install.
import type { Feature } from "../matrix/vocabulary.js";

/** A library Postfix links to, by what needs it. */
export type RuntimeLib =
  | Exclude<Feature, "sasl-dovecot" | "eai" | "bdb" | "pcre" | "sasl-cyrus">
  | "sasl"
  | "pcre2"
  | "pcre1"
  | "db"
  | "icu"
  | "nis";

type Release = Record<RuntimeLib, string[]>;

// Names as each release's archive has them (the t64 transition renamed several in trixie/noble).
const BOOKWORM: Release = {
  tls: ["libssl3"],
  sasl: ["libsasl2-2"],
  pcre2: ["libpcre2-8-0"],
  pcre1: ["libpcre3"],
  ldap: ["libldap-2.5-0"],
  mysql: ["libmariadb3"],
  pgsql: ["libpq5"],
  sqlite: ["libsqlite3-0"],
  lmdb: ["liblmdb0"],
  cdb: ["libcdb1"],
  db: ["libdb5.3"],
  mongodb: ["libbson-1.0-0", "libmongoc-1.0-0"],
  icu: ["libicu72"],
  nis: ["libnsl2"],
};
const TRIXIE: Release = {
  ...BOOKWORM,
  tls: ["libssl3t64"],
  ldap: ["libldap2"],
  db: ["libdb5.3t64"],
  pcre1: [],
  mongodb: ["libbson-1.0-0t64", "libmongoc-1.0-0t64"],
  icu: ["libicu76"],
};
const JAMMY: Release = { ...BOOKWORM, icu: ["libicu70"] };
const NOBLE: Release = { ...TRIXIE, ldap: ["libldap2"], icu: ["libicu74"] };

/** By image tag; releases not listed (rolling ones: forky, sid) get their packages from ldd. */
const RELEASES: Record<string, Release> = {
  "debian:bookworm": BOOKWORM,
  "debian:12": BOOKWORM,
  "debian:trixie": TRIXIE,
  "debian:13": TRIXIE,
  "ubuntu:jammy": JAMMY,
  "ubuntu:22.04": JAMMY,
  "ubuntu:noble": NOBLE,
  "ubuntu:24.04": NOBLE,
};

/** The libraries a build links to: its features, Berkeley DB unless -DNO_DB, NIS unless -DNO_NIS. */
export function runtimeLibs(o: { features: readonly Feature[]; disable: readonly string[]; pcre2: boolean }): RuntimeLib[] {
  const libs = new Set<RuntimeLib>();
  for (const f of o.features) {
    if (f === "sasl-cyrus") libs.add("sasl");
    else if (f === "pcre") libs.add(o.pcre2 ? "pcre2" : "pcre1");
    else if (f === "eai") libs.add("icu");
    else if (f === "bdb") libs.add("db");
    else if (f !== "sasl-dovecot") libs.add(f);
  }
  if (!o.disable.includes("db")) libs.add("db");
  if (!o.disable.includes("nis")) libs.add("nis");
  return [...libs];
}

/** The packages for `libs` on `baseImage`, or undefined when the release has no table here. */
export function debianRuntimePackages(baseImage: string, libs: readonly RuntimeLib[]): string[] | undefined {
  const release = RELEASES[baseImage.replace(/^(docker\.io\/)?(library\/)?/, "")];
  if (!release) return undefined;
  return [...new Set(libs.flatMap((l) => release[l]))].sort();
}
