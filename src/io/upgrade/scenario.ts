// One upgrade scenario in a running container: the old release runs with mail held and
// deferred in its queue, the new release's build tree is mounted in and installed with
// `make upgrade`, then `postfix reload` or a container restart, then the checks.
// Nothing is ever delivered outward: default_transport and relay_transport are `error`, mail
// goes to a local mailbox only, and SMTP connects to the container's mapped port only.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { shellQuote, shellWords } from "../../core/recipe/shell.js";
import type { CheckId, CheckOutcome, UpgradeScenario } from "../../core/upgrade/model.js";
import type { Engine } from "../docker/engine.js";
import { sendMail } from "../verify/smtp.js";
import type { ContainerRegistry } from "../verify/verify.js";
import { demux, treeVolume } from "./images.js";

export const UPGRADE_HOSTNAME = "upgrade.postfix-matrix.test";
const USER = "pmcheck";
const CLIENT = "client.postfix-matrix.test";
const TREE = "/usr/src/postfix";
const MAKE = `${TREE}/.pm-make`;

export interface ScenarioRun {
  checks: CheckOutcome[];
  error?: string;
  upgradeSeconds: number;
  logFile: string;
}

interface Exec { code: number; out: string; err: string }

const one = (s: string, max = 400) => s.replace(/\s+/g, " ").trim().slice(0, max);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const token = (kind: string) => `pm-${kind}-${randomBytes(6).toString("hex")}`;

