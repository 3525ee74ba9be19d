// The throughput smoke (smtp-source into the container's own smtpd, or sendmail for a
// send-only host, into the local mailbox: never outward) and the log hygiene check.
import type { Probe } from "../../core/verify/checks.js";
import { LOG_LEVELS } from "../../core/matrix/install-vocabulary.js";
import type { Throughput } from "../../core/outcome.js";
import { CLIENT_DOMAIN } from "./smtp.js";
import { MAILBOX_FILE } from "./mailbox.js";
import { MAILBOX_USER, type PostfixShell } from "./postfix-container.js";
import type { Outcome } from "./probes.js";
import { one, sleep, token } from "./text.js";

type P<K extends Probe["kind"]> = Extract<Probe, { kind: K }>;

/** Parallel SMTP sessions smtp-source opens. */
const SESSIONS = 4;
const TIMEOUT_S = 90;

/** The in-container script: send, then wait until every mail is in the mailbox; prints `start end count`. */
export function throughputScript(p: P<"throughput">, subject: string, hostname: string): string {
  const to = `${MAILBOX_USER}@${hostname}`;
  const send =
    p.via === "smtp"
      ? `"$(postconf -xh command_directory)/smtp-source" -s ${SESSIONS} -m ${p.messages} -l 512 -S ${subject} -f sender@${CLIENT_DOMAIN} -t ${to} 127.0.0.1:25 >/tmp/pm-source.log 2>&1 || { cat /tmp/pm-source.log; exit 1; }`
      : `i=0; while [ $i -lt ${p.messages} ]; do printf 'Subject: %s\\n\\nthroughput\\n' ${subject} | "$(postconf -xh sendmail_path)" -f sender ${MAILBOX_USER} || exit 1; i=$((i+1)); done`;
  return [
    `f=${MAILBOX_FILE}`,
    "start=$(date +%s.%N)",
    send,
    `n=0; end=$(( $(date +%s) + ${TIMEOUT_S} ))`,
    `while [ "$(date +%s)" -lt $end ]; do n=$(grep -c "^Subject: ${subject}$" "$f" 2>/dev/null || true); [ "\${n:-0}" -ge ${p.messages} ] && break; sleep 0.05; done`,
    'echo "$start $(date +%s.%N) ${n:-0}"',
  ].join("\n");
}

export async function throughput(c: PostfixShell, p: P<"throughput">): Promise<Outcome & { throughput?: Throughput }> {
  const subject = token("load");
  const r = await c.sh(throughputScript(p, subject, c.hostname));
  const m = /^(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)$/m.exec(r.out);
  if (r.code !== 0 || !m) return { ok: false, detail: `could not send: ${one(`${r.out} ${r.err}`)}` };
  const seconds = Number(m[2]) - Number(m[1]);
  const delivered = Number(m[3]);
  const how = p.via === "smtp" ? `smtp-source, ${SESSIONS} sessions, to 127.0.0.1:25` : "sendmail, one at a time";
  if (delivered < p.messages)
    return { ok: false, detail: `${delivered} of ${p.messages} delivered after ${seconds.toFixed(1)} s (${how})` };
  const perSecond = Math.round((p.messages / seconds) * 10) / 10;
  return {
    ok: true,
    detail: `${p.messages} messages delivered in ${seconds.toFixed(2)} s: ${perSecond} msg/s (${how}, into the local mailbox)`,
    throughput: { messages: p.messages, seconds: Math.round(seconds * 1000) / 1000, perSecond, via: p.via },
  };
}

/** A Postfix log line at a refused level: `program[pid]: warning: ...`. */
const PROBLEM = new RegExp(`(?:^|\\s)[\\w./-]+(?:\\[\\d+\\])?: (${LOG_LEVELS.join("|")}): `);

export function judgeLog(log: string, expected: P<"log-hygiene">["expected"]): Outcome {
  const lines = log.split("\n").filter((l) => l.trim() !== "");
  const problems = lines.filter((l) => PROBLEM.test(l));
  const unexpected = problems.filter((l) => !expected.some((e) => l.includes(e.match)));
  const known = problems.length - unexpected.length;
  if (unexpected.length) {
    return { ok: false, detail: one(`${unexpected.length} unexpected: ${unexpected.slice(0, 3).join(" | ")}`, 600) };
  }
  const reasons = [...new Set(expected.filter((e) => problems.some((l) => l.includes(e.match))).map((e) => e.reason))];
  return {
    ok: true,
    detail: `${lines.length} log lines, no unexpected ${LOG_LEVELS.join("/")}${known ? `; ${known} expected (${reasons.join("; ")})` : ""}`,
  };
}

/** Waits until a marker logged now is in the captured log, so every earlier line is there too. */
export async function logHygiene(c: PostfixShell, p: P<"log-hygiene">, maillog: () => string): Promise<Outcome> {
  const marker = token("log");
  const r = await c.sh(`postlog -t pm-verify ${marker} 2>&1`);
  if (r.code !== 0) return { ok: false, detail: `postlog failed: ${one(r.out)}` };
  for (const end = Date.now() + 10_000; !maillog().includes(marker); await sleep(100)) {
    if (Date.now() > end) return { ok: false, detail: "the log marker did not reach the container's output within 10 s" };
  }
  return judgeLog(maillog(), p.expected);
}
