// The "lookups" probe's table: one use of each map type, by type name.
export type LookupProbe = { setup: string; table: string } & ({ expect: string } | { connectError: RegExp });

/**
 * How to use each map type once. Real lookups where no server is needed; for client types a
 * connection to a closed port on the container's own loopback, whose error proves the
 * client library loaded (an unloadable plugin says "unsupported dictionary type").
 */
export const LOOKUP_PROBES: Record<string, LookupProbe> = {
  hash: { setup: "printf 'pm-key pm-hash\\n' > /tmp/pm-hash && postmap hash:/tmp/pm-hash", table: "/tmp/pm-hash", expect: "pm-hash" },
  btree: {
    setup: "printf 'pm-key pm-btree\\n' > /tmp/pm-btree && postmap btree:/tmp/pm-btree",
    table: "/tmp/pm-btree",
    expect: "pm-btree",
  },
  cdb: { setup: "printf 'pm-key pm-cdb\\n' > /tmp/pm-cdb && postmap cdb:/tmp/pm-cdb", table: "/tmp/pm-cdb", expect: "pm-cdb" },
  lmdb: { setup: "printf 'pm-key pm-lmdb\\n' > /tmp/pm-lmdb && postmap lmdb:/tmp/pm-lmdb", table: "/tmp/pm-lmdb", expect: "pm-lmdb" },
  pcre: { setup: "printf '/^pm-(.*)$/ pcre-$1\\n' > /tmp/pm.pcre", table: "/tmp/pm.pcre", expect: "pcre-key" },
  sqlite: {
    // A zero-length file is a valid, empty SQLite database; the query needs no table.
    setup:
      ": > /tmp/pm.sqlite && printf '%s\\n' 'dbpath = /tmp/pm.sqlite' \"query = SELECT 'pm-sqlite' WHERE '%s' = 'pm-key'\" > /tmp/pm-sqlite.cf",
    table: "/tmp/pm-sqlite.cf",
    expect: "pm-sqlite",
  },
  mysql: {
    setup: "printf '%s\\n' 'hosts = inet:127.0.0.1:9' 'user = pm' 'password = pm' 'dbname = pm' 'query = SELECT 1' > /tmp/pm-mysql.cf",
    table: "/tmp/pm-mysql.cf",
    connectError: /connect to mysql server|Can't connect|Connection refused/i,
  },
  pgsql: {
    setup: "printf '%s\\n' 'hosts = inet:127.0.0.1:9' 'user = pm' 'password = pm' 'dbname = pm' 'query = SELECT 1' > /tmp/pm-pgsql.cf",
    table: "/tmp/pm-pgsql.cf",
    connectError: /connect to pgsql server|Connection refused|could not connect/i,
  },
  ldap: {
    setup: "printf '%s\\n' 'server_host = ldap://127.0.0.1:9' 'search_base = dc=pm' 'timeout = 2' > /tmp/pm-ldap.cf",
    table: "/tmp/pm-ldap.cf",
    connectError: /dict_ldap|Can't contact LDAP server|Unable to bind/i,
  },
  mongodb: {
    setup:
      "printf '%s\\n' 'uri = mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=1500&connectTimeoutMS=500' 'dbname = pm' 'collection = pm' 'query_filter = {\"k\":\"%s\"}' 'result_attribute = v' > /tmp/pm-mongodb.cf",
    // The driver reports no server as "not found" (exit 1, no message) after its selection timeout.
    table: "/tmp/pm-mongodb.cf",
    connectError: /mongodb|No suitable servers|connection refused|^rc=1$/im,
  },
};
