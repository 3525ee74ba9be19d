// The words a matrix may use, taken from Postfix's INSTALL document (sections 4.3-4.8, 6.3).

/** INSTALL 4.5 optional features (plus CDB and EAI), with the first release that has them. */
export const FEATURES = {
  tls: { title: "TLS (OpenSSL)", since: "2.2" },
  "sasl-cyrus": { title: "SASL (Cyrus)", since: "2.0" },
  "sasl-dovecot": { title: "SASL (Dovecot, server)", since: "2.3" },
  pcre: { title: "PCRE", since: "2.0" },
  ldap: { title: "LDAP", since: "2.0" },
  mysql: { title: "MySQL", since: "2.0" },
  pgsql: { title: "PostgreSQL", since: "2.0" },
  sqlite: { title: "SQLite", since: "2.8" },
  lmdb: { title: "LMDB", since: "2.11" },
  cdb: { title: "CDB (tinycdb)", since: "2.2" },
  bdb: { title: "Berkeley DB", since: "2.0" },
  mongodb: { title: "MongoDB", since: "3.9" },
  eai: { title: "EAI/SMTPUTF8 (ICU)", since: "3.0" },
} as const;
export type Feature = keyof typeof FEATURES;
export const FEATURE_NAMES = Object.keys(FEATURES) as Feature[];

/** CCARGS -DNO_* switches, as lower-case names: `disable: [nis]` means -DNO_NIS. */
export const NO_SWITCHES = [
  "db",
  "dnssec",
  "devpoll",
  "epoll",
  "eai",
  "inline",
  "ipv6",
  "kqueue",
  "nis",
  "nisplus",
  "pcre",
  "posix_getpw_r",
  "res_ncalls",
  "sigsetjmp",
  "snprintf",
] as const;
export type NoSwitch = (typeof NO_SWITCHES)[number];

/** The 16 names INSTALL 4.6 and makedefs accept. */
export const DIRECTORY_NAMES = [
  "command_directory",
  "config_directory",
  "daemon_directory",
  "data_directory",
  "html_directory",
  "mail_spool_directory",
  "mailq_path",
  "manpage_directory",
  "meta_directory",
  "newaliases_path",
  "queue_directory",
  "readme_directory",
  "sendmail_path",
  "shlib_directory",
  "openssl_path",
  "default_database_type",
] as const;
export type DirectoryName = Exclude<(typeof DIRECTORY_NAMES)[number], "default_database_type">;
export const PATH_NAMES = DIRECTORY_NAMES.filter((n) => n !== "default_database_type") as DirectoryName[];

/** Compile-time only: `make upgrade` (postfix-install's CONFIG_PARAMS) takes all the others. */
const COMPILE_ONLY = ["mail_spool_directory", "openssl_path"] as const;
export type InstallDirectoryName = Exclude<DirectoryName, (typeof COMPILE_ONLY)[number]>;
export const INSTALL_DIRECTORY_NAMES = PATH_NAMES.filter(
  (n): n is InstallDirectoryName => !(COMPILE_ONLY as readonly string[]).includes(n),
) as readonly InstallDirectoryName[];

/** html/readme/manpage accept "no" to skip installing those files. */
export const NO_ALLOWED: ReadonlySet<string> = new Set(["html_directory", "readme_directory", "manpage_directory"]);

export const DATABASE_TYPES = ["hash", "btree", "lmdb", "cdb"] as const;
export type DatabaseType = (typeof DATABASE_TYPES)[number];

export const LAYOUTS = ["upstream", "debian", "fedora"] as const;
export type LayoutName = (typeof LAYOUTS)[number];
