// Handlers of the INSTALL checks beyond the build surface (see src/core/verify/install-checks.ts):
// local submission, send-only, chroot, the compiler, split plugin packages.
import type { Probe } from "../../core/verify/checks.js";
import { shellWords } from "../../core/recipe/shell.js";
import { MAILBOX_FILE, waitMailbox } from "./mailbox.js";
import { MAILBOX_USER, type PostfixShell } from "./postfix-container.js";
import type { Outcome } from "./probes.js";
import { one, token } from "./text.js";

type P<K extends Probe["kind"]> = Extract<Probe, { kind: K }>;

/** Runs a command as the unprivileged mailbox user (runuser where util-linux has it, else su). */
export const AS_USER = `as_user() { if command -v runuser >/dev/null 2>&1; then runuser -u ${MAILBOX_USER} -- "$@"; else su -s /bin/sh -c '"$0" "$@"' ${MAILBOX_USER} "$@"; fi; }`;

/** INSTALL 6.2: sendmail by an unprivileged user goes through setgid postdrop, pickup and local delivery. */
export async function localSubmission(c: PostfixShell): Promise<Outcome> {
  const t = token("submit");
  const sent = await c.sh(
    `${AS_USER}; printf 'Subject: pm local submission\\n\\ntoken %s\\n' ${t} | as_user "$(postconf -xh sendmail_path)" -f ${MAILBOX_USER} ${MAILBOX_USER}; echo "rc=$?"; id -u ${MAILBOX_USER}`,
  );
  const [rc, uid] = sent.out.split("\n").slice(-2);
  if (rc !== "rc=0") return { ok: false, detail: `sendmail as ${MAILBOX_USER} failed: ${one(`${sent.out} ${sent.err}`)}` };
  if (!(await waitMailbox(c, [t], 15_000))) {
    const q = await c.sh("postqueue -p 2>&1 | tail -5");
    return { ok: false, detail: `submitted by ${MAILBOX_USER} but not in the mailbox after 15 s; queue: ${one(q.out)}` };
  }
  const q = await c.sh(
    `${AS_USER}; as_user "$(postconf -xh command_directory)/postqueue" -p 2>&1; echo "rc=$?"; as_user "$(postconf -xh mailq_path)" 2>&1; echo "rc=$?"`,
  );
  const [queue, mailq] = q.out.split(/^rc=/m);
  const listed = (s = "") => /Mail queue is empty|-Queue ID-/.test(s);
  if (!listed(queue) || !listed(mailq) || !/^rc=0$/m.test(q.out) || (q.out.match(/^rc=0$/gm)?.length ?? 0) !== 2) {
    return { ok: false, detail: `delivered, but ${MAILBOX_USER} cannot list the queue: ${one(q.out)}` };
  }
  return {
    ok: true,
    detail: `sendmail as ${MAILBOX_USER} (uid ${uid}) through postdrop, delivered to ${(await c.sh(`echo ${MAILBOX_FILE}`)).out}; postqueue -p and mailq work for that user`,
  };
}

/** INSTALL 8: nothing listens on the port, and master.cf has no smtp inet service. */
export async function noListener(c: PostfixShell, p: P<"no-listener">): Promise<Outcome> {
  const port = p.port.toString(16).toUpperCase().padStart(4, "0");
  const r = await c.sh(
    `cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '$4 == "0A" && $2 ~ /:${port}$/ { print $2 }'; echo "--"; postconf -M smtp/inet 2>/dev/null`,
  );
  const [listening = "", service = ""] = r.out.split("--").map((s) => s.trim());
  if (listening) return { ok: false, detail: `a socket listens on port ${p.port}: ${one(listening)}` };
  if (service) return { ok: false, detail: `master.cf still has ${one(service)}` };
  return { ok: true, detail: `no socket listens on port ${p.port} (/proc/net/tcp, tcp6); master.cf has no smtp inet service` };
}

/** INSTALL 11: every running chrooted daemon's root is the queue directory; master and local are not chrooted. */
export async function chrootRoots(c: PostfixShell, p: P<"chroot">): Promise<Outcome> {
  const r = await c.sh(
    'q="$(postconf -xh queue_directory)"; echo "$q"; for d in /proc/[0-9]*; do n=$(cat "$d/comm" 2>/dev/null) || continue; echo "$n ${d#/proc/} $(readlink "$d/root" 2>/dev/null)"; done',
  );
  const [queue = "", ...rows] = r.out.split("\n");
  const procs = rows.map((l) => l.split(" ")).map(([name = "", pid = "", root = ""]) => ({ name, pid, root }));
  const bad: string[] = [];
  const jailed = procs.filter((x) => p.programs.includes(x.name));
  for (const x of jailed) if (x.root !== queue) bad.push(`${x.name}[${x.pid}] root ${x.root || "unreadable"}`);
  for (const x of procs.filter((x) => x.name === "master" || x.name === "local"))
    if (x.root !== "/") bad.push(`${x.name}[${x.pid}] root ${x.root || "unreadable"}`);
  const always = ["qmgr", "pickup"].filter((n) => p.programs.includes(n));
  const missing = always.filter((n) => !jailed.some((x) => x.name === n));
  if (missing.length) bad.push(`${missing.join(" ")} not running`);
  if (bad.length) return { ok: false, detail: one(bad.join("; ")) };
  const seen = [...new Set(jailed.map((x) => x.name))].sort();
  return { ok: true, detail: `${seen.join(" ")} rooted at ${queue} (/proc/PID/root); master and local at /` };
}

