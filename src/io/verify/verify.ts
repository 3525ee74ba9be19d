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
      }
      if ("pcre" in p.plugins) {
        const q = await sh(c, "printf '/^pm-(.*)$/ got-$1\\n' > /tmp/pm.pcre && postmap -q pm-probe pcre:/tmp/pm.pcre");
        if (q.out !== "got-probe") problems.push(`pcre lookup gave ${JSON.stringify(q.out)} ${one(q.err)}`);
      }
      for (const t of ["cdb", "lmdb"].filter((t) => t in p.plugins)) {
        const q = await sh(c, `printf 'pm-key pm-${t}\\n' > /tmp/pm-${t} && postmap ${t}:/tmp/pm-${t} && postmap -q pm-key ${t}:/tmp/pm-${t}`);
        if (q.out !== `pm-${t}`) problems.push(`${t} lookup gave ${JSON.stringify(q.out)} ${one(q.err)}`);
      }
      return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${Object.keys(p.plugins).join(" ")} listed and loaded` };
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

function target(c: StartedTestContainer) {
  return { host: c.getHost(), port: c.getMappedPort(25) };
}
