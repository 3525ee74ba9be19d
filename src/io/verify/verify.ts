// Starts a built image with testcontainers and runs the cell's checks against it.
// Verification containers never deliver outward: every transport but local is `error`.
import { randomBytes } from "node:crypto";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import type { CheckSpec, Probe } from "../../core/verify/checks.js";
import { sendMail } from "./smtp.js";

export interface CheckResult {
  name: string;
  status: "pass" | "fail";
  detail: string;
}

export interface VerifyResult {
  checks: CheckResult[];
  /** Container start until Postfix logged `daemon started`. */
  startupSeconds: number;
  seconds: number;
  /** Taken from the verification cache rather than run now. */
  cached?: boolean;
}

/** Tracks running verification containers so an interrupt can remove them. */
export class ContainerRegistry {
  private readonly running = new Set<StartedTestContainer>();
  add(c: StartedTestContainer) { this.running.add(c); }
  delete(c: StartedTestContainer) { this.running.delete(c); }
  async stopAll(): Promise<number> {
    const all = [...this.running];
    await Promise.allSettled(all.map((c) => c.stop({ timeout: 1_000, remove: true })));
    this.running.clear();
    return all.length;
  }
}

export const VERIFY_HOSTNAME = "verify.postfix-matrix.test";
const MAILBOX_USER = "pmcheck";

