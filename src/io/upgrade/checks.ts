// The upgrade checks, one function per CheckId over what the scenario has done so far.
// scenario.ts runs them in the scenario's order; a thrown error there is a failed check.
import path from "node:path";
import { shellQuote, shellWords } from "../../core/recipe/shell.js";
import type { CheckId, UpgradeScenario } from "../../core/upgrade/model.js";
import { countInMailbox, deliverToken, mailToUser, waitMailbox } from "../verify/mailbox.js";
import type { Exec, PostfixContainer } from "../verify/postfix-container.js";
import { DYNAMICMAPS_CF, inDynamicmaps, postfixCheck, relayRefused, type Outcome } from "../verify/probes.js";
import { one, sleep, token } from "../verify/text.js";
import { queue, waitRunning } from "./queue.js";

export const TREE = "/usr/src/postfix";

/** A queued test mail: its envelope sender's local part and its body token. */
export interface TestMail {
  sender: string;
  body: string;
}

export interface CheckContext {
  s: UpgradeScenario;
  pf: PostfixContainer;
  held: TestMail;
  deferred: TestMail;
  /** Set by mail-queued; read by the queue checks. */
  queueIds: { held?: string; deferred?: string };
  /** `make upgrade`'s result: the sequence runs it (and keeps its log) before make-upgrade. */
  upgrade?: Exec;
}

export type UpgradeCheckFn = (x: CheckContext) => Promise<Outcome>;

// Upgrade details may run longer than an image check's.
const brief = (s: string, max = 400) => one(s, max);