/** INSTALL 4.2: which compiler made the programs, by their .comment section and makedefs.out. */
export async function compilerUsed(c: PostfixShell, p: P<"compiler">): Promise<Outcome> {
  const r = await c.sh(
    `grep -a -o -E 'GCC: \\([^)]*\\) [0-9][0-9.]*|clang version [0-9][0-9.]*' "$(postconf -xh command_directory)/postconf" | sort -u; echo "--"; grep -E '^CC\\s*=' "$(postconf -xh meta_directory)/makedefs.out"`,
  );
  const [comment = "", cc = ""] = r.out.split("--").map((s) => s.trim());
  const lines = comment.split("\n").filter(Boolean);
  const clang = lines.filter((l) => l.startsWith("clang version"));
  const gcc = lines.filter((l) => l.startsWith("GCC:"));
  const major = (l: string) => /([0-9]+)[0-9.]*$/.exec(l)?.[1];
  const own = p.compiler === "clang" ? clang : gcc;
  let why = "";
  if (own.length === 0) why = `no ${p.compiler === "clang" ? "clang" : "GCC"} in .comment`;
  else if (p.compiler === "gcc" && clang.length) why = `built by clang (${clang.join(", ")})`;
  else if (p.major && !own.some((l) => major(l) === p.major)) why = `no ${p.compiler} ${p.major} in .comment`;
  const ccWord = /^CC\s*=\s*(\S+)/.exec(cc)?.[1];
  const seen = `.comment: ${lines.join("; ") || "(none)"}; makedefs.out: ${ccWord ? `CC = ${ccWord}` : "(no CC line)"}`;
  return { ok: why === "", detail: one(why ? `${why}; ${seen}` : seen) };
}

/** INSTALL 4.4.4: each plugin has its own files, and removing them removes exactly its map type. */
export async function pluginPackages(c: PostfixShell, p: P<"plugin-packages">): Promise<Outcome> {
  const problems: string[] = [];
  for (const t of p.plugins) {
    const w = shellWords([t]);
    const r = await c.sh(
      `m="$(postconf -xh meta_directory)"; s="$(postconf -xh shlib_directory)"; t=${w}; d=/tmp/pm-removed-$t; mkdir -p "$d"
grep -q "^$t[[:space:]]" "$m/dynamicmaps.cf.d/$t.cf" && ! grep -q "^$t[[:space:]]" "$m/dynamicmaps.cf" && echo own-cf=yes
grep -q "/postfix-$t\\.so:" "$m/postfix-files.d/$t.files" && ! grep -q "/postfix-$t\\.so:" "$m/postfix-files" && echo own-files=yes
echo "before=$(postconf -m | sort | tr '\\n' ' ')"
mv "$m/dynamicmaps.cf.d/$t.cf" "$m/postfix-files.d/$t.files" "$s/postfix-$t.so" "$d/" && echo "after=$(postconf -m | sort | tr '\\n' ' ')" && echo "check=$(postfix check 2>&1 | tr '\\n' ' ')"
mv "$d/$t.cf" "$m/dynamicmaps.cf.d/"; mv "$d/$t.files" "$m/postfix-files.d/"; mv "$d/postfix-$t.so" "$s/"; rmdir "$d"
echo "restored=$(postconf -m | sort | tr '\\n' ' ')"`,
    );
    const field = (k: string) => new RegExp(`^${k}=(.*)$`, "m").exec(r.out)?.[1]?.trim();
    const set = (k: string) => new Set((field(k) ?? "").split(" ").filter(Boolean));
    const [before, after, restored] = [set("before"), set("after"), set("restored")];
    const gone = [...before].filter((x) => !after.has(x));
    if (field("own-cf") !== "yes") problems.push(`${t}: not alone in dynamicmaps.cf.d/${t}.cf`);
    if (field("own-files") !== "yes") problems.push(`${t}: not alone in postfix-files.d/${t}.files`);
    if (field("after") === undefined) problems.push(`${t}: could not remove its files: ${one(r.err || r.out)}`);
    else if (gone.join(" ") !== t || after.size !== before.size - 1) problems.push(`${t}: removing it removed [${gone.join(" ")}]`);
    if (field("check")) problems.push(`${t}: postfix check without it: ${one(field("check")!)}`);
    if (!restored.has(t) || restored.size !== before.size) problems.push(`${t}: not back after restoring its files`);
  }
  return {
    ok: problems.length === 0,
    detail: problems.length
      ? problems.join("; ")
      : `${p.plugins.join(" ")}: own dynamicmaps.cf.d and postfix-files.d files; removing one removes exactly that map type, postfix check stays clean`,
  };
}
