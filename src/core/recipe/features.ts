// How each optional feature is built on Linux (INSTALL 4.5 and the *_README files), per family.
import type { Feature } from "../matrix/vocabulary.js";
import type { Family } from "./family.js";

export interface FeatureBuild {
  ccargs: string[];
  /** Libraries linked into everything (AUXLIBS). */
  auxlibs?: string[];
  /** A map type's own libraries: AUXLIBS_<NAME>, which dynamicmaps links only into its plugin. */
  mapLibs?: { name: string; libs: string[] };
  /** Map types `postconf -m` then lists. */
  mapTypes: string[];
  /** Development packages per family (empty: nothing to install). */
  packages: Record<Family, string[]>;
  /** Packages the runtime needs that no binary links to (plugins, tools). */
  runtimeExtras?: Record<Family, string[]>;
}

export function featureBuild(feature: Feature, opts: { pcre2: boolean; saslCyrus: boolean }): FeatureBuild {
  switch (feature) {
    case "tls":
      return {
        ccargs: ["-DUSE_TLS"],
        auxlibs: ["-lssl", "-lcrypto"],
        mapTypes: [],
        packages: { debian: ["libssl-dev"], fedora: ["openssl-devel"], alpine: ["openssl-dev"] },
        // `postfix tls` and the verification's self-signed certificate use the openssl tool.
        runtimeExtras: { debian: ["openssl"], fedora: ["openssl"], alpine: ["openssl"] },
      };
    case "sasl-cyrus":
      return {
        ccargs: ["-DUSE_SASL_AUTH", "-DUSE_CYRUS_SASL", "-I/usr/include/sasl"],
        auxlibs: ["-lsasl2"],
        mapTypes: [],
        packages: { debian: ["libsasl2-dev"], fedora: ["cyrus-sasl-devel"], alpine: ["cyrus-sasl-dev"] },
        runtimeExtras: { debian: ["libsasl2-modules"], fedora: ["cyrus-sasl-plain"], alpine: ["cyrus-sasl"] },
      };
    case "sasl-dovecot":
      // Dovecot SASL needs no library; with Cyrus present USE_SASL_AUTH is already there.
      return { ccargs: opts.saslCyrus ? [] : ["-DUSE_SASL_AUTH"], mapTypes: [], packages: { debian: [], fedora: [], alpine: [] } };
    case "pcre":
      // makedefs finds pcre2-config (or pcre-config) itself and sets HAS_PCRE and AUXLIBS_PCRE.
      return {
        ccargs: [],
        mapTypes: ["pcre"],
        packages: opts.pcre2
          ? { debian: ["libpcre2-dev"], fedora: ["pcre2-devel"], alpine: ["pcre2-dev"] }
          : { debian: ["libpcre3-dev"], fedora: ["pcre-devel"], alpine: ["pcre-dev"] },
      };
    case "ldap":
      return {
        ccargs: ["-DHAS_LDAP"],
        mapLibs: { name: "LDAP", libs: ["-lldap", "-llber"] },
        mapTypes: ["ldap"],
        packages: { debian: ["libldap-dev"], fedora: ["openldap-devel"], alpine: ["openldap-dev"] },
      };
    case "mysql":
      return {
        ccargs: ["-DHAS_MYSQL", "-I/usr/include/mysql"],
        mapLibs: { name: "MYSQL", libs: ["-lmysqlclient"] },
        mapTypes: ["mysql"],
        packages: { debian: ["default-libmysqlclient-dev"], fedora: ["mariadb-connector-c-devel"], alpine: ["mariadb-connector-c-dev"] },
      };
    case "pgsql":
      return {
        ccargs: ["-DHAS_PGSQL", "-I/usr/include/postgresql"],
        mapLibs: { name: "PGSQL", libs: ["-lpq"] },
        mapTypes: ["pgsql"],
        packages: { debian: ["libpq-dev"], fedora: ["libpq-devel"], alpine: ["postgresql-dev"] },
      };
    case "sqlite":
      return {
        ccargs: ["-DHAS_SQLITE"],
        mapLibs: { name: "SQLITE", libs: ["-lsqlite3", "-lpthread"] },
        mapTypes: ["sqlite"],
        packages: { debian: ["libsqlite3-dev"], fedora: ["sqlite-devel"], alpine: ["sqlite-dev"] },
      };
    case "lmdb":
      return {
        ccargs: ["-DHAS_LMDB"],
        mapLibs: { name: "LMDB", libs: ["-llmdb"] },
        mapTypes: ["lmdb"],
        packages: { debian: ["liblmdb-dev"], fedora: ["lmdb-devel"], alpine: ["lmdb-dev"] },
      };
    case "cdb":
      return {
        ccargs: ["-DHAS_CDB"],
        mapLibs: { name: "CDB", libs: ["-lcdb"] },
        mapTypes: ["cdb"],
        packages: { debian: ["libcdb-dev"], fedora: ["tinycdb-devel"], alpine: ["tinycdb-dev"] },
      };
    case "bdb":
      // Linux builds Berkeley DB support unless -DNO_DB; the feature only makes it explicit.
      return { ccargs: [], mapTypes: ["hash", "btree"], packages: { debian: ["libdb-dev"], fedora: ["libdb-devel"], alpine: ["db-dev"] } };
    case "mongodb":
      return {
        ccargs: ["-DHAS_MONGODB", "-I/usr/include/libmongoc-1.0", "-I/usr/include/libbson-1.0"],
        mapLibs: { name: "MONGODB", libs: ["-lmongoc-1.0", "-lbson-1.0"] },
        mapTypes: ["mongodb"],
        packages: { debian: ["libmongoc-dev"], fedora: ["mongo-c-driver-devel"], alpine: ["mongo-c-driver-dev"] },
      };
    case "eai":
      // makedefs finds ICU through pkg-config.
      return { ccargs: [], mapTypes: [], packages: { debian: ["libicu-dev"], fedora: ["libicu-devel"], alpine: ["icu-dev"] } };
  }
}