export async function verifyImage(
  image: string,
  checks: readonly CheckSpec[],
  opts: { registry?: ContainerRegistry; tls: boolean; log?: (line: string) => void; signal?: AbortSignal },
): Promise<VerifyResult> {
  const t0 = Date.now();
  const setup = [
    `postconf -e myhostname=${VERIFY_HOSTNAME} default_transport=error relay_transport=error`,
    // A self-signed certificate for the STARTTLS check (postfix tls, Postfix >= 3.1).
    ...(opts.tls ? ["postfix tls enable-server >/dev/null"] : []),
    `(id ${MAILBOX_USER} >/dev/null 2>&1 || useradd --create-home ${MAILBOX_USER})`,
    "exec postfix start-fg",
  ].join(" && ");
  const container = await new GenericContainer(image)
    .withCommand(["sh", "-c", setup])
    .withExposedPorts(25)
    .withLabels({ "org.postfix-matrix.role": "verify" })
    .withWaitStrategy(Wait.forLogMessage(/daemon started/).withStartupTimeout(60_000))
    .start();
  opts.registry?.add(container);
  const startupSeconds = (Date.now() - t0) / 1000;
  try {
    const results: CheckResult[] = [];
    for (const c of checks) {
      // An interrupt that came while the container was starting: stop here, finally cleans up.
      if (opts.signal?.aborted) throw new Error("interrupted");
      let r: { ok: boolean; detail: string };
      try {
        r = await runProbe(container, c.probe);
      } catch (e) {
        r = { ok: false, detail: (e as Error).message };
      }
      results.push({ name: c.name, status: r.ok ? "pass" : "fail", detail: r.detail });
      opts.log?.(`${r.ok ? "pass" : "FAIL"} ${c.name}: ${r.detail}`);
    }
    return { checks: results, startupSeconds, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await container.stop({ timeout: 1_000, remove: true });
    opts.registry?.delete(container);
  }
}

async function sh(c: StartedTestContainer, cmd: string) {
  const r = await c.exec(["sh", "-c", cmd]);
  return { code: r.exitCode, out: r.stdout.trim(), err: r.stderr.trim() };
}

const one = (s: string) => s.replace(/\s+/g, " ").slice(0, 300);

async function runProbe(c: StartedTestContainer, p: Probe): Promise<{ ok: boolean; detail: string }> {
  switch (p.kind) {
    case "postfix-check": {
      const r = await sh(c, "postfix check 2>&1");
      const ok = r.code === 0 && r.out === "";
      return { ok, detail: ok ? "exit 0, no warnings" : `exit ${r.code}: ${one(r.out)}` };
    }
    case "postconf": {
      const r = await sh(c, `postconf -xh ${p.parameter}`);
      return { ok: r.code === 0 && r.out === p.expect, detail: r.code === 0 ? `${r.out}${r.out === p.expect ? "" : ` (expected ${p.expect})`}` : one(r.err) };
    }
    case "map-types": {
      const r = await sh(c, "postconf -m");
      const have = new Set(r.out.split(/\s+/));
      const missing = p.present.filter((t) => !have.has(t));
      const extra = p.absent.filter((t) => have.has(t));
      const ok = r.code === 0 && missing.length === 0 && extra.length === 0;
      return {
        ok,
        detail: ok
          ? `has ${p.present.join(" ") || "(no optional types)"}; lacks ${p.absent.join(" ") || "-"}`
          : `${missing.length ? `missing ${missing.join(" ")} ` : ""}${extra.length ? `unexpected ${extra.join(" ")}` : ""}`.trim(),
      };
    }
    case "shlib": {
      const r = await sh(c, `ldd "$(postconf -xh command_directory)/postconf" | grep libpostfix`);
      const lines = r.out.split("\n").filter(Boolean);
      // "libpostfix-util.so => /usr/lib/postfix/libpostfix-util.so (0x...)": the directory must match exactly.
      const dirOf = (l: string) => /=>\s+(\S+)\/[^/\s]+\s/.exec(l)?.[1];
      const bad = lines.filter((l) => dirOf(l) !== p.directory);
      const ok = r.code === 0 && lines.length > 0 && bad.length === 0;
      return { ok, detail: ok ? `${lines.length} libpostfix libraries from ${p.directory}` : one(bad.join("; ") || r.out || "no libpostfix libraries linked") };
    }
    case "plugins": {
      const cf = await sh(c, `cat "$(postconf -xh meta_directory)/dynamicmaps.cf"`);
      const problems: string[] = [];
      for (const [type, file] of Object.entries(p.plugins)) {
        if (!new RegExp(`^${type}\\s+\\S*${file.replace(/\./g, "\\.")}`, "m").test(cf.out)) problems.push(`${type} not in dynamicmaps.cf`);
        const f = await sh(c, `test -f "$(postconf -xh shlib_directory)/${file}"`);
        if (f.code !== 0) problems.push(`${file} missing from shlib_directory`);
      }
      return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${Object.keys(p.plugins).join(" ")} listed in dynamicmaps.cf, files present` };
    }
    case "lookups": {
      const problems: string[] = [];
      const done: string[] = [];
      for (const type of p.types) {
        const probe = LOOKUP_PROBES[type];
        if (!probe) continue;
        const r = await sh(c, `${probe.setup} && postmap -q pm-key ${type}:${probe.table}; echo "rc=$?"`);
        const all = `${r.out}\n${r.err}`;
        if (/unsupported dictionary type|dlopen|cannot open shared object|undefined symbol/i.test(all)) {
          problems.push(`${type} did not load: ${one(r.err)}`);
        } else if ("expect" in probe ? !r.out.startsWith(`${probe.expect}\n`) : !probe.connectError.test(all)) {
          problems.push(`${type}: ${one(all)}`);
        } else {
          done.push(type);
        }
      }
      return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `looked up ${done.join(" ")}` };
    }
    case "build-record": {
      const r = await sh(c, `cat "$(postconf -xh meta_directory)/makedefs.out"`);
      if (r.code !== 0) return { ok: false, detail: `no makedefs.out: ${one(r.err)}` };
      const lines = r.out.split("\n");
      const missing = p.expect.filter((x) => !lines.some((l) => recordMatches(l, x)));
      return {
        ok: missing.length === 0,
        detail: missing.length ? `makedefs.out lacks ${missing.map((m) => `${m.name}=${m.value}`).join("; ")}` : `makedefs.out records ${p.expect.map((x) => x.name).join(" ") || "plain make makefiles"}`,
      };
    }
    case "compiled-defaults": {
      const bad: string[] = [];
      for (const [name, want] of Object.entries(p.defaults)) {
        const r = await sh(c, `postconf -dxh ${name}`);
        if (r.out !== want) bad.push(`${name} = ${r.out || one(r.err)} (expected ${want})`);
      }
      return { ok: bad.length === 0, detail: bad.length ? bad.join("; ") : Object.entries(p.defaults).map(([k, v]) => `${k}=${v}`).join(" ") };
    }
    case "pie": {
      // ELF e_type at offset 16: 3 (ET_DYN) for a position-independent executable.
      const r = await sh(c, `od -An -tu2 -j16 -N2 "$(postconf -xh command_directory)/postconf"`);
      return { ok: r.out.trim() === "3", detail: r.out.trim() === "3" ? "postconf is ET_DYN (PIE)" : `ELF type ${r.out.trim()}` };
    }
    case "eai": {
      // With EAI the default is an expression over compatibility_level (yes from level 1, which
      // the installed main.cf sets); without it the build fixes it to "no".
      const r = await sh(c, "postconf -xh smtputf8_enable");
      const want = p.enabled ? "yes" : "no";
      return { ok: r.out === want, detail: `smtputf8_enable = ${r.out}${r.out === want ? "" : ` (expected ${want})`}` };
    }
    case "sasl": {
      const r = await sh(c, "postconf -a");
      const have = r.out.split(/\s+/);
      const missing = p.types.filter((t) => !have.includes(t));
      return { ok: missing.length === 0, detail: missing.length ? `missing ${missing.join(" ")}` : `offers ${have.join(" ")}` };
    }
    case "no-toolchain": {
      const r = await sh(c, "for t in gcc cc make; do command -v $t; done; ls -d /usr/src/postfix* 2>/dev/null; true");
      return { ok: r.out === "", detail: r.out === "" ? "no gcc, cc, make or source tree" : `found ${one(r.out)}` };
    }
    case "mail-delivery": {
      const token = `pm-${randomBytes(8).toString("hex")}`;
      const s = await sendMail(target(c), { from: "sender@client.postfix-matrix.test", to: `${MAILBOX_USER}@${VERIFY_HOSTNAME}` }, `token ${token}`);
      if (!s.accepted) return { ok: false, detail: `SMTP refused: ${one(s.response)}` };
      for (let i = 0; i < 60; i++) {
        const r = await sh(c, `grep -l ${token} "$(postconf -xh mail_spool_directory)/${MAILBOX_USER}" 2>/dev/null`);
        if (r.code === 0) return { ok: true, detail: `token delivered to ${r.out}` };
        await new Promise((res) => setTimeout(res, 250));
      }
      const q = await sh(c, "postqueue -p 2>&1 | tail -5");
      return { ok: false, detail: `accepted (${one(s.response)}) but not in the mailbox after 15 s; queue: ${one(q.out)}` };
    }
    case "relay-refused": {
      const s = await sendMail(target(c), { from: "sender@client.postfix-matrix.test", to: "someone@relay-test.invalid" }, "relay probe");
      const ok = !s.accepted && (s.code ?? 0) >= 400 && /relay access denied/i.test(s.response);
      return { ok, detail: s.accepted ? `ACCEPTED for relay: ${one(s.response)}` : one(s.response) };
    }
    case "starttls": {
      const s = await sendMail(target(c), { from: "sender@client.postfix-matrix.test", to: `${MAILBOX_USER}@${VERIFY_HOSTNAME}` }, "tls probe", { requireTLS: true });
      return { ok: s.accepted, detail: s.accepted ? "STARTTLS offered, handshake done, mail accepted over TLS" : one(s.response) };
    }
  }
}

/**
 * How to use each map type once. Real lookups where no server is needed; for client types a
 * connection to a closed port on the container's own loopback, whose error proves the
 * client library loaded (an unloadable plugin says "unsupported dictionary type").
 */
const LOOKUP_PROBES: Record<string, { setup: string; table: string } & ({ expect: string } | { connectError: RegExp })> = {
  hash: { setup: "printf 'pm-key pm-hash\\n' > /tmp/pm-hash && postmap hash:/tmp/pm-hash", table: "/tmp/pm-hash", expect: "pm-hash" },
  btree: { setup: "printf 'pm-key pm-btree\\n' > /tmp/pm-btree && postmap btree:/tmp/pm-btree", table: "/tmp/pm-btree", expect: "pm-btree" },
  cdb: { setup: "printf 'pm-key pm-cdb\\n' > /tmp/pm-cdb && postmap cdb:/tmp/pm-cdb", table: "/tmp/pm-cdb", expect: "pm-cdb" },
  lmdb: { setup: "printf 'pm-key pm-lmdb\\n' > /tmp/pm-lmdb && postmap lmdb:/tmp/pm-lmdb", table: "/tmp/pm-lmdb", expect: "pm-lmdb" },
  pcre: { setup: "printf '/^pm-(.*)$/ pcre-$1\\n' > /tmp/pm.pcre", table: "/tmp/pm.pcre", expect: "pcre-key" },
  sqlite: {
    // A zero-length file is a valid, empty SQLite database; the query needs no table.
    setup: ": > /tmp/pm.sqlite && printf '%s\\n' 'dbpath = /tmp/pm.sqlite' \"query = SELECT 'pm-sqlite' WHERE '%s' = 'pm-key'\" > /tmp/pm-sqlite.cf",
    table: "/tmp/pm-sqlite.cf", expect: "pm-sqlite",
  },
  mysql: {
    setup: "printf '%s\\n' 'hosts = inet:127.0.0.1:9' 'user = pm' 'password = pm' 'dbname = pm' 'query = SELECT 1' > /tmp/pm-mysql.cf",
    table: "/tmp/pm-mysql.cf", connectError: /connect to mysql server|Can't connect|Connection refused/i,
  },
  pgsql: {
    setup: "printf '%s\\n' 'hosts = inet:127.0.0.1:9' 'user = pm' 'password = pm' 'dbname = pm' 'query = SELECT 1' > /tmp/pm-pgsql.cf",
    table: "/tmp/pm-pgsql.cf", connectError: /connect to pgsql server|Connection refused|could not connect/i,
  },
  ldap: {
    setup: "printf '%s\\n' 'server_host = ldap://127.0.0.1:9' 'search_base = dc=pm' 'timeout = 2' > /tmp/pm-ldap.cf",
    table: "/tmp/pm-ldap.cf", connectError: /dict_ldap|Can't contact LDAP server|Unable to bind/i,
  },
  mongodb: {
    setup: "printf '%s\\n' 'uri = mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=1500&connectTimeoutMS=500' 'dbname = pm' 'collection = pm' 'query_filter = {\"k\":\"%s\"}' 'result_attribute = v' > /tmp/pm-mongodb.cf",
    // The driver reports no server as "not found" (exit 1, no message) after its selection timeout.
    table: "/tmp/pm-mongodb.cf", connectError: /mongodb|No suitable servers|connection refused|^rc=1$/im,
  },
};

function recordMatches(line: string, x: { how: "summary" | "line" | "prefix"; name: string; value: string }): boolean {
  if (x.how === "summary") return line === `# ${x.name}=${x.value}`;
  const m = /^(\S+)\s*=\s?(.*)$/.exec(line);
  if (!m || m[1] !== x.name) return false;
  return x.how === "line" ? m[2]!.trim() === x.value.trim() : m[2]!.startsWith(x.value);
}

function target(c: StartedTestContainer) {
  return { host: c.getHost(), port: c.getMappedPort(25) };
}