export const UPGRADE_CHECKS: Record<CheckId, UpgradeCheckFn> = {
  async "from-running"({ s, pf }) {
    const r = await pf.sh("postconf -h mail_version && postfix status 2>&1");
    const version = r.out.split("\n")[0] ?? "";
    const ok = r.code === 0 && version === s.from.recipe.version;
    return { ok, detail: ok ? `Postfix ${version} running` : `mail_version ${version}, postfix status exit ${r.code}: ${brief(r.out)}` };
  },
  "mail-queued": mailQueued,
  async "runtime-packages"({ s, pf }) {
    const extras = s.to.recipe.runtimePackages;
    const r = await pf.sh(
      `missing=$(for p in $(cat ${TREE}/.runtime-packages) ${shellWords(extras)}; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done); ` +
        `if [ -n "$missing" ]; then echo "installing:" $missing; apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || exit 1; else echo "already installed:" $(cat ${TREE}/.runtime-packages); fi`,
    );
    return { ok: r.code === 0, detail: r.code === 0 ? brief(r.out) : `apt-get failed: ${brief(r.out + r.err)}` };
  },
  async "make-upgrade"({ upgrade }) {
    if (!upgrade) return { ok: false, detail: "make upgrade did not run" };
    const tail = upgrade.out.split("\n").slice(-4).join(" | ");
    return {
      ok: upgrade.code === 0,
      detail:
        upgrade.code === 0
          ? `exit 0 (${upgrade.out.split("\n").filter((l) => l.startsWith("Updating")).length} files updated)`
          : `exit ${upgrade.code}: ${brief(tail, 600)}`,
    };
  },
  apply,
  "postfix-check": ({ pf }) => postfixCheck(pf, 800),
  async "mail-version"({ s, pf }) {
    const r = await pf.sh("postconf -h mail_version");
    const want = s.to.recipe.version;
    return {
      ok: r.code === 0 && r.out === want,
      detail: r.code === 0 ? `${r.out}${r.out === want ? "" : ` (expected ${want})`}` : brief(r.err),
    };
  },
  async "shlib-directory"({ s, pf }) {
    const r = await pf.sh("postconf -xh shlib_directory; postconf -h shlib_directory");
    const [expanded = "", raw = ""] = r.out.split("\n");
    const wantRaw = s.to.shlibSetting?.endsWith("MAIL_VERSION") ? s.to.shlibSetting.replace(/MAIL_VERSION$/, "${mail_version}") : undefined;
    const ok = expanded === s.to.shlibDirectory && (!wantRaw || raw === wantRaw);
    return {
      ok,
      detail: `main.cf: shlib_directory = ${raw} -> ${expanded}${ok ? "" : ` (expected ${wantRaw ?? s.to.shlibDirectory} -> ${s.to.shlibDirectory})`}`,
    };
  },
  async "shlib-resolution"({ s, pf }) {
    const dir = s.to.shlibDirectory!;
    const r = await pf.sh(
      `for b in "$(postconf -xh command_directory)/postconf" "$(postconf -xh daemon_directory)/smtpd"; do ldd "$b" | grep libpostfix | sed "s|^|$(basename $b): |"; done`,
    );
    const lines = r.out
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    const bad = lines.filter((l) => !l.includes(`=> ${dir}/`));
    const ok = lines.length > 0 && bad.length === 0;
    return {
      ok,
      detail: ok
        ? `postconf and smtpd: ${lines.length} libpostfix links, all from ${dir}`
        : brief(bad.join("; ") || r.out || "no libpostfix libraries linked"),
    };
  },
  async "shlib-versions-kept"({ s, pf }) {
    const dirs = [s.from.shlibDirectory!, s.to.shlibDirectory!];
    const r = await pf.sh(dirs.map((d) => `echo "${d}: $(ls ${shellQuote(d)}/ 2>/dev/null | grep -c '^libpostfix-')"`).join("; "));
    const counts = r.out.split("\n").map((l) => Number(l.split(": ")[1] ?? 0));
    const ok = counts.length === 2 && counts.every((n) => n > 0);
    return { ok, detail: `libpostfix-* files: ${brief(r.out.replace(/\n/g, ", "))}` };
  },
  "running-libraries": runningLibraries,
  async plugins({ s, pf }) {
    const p = s.to.recipe.expect.plugins;
    const cf = await pf.sh(DYNAMICMAPS_CF);
    const problems: string[] = [];
    for (const [type, file] of Object.entries(p)) {
      if (!inDynamicmaps(cf.out, type, file)) problems.push(`${type} not in dynamicmaps.cf`);
    }
    if ("pcre" in p) {
      const q = await pf.sh("printf '/^pm-(.*)$/ got-$1\\n' > /tmp/pm.pcre && postmap -q pm-probe pcre:/tmp/pm.pcre 2>&1");
      if (q.out !== "got-probe") problems.push(`pcre lookup gave ${brief(q.out)}`);
    }
    return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${Object.keys(p).join(" ")} listed and loaded` };
  },
  "settings-kept": settingsKept,
  async "queue-kept"({ pf, queueIds }) {
    const q = await queue(pf);
    const h = q.find((e) => e.id === queueIds.held);
    const d = q.find((e) => e.id === queueIds.deferred);
    const ok = h?.queue === "hold" && d !== undefined && d.queue !== "hold";
    return { ok, detail: ok ? `${h.id} still on hold, ${d.id} still ${d.queue}` : `queue now: ${brief(JSON.stringify(q))}` };
  },
  "queue-delivered": queueDelivered,
  async "new-mail"({ pf }) {
    const d = await deliverToken(pf, token("new"), token("new-body"));
    if (!d.accepted) return { ok: false, detail: `SMTP refused: ${brief(d.response)}` };
    if (d.delivered) return { ok: true, detail: `accepted (${brief(d.response, 80)}) and delivered` };
    return { ok: false, detail: `accepted but not in the mailbox after 15 s; queue: ${brief(d.queueTail)}` };
  },
  "relay-refused": ({ pf }) => relayRefused(pf, 400),
};

/** Sends the two test mails and waits until qmgr has deferred both (defer_transports = local), then holds one. */
async function mailQueued({ pf, held, deferred, queueIds }: CheckContext): Promise<Outcome> {
  for (const m of [held, deferred]) {
    const r = await mailToUser(pf, m.sender, `token ${m.body}`);
    if (!r.accepted) return { ok: false, detail: `SMTP refused ${m.sender}: ${brief(r.response)}` };
  }
  for (let i = 0; i < 60; i++) {
    const q = await queue(pf);
    const h = q.find((e) => e.sender.startsWith(held.sender));
    const d = q.find((e) => e.sender.startsWith(deferred.sender));
    if (h && d && h.queue === "deferred" && d.queue === "deferred") {
      queueIds.held = h.id;
      queueIds.deferred = d.id;
      break;
    }
    await sleep(250);
  }
  if (!queueIds.held || !queueIds.deferred)
    return { ok: false, detail: `mail did not reach the deferred queue: ${brief(JSON.stringify(await queue(pf)))}` };
  const hold = await pf.sh(`postsuper -h ${queueIds.held} 2>&1`);
  const q = await queue(pf);
  const h = q.find((e) => e.id === queueIds.held);
  const ok = hold.code === 0 && h?.queue === "hold";
  return {
    ok,
    detail: ok
      ? `${queueIds.held} on hold, ${queueIds.deferred} deferred`
      : `postsuper -h: ${brief(hold.out)}; queue: ${brief(JSON.stringify(q))}`,
  };
}

async function apply({ s, pf }: CheckContext): Promise<Outcome> {
  if (s.apply === "reload") {
    const r = await pf.sh("postfix reload 2>&1");
    if (r.code !== 0) return { ok: false, detail: `postfix reload exit ${r.code}: ${brief(r.out)}` };
  } else {
    // PID 1 is `postfix start-fg`: `postfix stop` would end the container, so restart it
    // (SIGTERM, then 10 s for master to stop its children; testcontainers takes milliseconds).
    await pf.restart(10_000);
  }
  const up = await waitRunning(pf);
  if (!up.ok) return up;
  const exe = await pf.sh("readlink /proc/1/exe; cat /proc/1/comm");
  return {
    ok: true,
    detail: `${s.apply === "reload" ? "postfix reload" : "container restarted"}; ${up.detail}; PID 1 ${brief(exe.out)}${/deleted/.test(exe.out) ? " (the old master keeps running: reload re-reads configuration, new daemons start from the new binaries)" : ""}`,
  };
}

/** "(deleted)" in a process's maps: make upgrade replaced the file under a process still running the old release. */
async function runningLibraries({ s, pf }: CheckContext): Promise<Outcome> {
  const r = await pf.sh(
    "for d in /proc/[0-9]*; do p=${d#/proc/}; n=$(cat $d/comm 2>/dev/null) || continue; " +
      'awk -v p="$p" -v n="$n" \'$6 ~ /(libpostfix-|\\/postfix-)[^\\/]*\\.so/ { print p, n, $6, ($7 == "(deleted)" ? "deleted" : "ok") }\' $d/maps 2>/dev/null | sort -u; done',
  );
  const rows = r.out
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split(" ")) as [string, string, string, string][];
  const stale = rows.filter((x) => x[3] === "deleted");
  const procs = new Map<string, Set<string>>();
  for (const [pid, name, file] of rows) {
    const key = `${name}[${pid}]`;
    if (!procs.has(key)) procs.set(key, new Set());
    procs.get(key)!.add(path.posix.dirname(file));
  }
  const summary = [...procs].map(([k, d]) => `${k} ${[...d].join(",")}`).join("; ");
  if (stale.length === 0) return { ok: true, detail: `${procs.size} processes, none uses a replaced file: ${brief(summary)}` };
  const byProc = new Map<string, string[]>();
  for (const [pid, name, file] of stale) {
    const key = `${name}[${pid}]`;
    byProc.set(key, [...(byProc.get(key) ?? []), path.posix.basename(file)]);
  }
  const list = [...byProc].map(([k, files]) => `${k}: ${files.join(" ")}`).join("; ");
  return {
    ok: false,
    detail: `still running ${s.from.recipe.version} code whose library files make upgrade replaced in place (${s.from.shlibSetting}): ${brief(list, 600)}; a plugin such a process loads now is ${s.to.recipe.version}'s, linked against ${s.from.recipe.version}'s libraries already in memory`,
  };
}

async function settingsKept({ s, pf }: CheckContext): Promise<Outcome> {
  const problems: string[] = [];
  for (const [k, v] of s.settings) {
    const r = await pf.sh(`postconf -h ${shellQuote(k)}`);
    if (r.out !== v) problems.push(`${k} = ${JSON.stringify(r.out)} (set ${JSON.stringify(v)})`);
  }
  for (const [k, v] of s.masterSettings) {
    const r = await pf.sh(`postconf -Ph ${shellQuote(k)}`);
    if (r.out !== v) problems.push(`master.cf ${k} = ${JSON.stringify(r.out)} (set ${JSON.stringify(v)})`);
  }
  const r = await pf.sh("postconf -h defer_transports");
  if (r.out !== "local") problems.push(`defer_transports = ${JSON.stringify(r.out)} (set "local")`);
  return {
    ok: problems.length === 0,
    detail: problems.length
      ? problems.join("; ")
      : `${s.settings.map(([k]) => k).join(", ")}, defer_transports and master.cf ${s.masterSettings.map(([k]) => k).join(", ")} unchanged`,
  };
}

async function queueDelivered({ pf, held, deferred }: CheckContext): Promise<Outcome> {
  const rel = await pf.sh("postsuper -H ALL 2>&1 && postconf -e defer_transports= && postfix reload 2>&1 && postqueue -f 2>&1");
  if (rel.code !== 0) return { ok: false, detail: `release failed: ${brief(rel.out)}` };
  const want = [held.body, deferred.body];
  // The reload is asynchronous (and Postfix waits out a main.cf changed within the last
  // seconds): a flush that reaches the old qmgr defers the mail again, so flush until done.
  const counts = await waitMailbox(pf, want, 30_000, () => pf.sh("postqueue -f 2>&1"));
  await sleep(1000);
  const final = await countInMailbox(pf, want);
  const ok = final.every((n) => n === 1);
  if (ok) return { ok, detail: "held and deferred mail each delivered exactly once to the local mailbox" };
  const q = await queue(pf);
  return {
    ok,
    detail: `copies in mailbox: held ${final[0]}, deferred ${final[1]} (expected 1 each${counts ? "" : ", waited 30 s"}); queue: ${brief(JSON.stringify(q))}`,
  };
}