export async function runScenario(
  s: UpgradeScenario,
  o: { engine: Engine; dir: string; log: (line: string) => void; registry?: ContainerRegistry },
): Promise<ScenarioRun> {
  const results = new Map<CheckId, CheckOutcome>();
  const planned = new Map(s.checks.map((c) => [c.id, c]));
  const tag = `[${s.name}]`;
  let upgradeSeconds = 0;

  /** Runs check `id` when the scenario has it; a thrown error is a failed check. */
  const check = async (id: CheckId, fn: () => Promise<{ ok: boolean; detail: string }>): Promise<boolean> => {
    const c = planned.get(id);
    if (!c) return true;
    const t0 = Date.now();
    let r: { ok: boolean; detail: string };
    try {
      r = await fn();
    } catch (e) {
      r = { ok: false, detail: one((e as Error).message) };
    }
    const outcome: CheckOutcome = { id, title: c.title, status: r.ok ? "pass" : "fail", detail: r.detail, seconds: (Date.now() - t0) / 1000 };
    results.set(id, outcome);
    o.log(`${tag} ${r.ok ? "pass" : "FAIL"} ${id}: ${r.detail}`);
    return r.ok;
  };
  const finish = (error?: string): ScenarioRun => {
    const checks = s.checks.map((c) => results.get(c.id) ?? { id: c.id, title: c.title, status: "skip" as const, detail: error ? `not run: ${error}` : "not run", seconds: 0 });
    return { checks, ...(error ? { error } : {}), upgradeSeconds, logFile };
  };
  const logFile = path.join(o.dir, "container.log");

  const volumeName = `pm-upgrade-${s.name}-${randomBytes(4).toString("hex")}`;
  let volume: Awaited<ReturnType<typeof treeVolume>> | undefined;
  let container: StartedTestContainer | undefined;
  try {
    o.log(`${tag} copying the ${s.to.recipe.version} build tree into volume ${volumeName}`);
    volume = await treeVolume(o.engine, s.to.image, volumeName);
    // Only what keeps verification safe is set at start (and again at a restart, unchanged):
    // the user's settings are made later, on the running system, so a restart cannot fake them.
    const setup = [
      `postconf -e myhostname=${UPGRADE_HOSTNAME} default_transport=error relay_transport=error`,
      `(id ${USER} >/dev/null 2>&1 || useradd --create-home ${USER})`,
      "exec postfix start-fg",
    ].join(" && ");
    o.log(`${tag} starting ${s.from.image} with the tree mounted at ${TREE}`);
    container = await new GenericContainer(s.from.image)
      .withCommand(["sh", "-c", setup])
      .withExposedPorts(25)
      .withLabels({ "org.postfix-matrix.role": "upgrade", "org.postfix-matrix.scenario": s.name })
      .withBindMounts([{ source: volume.name, target: TREE, mode: "rw" }])
      // To read other processes' /proc/<pid>/maps and exe (which libraries the running system uses).
      .withAddedCapabilities("SYS_PTRACE")
      .withWaitStrategy(Wait.forLogMessage(/daemon started/).withStartupTimeout(60_000))
      .start();
    o.registry?.add(container);
    const c = container;
    const sh = async (cmd: string): Promise<Exec> => {
      const r = await c.exec(["sh", "-c", cmd]);
      return { code: r.exitCode, out: r.stdout.trim(), err: r.stderr.trim() };
    };
    const target = () => ({ host: c.getHost(), port: c.getMappedPort(25) });
    const mail = (from: string, body: string) =>
      sendMail(target(), { from: `${from}@${CLIENT}`, to: `${USER}@${UPGRADE_HOSTNAME}` }, `token ${body}`);

    // ---- before: the old release runs and holds mail ----
    await check("from-running", async () => {
      const r = await sh("postconf -h mail_version && postfix status 2>&1");
      const version = r.out.split("\n")[0] ?? "";
      const ok = r.code === 0 && version === s.from.recipe.version;
      return { ok, detail: ok ? `Postfix ${version} running` : `mail_version ${version}, postfix status exit ${r.code}: ${one(r.out)}` };
    });
    const settings = [...s.settings, ["defer_transports", "local"] as [string, string]];
    const set = await sh(
      `postconf -e ${shellWords(settings.map(([k, v]) => `${k}=${v}`))} && postconf -P ${shellWords(s.masterSettings.map(([k, v]) => `${k}=${v}`))} && postfix reload 2>&1`,
    );
    if (set.code !== 0) return finish(`could not make the user settings: ${one(set.out + set.err)}`);
    const held = { sender: token("held"), body: token("held-body") };
    const deferred = { sender: token("deferred"), body: token("deferred-body") };
    const queueIds: Record<string, string> = {};
    await check("mail-queued", async () => {
      for (const m of [held, deferred]) {
        const r = await mail(m.sender, m.body);
        if (!r.accepted) return { ok: false, detail: `SMTP refused ${m.sender}: ${one(r.response)}` };
      }
      // Wait until qmgr has deferred both (defer_transports = local), then hold one.
      for (let i = 0; i < 60; i++) {
        const q = await queue(sh);
        const h = q.find((e) => e.sender.startsWith(held.sender));
        const d = q.find((e) => e.sender.startsWith(deferred.sender));
        if (h && d && h.queue === "deferred" && d.queue === "deferred") {
          queueIds.held = h.id;
          queueIds.deferred = d.id;
          break;
        }
        await sleep(250);
      }
      if (!queueIds.held || !queueIds.deferred) return { ok: false, detail: `mail did not reach the deferred queue: ${one(JSON.stringify(await queue(sh)))}` };
      const hold = await sh(`postsuper -h ${queueIds.held} 2>&1`);
      const q = await queue(sh);
      const h = q.find((e) => e.id === queueIds.held);
      const ok = hold.code === 0 && h?.queue === "hold";
      return { ok, detail: ok ? `${queueIds.held} on hold, ${queueIds.deferred} deferred` : `postsuper -h: ${one(hold.out)}; queue: ${one(JSON.stringify(q))}` };
    });

    // ---- the upgrade ----
    const t0 = Date.now();
    await check("runtime-packages", async () => {
      const extras = s.to.recipe.runtimePackages;
      const r = await sh(
        `missing=$(for p in $(cat ${TREE}/.runtime-packages) ${shellWords(extras)}; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done); ` +
          `if [ -n "$missing" ]; then echo "installing:" $missing; apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 || exit 1; else echo "already installed:" $(cat ${TREE}/.runtime-packages); fi`,
      );
      return { ok: r.code === 0, detail: r.code === 0 ? one(r.out) : `apt-get failed: ${one(r.out + r.err)}` };
    });
    const upgrade = await sh(`cd ${TREE} && ${MAKE} upgrade ${shellWords(s.to.recipe.upgrade)} 2>&1`);
    await writeFile(path.join(o.dir, "make-upgrade.log"), `${upgrade.out}\n${upgrade.err}\n`);
    const upgraded = await check("make-upgrade", async () => {
      const tail = upgrade.out.split("\n").slice(-4).join(" | ");
      return { ok: upgrade.code === 0, detail: upgrade.code === 0 ? `exit 0 (${upgrade.out.split("\n").filter((l) => l.startsWith("Updating")).length} files updated)` : `exit ${upgrade.code}: ${one(tail, 600)}` };
    });
    if (!upgraded) return finish("make upgrade failed (full output in make-upgrade.log)");
    const applied = await check("apply", async () => {
      if (s.apply === "reload") {
        const r = await sh("postfix reload 2>&1");
        if (r.code !== 0) return { ok: false, detail: `postfix reload exit ${r.code}: ${one(r.out)}` };
      } else {
        // PID 1 is `postfix start-fg`: `postfix stop` would end the container, so restart it
        // (SIGTERM, 10 s grace for master to stop its children).
        await c.restart({ timeout: 10 });
      }
      const up = await waitRunning(sh);
      if (!up.ok) return up;
      const exe = await sh("readlink /proc/1/exe; cat /proc/1/comm");
      return { ok: true, detail: `${s.apply === "reload" ? "postfix reload" : "container restarted"}; ${up.detail}; PID 1 ${one(exe.out)}${/deleted/.test(exe.out) ? " (the old master keeps running: reload re-reads configuration, new daemons start from the new binaries)" : ""}` };
    });
    upgradeSeconds = (Date.now() - t0) / 1000;
    if (!applied) return finish(`${s.apply} failed: Postfix is not running`);
    // Let master's children from before the reload finish and exit.
    await sleep(2000);

    // ---- after ----
    await check("postfix-check", async () => {
      const r = await sh("postfix check 2>&1");
      const ok = r.code === 0 && r.out === "";
      return { ok, detail: ok ? "exit 0, no warnings" : `exit ${r.code}: ${one(r.out, 800)}` };
    });
    await check("mail-version", async () => {
      const r = await sh("postconf -h mail_version");
      return { ok: r.code === 0 && r.out === s.to.recipe.version, detail: r.code === 0 ? `${r.out}${r.out === s.to.recipe.version ? "" : ` (expected ${s.to.recipe.version})`}` : one(r.err) };
    });
    await check("shlib-directory", async () => {
      const r = await sh("postconf -xh shlib_directory; postconf -h shlib_directory");
      const [expanded = "", raw = ""] = r.out.split("\n");
      const wantRaw = s.to.shlibSetting?.endsWith("MAIL_VERSION") ? s.to.shlibSetting.replace(/MAIL_VERSION$/, "${mail_version}") : undefined;
      const ok = expanded === s.to.shlibDirectory && (!wantRaw || raw === wantRaw);
      return { ok, detail: `main.cf: shlib_directory = ${raw} -> ${expanded}${ok ? "" : ` (expected ${wantRaw ?? s.to.shlibDirectory} -> ${s.to.shlibDirectory})`}` };
    });
    await check("shlib-resolution", async () => {
      const dir = s.to.shlibDirectory!;
      const r = await sh(`for b in "$(postconf -xh command_directory)/postconf" "$(postconf -xh daemon_directory)/smtpd"; do ldd "$b" | grep libpostfix | sed "s|^|$(basename $b): |"; done`);
      const lines = r.out.split("\n").map((l) => l.trim()).filter(Boolean);
      const bad = lines.filter((l) => !l.includes(`=> ${dir}/`));
      const ok = lines.length > 0 && bad.length === 0;
      return { ok, detail: ok ? `postconf and smtpd: ${lines.length} libpostfix links, all from ${dir}` : one(bad.join("; ") || r.out || "no libpostfix libraries linked") };
    });
    await check("shlib-versions-kept", async () => {
      const dirs = [s.from.shlibDirectory!, s.to.shlibDirectory!];
      const r = await sh(dirs.map((d) => `echo "${d}: $(ls ${shellQuote(d)}/ 2>/dev/null | grep -c '^libpostfix-')"`).join("; "));
      const counts = r.out.split("\n").map((l) => Number(l.split(": ")[1] ?? 0));
      const ok = counts.length === 2 && counts.every((n) => n > 0);
      return { ok, detail: `libpostfix-* files: ${one(r.out.replace(/\n/g, ", "))}` };
    });
    await check("running-libraries", async () => {
      // Each process's mapped libpostfix-*/postfix-*.so files; "(deleted)" means make upgrade
      // replaced the file under a process that still runs the old release.
      const r = await sh(
        "for d in /proc/[0-9]*; do p=${d#/proc/}; n=$(cat $d/comm 2>/dev/null) || continue; " +
          "awk -v p=\"$p\" -v n=\"$n\" '$6 ~ /(libpostfix-|\\/postfix-)[^\\/]*\\.so/ { print p, n, $6, ($7 == \"(deleted)\" ? \"deleted\" : \"ok\") }' $d/maps 2>/dev/null | sort -u; done",
      );
      const rows = r.out.split("\n").filter(Boolean).map((l) => l.split(" ")) as [string, string, string, string][];
      const stale = rows.filter((x) => x[3] === "deleted");
      const procs = new Map<string, Set<string>>();
      for (const [pid, name, file] of rows) {
        const key = `${name}[${pid}]`;
        if (!procs.has(key)) procs.set(key, new Set());
        procs.get(key)!.add(path.posix.dirname(file));
      }
      const summary = [...procs].map(([k, d]) => `${k} ${[...d].join(",")}`).join("; ");
      if (stale.length === 0) return { ok: true, detail: `${procs.size} processes, none uses a replaced file: ${one(summary)}` };
      const byProc = new Map<string, string[]>();
      for (const [pid, name, file] of stale) {
        const key = `${name}[${pid}]`;
        byProc.set(key, [...(byProc.get(key) ?? []), path.posix.basename(file)]);
      }
      const list = [...byProc].map(([k, files]) => `${k}: ${files.join(" ")}`).join("; ");
      return {
        ok: false,
        detail: `still running ${s.from.recipe.version} code whose library files make upgrade replaced in place (${s.from.shlibSetting}): ${one(list, 600)}; a plugin such a process loads now is ${s.to.recipe.version}'s, linked against ${s.from.recipe.version}'s libraries already in memory`,
      };
    });
    await check("plugins", async () => {
      const p = s.to.recipe.expect.plugins;
      const cf = await sh('cat "$(postconf -xh meta_directory)/dynamicmaps.cf"');
      const problems: string[] = [];
      for (const [type, file] of Object.entries(p)) {
        if (!new RegExp(`^${type}\\s+\\S*${file.replace(/\./g, "\\.")}`, "m").test(cf.out)) problems.push(`${type} not in dynamicmaps.cf`);
      }
      if ("pcre" in p) {
        const q = await sh("printf '/^pm-(.*)$/ got-$1\\n' > /tmp/pm.pcre && postmap -q pm-probe pcre:/tmp/pm.pcre 2>&1");
        if (q.out !== "got-probe") problems.push(`pcre lookup gave ${one(q.out)}`);
      }
      return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${Object.keys(p).join(" ")} listed and loaded` };
    });
    await check("settings-kept", async () => {
      const problems: string[] = [];
      for (const [k, v] of s.settings) {
        const r = await sh(`postconf -h ${shellQuote(k)}`);
        if (r.out !== v) problems.push(`${k} = ${JSON.stringify(r.out)} (set ${JSON.stringify(v)})`);
      }
      for (const [k, v] of s.masterSettings) {
        const r = await sh(`postconf -Ph ${shellQuote(k)}`);
        if (r.out !== v) problems.push(`master.cf ${k} = ${JSON.stringify(r.out)} (set ${JSON.stringify(v)})`);
      }
      const r = await sh("postconf -h defer_transports");
      if (r.out !== "local") problems.push(`defer_transports = ${JSON.stringify(r.out)} (set "local")`);
      return { ok: problems.length === 0, detail: problems.length ? problems.join("; ") : `${s.settings.map(([k]) => k).join(", ")}, defer_transports and master.cf ${s.masterSettings.map(([k]) => k).join(", ")} unchanged` };
    });
    await check("queue-kept", async () => {
      const q = await queue(sh);
      const h = q.find((e) => e.id === queueIds.held);
      const d = q.find((e) => e.id === queueIds.deferred);
      const ok = h?.queue === "hold" && d !== undefined && d.queue !== "hold";
      return { ok, detail: ok ? `${h.id} still on hold, ${d.id} still ${d.queue}` : `queue now: ${one(JSON.stringify(q))}` };
    });
    await check("queue-delivered", async () => {
      const rel = await sh("postsuper -H ALL 2>&1 && postconf -e defer_transports= && postfix reload 2>&1 && postqueue -f 2>&1");
      if (rel.code !== 0) return { ok: false, detail: `release failed: ${one(rel.out)}` };
      const want = [held.body, deferred.body];
      // The reload is asynchronous (and Postfix waits out a main.cf changed within the last
      // seconds): a flush that reaches the old qmgr defers the mail again, so flush until done.
      const counts = await waitMailbox(sh, want, 30_000, () => sh("postqueue -f 2>&1"));
      await sleep(1000);
      const final = await countInMailbox(sh, want);
      const ok = final.every((n) => n === 1);
      if (ok) return { ok, detail: "held and deferred mail each delivered exactly once to the local mailbox" };
      const q = await queue(sh);
      return { ok, detail: `copies in mailbox: held ${final[0]}, deferred ${final[1]} (expected 1 each${counts ? "" : ", waited 30 s"}); queue: ${one(JSON.stringify(q))}` };
    });
    await check("new-mail", async () => {
      const m = token("new-body");
      const r = await mail(token("new"), m);
      if (!r.accepted) return { ok: false, detail: `SMTP refused: ${one(r.response)}` };
      const got = await waitMailbox(sh, [m], 15_000);
      if (got) return { ok: true, detail: `accepted (${one(r.response, 80)}) and delivered` };
      const q = await sh("postqueue -p 2>&1 | tail -5");
      return { ok: false, detail: `accepted but not in the mailbox after 15 s; queue: ${one(q.out)}` };
    });
    await check("relay-refused", async () => {
      const r = await sendMail(target(), { from: `sender@${CLIENT}`, to: "someone@relay-test.invalid" }, "relay probe");
      const ok = !r.accepted && /relay access denied/i.test(r.response);
      return { ok, detail: r.accepted ? `ACCEPTED for relay: ${one(r.response)}` : one(r.response) };
    });
    return finish();
  } catch (e) {
    return finish((e as Error).message.split("\n")[0] ?? String(e));
  } finally {
    if (container) {
      try {
        const raw = await o.engine.docker.getContainer(container.getId()).logs({ stdout: true, stderr: true, follow: false });
        await writeFile(logFile, demux(raw as unknown as Buffer));
      } catch {
        // The log is a convenience; the checks already say what happened.
      }
      await container.stop({ timeout: 1_000, remove: true }).catch(() => undefined);
      o.registry?.delete(container);
    }
    await volume?.remove().catch((e: Error) => o.log(`${tag} could not remove volume ${volumeName}: ${e.message}`));
  }
}

interface QueueEntry { id: string; queue: string; sender: string }

async function queue(sh: (cmd: string) => Promise<Exec>): Promise<QueueEntry[]> {
  const r = await sh("postqueue -j 2>/dev/null");
  const out: QueueEntry[] = [];
  for (const line of r.out.split("\n")) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line) as { queue_id: string; queue_name: string; sender: string };
      out.push({ id: j.queue_id, queue: j.queue_name, sender: j.sender });
    } catch {
      // not JSON: postqueue complained; the caller reports the queue as it sees it
    }
  }
  return out;
}

async function countInMailbox(sh: (cmd: string) => Promise<Exec>, tokens: string[]): Promise<number[]> {
  const r = await sh(`f="$(postconf -xh mail_spool_directory)/${USER}"; for t in ${tokens.join(" ")}; do grep -c "^token $t\\$" "$f" 2>/dev/null || true; done`);
  return r.out.split("\n").map((n) => Number(n) || 0);
}

async function waitMailbox(
  sh: (cmd: string) => Promise<Exec>, tokens: string[], ms: number, nudge?: () => Promise<unknown>,
): Promise<boolean> {
  let nudged = Date.now();
  for (const end = Date.now() + ms; Date.now() < end; await sleep(250)) {
    const n = await countInMailbox(sh, tokens);
    if (n.length === tokens.length && n.every((x) => x > 0)) return true;
    if (nudge && Date.now() - nudged > 3_000) {
      nudged = Date.now();
      await nudge();
    }
  }
  return false;
}

async function waitRunning(sh: (cmd: string) => Promise<Exec>): Promise<{ ok: boolean; detail: string }> {
  let last: Exec = { code: -1, out: "", err: "" };
  for (let i = 0; i < 60; i++) {
    try {
      last = await sh("postfix status 2>&1");
      if (last.code === 0) return { ok: true, detail: one(last.out.replace(/^postfix\/postfix-script: /, "")) };
    } catch (e) {
      last = { code: -1, out: (e as Error).message, err: "" };
    }
    await sleep(500);
  }
  return { ok: false, detail: `postfix status after 30 s: exit ${last.code} ${one(last.out)}` };
}
