// One handler per Probe kind: what to run in the container for it and how to judge the output.
import type { BuildRecordLine, Probe } from "../../core/verify/checks.js";
import { type ImageFacts, judgeImage } from "./image-leaks.js";
import { chrootRoots, compilerUsed, localSubmission, noListener, pluginPackages } from "./install-probes.js";
import { logHygiene, throughput } from "./load-probes.js";
import { LOOKUP_PROBES } from "./lookup-probes.js";
import { deliverToken, MAILBOX_FILE, mailToUser } from "./mailbox.js";
import type { PostfixShell } from "./postfix-container.js";
import { configNotWritable, queueModes, setgidPrograms } from "./permission-probes.js";
import { DYNAMICMAPS_CF, inDynamicmaps, postfixCheck, relayRefused, type Outcome } from "./probes.js";
import { one, token } from "./text.js";
import { shellWords } from "../../core/recipe/shell.js";

/** What a check may need beyond the running container: the image as the engine has it, its log. */
export interface ProbeContext {
  image(): Promise<ImageFacts>;
  /** The container's output since it started (maillog_file is /dev/stdout). */
  maillog(): string;
}

const NO_IMAGE: ProbeContext = {
  image: () => Promise.reject(new Error("no engine given to read the image's history and labels")),
  maillog: () => {
    throw new Error("no container log given to judge");
  },
};

type Kind = Probe["kind"];
type Handler<K extends Kind> = (c: PostfixShell, p: Extract<Probe, { kind: K }>, x: ProbeContext) => Promise<Outcome>;

export const PROBE_HANDLERS: { [K in Kind]: Handler<K> } = {
  "postfix-check": (c) => postfixCheck(c),
  async postconf(c, p) {
    const r = await c.sh(`postconf -xh ${p.parameter}`);
    return {
      ok: r.code === 0 && r.out === p.expect,
      detail: r.code === 0 ? `${r.out}${r.out === p.expect ? "" : ` (expected ${p.expect})`}` : one(r.err),
    };
  },
  async "map-types"(c, p) {
    const r = await c.sh("postconf -m");
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
  },
  async shlib(c, p) {
    const r = await c.sh(`ldd "$(postconf -xh command_directory)/postconf" | grep libpostfix`);
    const lines = r.out.split("\n").filter(Boolean);
    // "libpostfix-util.so => /usr/lib/postfix/libpostfix-util.so (0x...)": the directory must match exactly.
    const dirOf = (l: string) => /=>\s+(\S+)\/[^/\s]+\s/.exec(l)?.[1];
    const bad = lines.filter((l) => dirOf(l) !== p.directory);
    const ok = r.code === 0 && lines.length > 0 && bad.length === 0;
    return {
      ok,
      detail: ok
        ? `${lines.length} libpostfix libraries from ${p.directory}`
        : one(bad.join("; ") || r.out || "no libpostfix libraries linked"),
    };
  },
  async plugins(c, p) {
    const cf = await c.sh(DYNAMICMAPS_CF);
    const problems: string[] = [];
    for (const [type, file] of Object.entries(p.plugins)) {
      if (!inDynamicmaps(cf.out, type, file)) problems.push(`${type} not in dynamicmaps.cf`);
      const f = await c.sh(`test -f "$(postconf -xh shlib_directory)/${file}"`);
      if (f.code !== 0) problems.push(`${file} missing from shlib_directory`);
    }
    return {
      ok: problems.length === 0,
      detail: problems.length ? problems.join("; ") : `${Object.keys(p.plugins).join(" ")} listed in dynamicmaps.cf, files present`,
    };
  },
  async lookups(c, p) {
    const problems: string[] = [];
    const done: string[] = [];
    for (const type of p.types) {
      const probe = LOOKUP_PROBES[type];
      if (!probe) continue;
      const r = await c.sh(`${probe.setup} && postmap -q pm-key ${type}:${probe.table}; echo "rc=$?"`);
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
  },
  async "build-record"(c, p) {
    const r = await c.sh(`cat "$(postconf -xh meta_directory)/makedefs.out"`);
    if (r.code !== 0) return { ok: false, detail: `no makedefs.out: ${one(r.err)}` };
    const lines = r.out.split("\n");
    const missing = p.expect.filter((x) => !lines.some((l) => recordMatches(l, x)));
    return {
      ok: missing.length === 0,
      detail: missing.length
        ? `makedefs.out lacks ${missing.map((m) => `${m.name}=${m.value}`).join("; ")}`
        : `makedefs.out records ${p.expect.map((x) => x.name).join(" ") || "plain make makefiles"}`,
    };
  },
  async "compiled-defaults"(c, p) {
    const bad: string[] = [];
    for (const [name, want] of Object.entries(p.defaults)) {
      const r = await c.sh(`postconf -dxh ${name}`);
      if (r.out !== want) bad.push(`${name} = ${r.out || one(r.err)} (expected ${want})`);
    }
    return {
      ok: bad.length === 0,
      detail: bad.length
        ? bad.join("; ")
        : Object.entries(p.defaults)
            .map(([k, v]) => `${k}=${v}`)
            .join(" "),
    };
  },
  async pie(c) {
    // ELF e_type at offset 16: 3 (ET_DYN) for a position-independent executable.
    const r = await c.sh(`od -An -tu2 -j16 -N2 "$(postconf -xh command_directory)/postconf"`);
    return { ok: r.out.trim() === "3", detail: r.out.trim() === "3" ? "postconf is ET_DYN (PIE)" : `ELF type ${r.out.trim()}` };
  },
  async eai(c, p) {
    // With EAI the default is an expression over compatibility_level (yes from level 1, which
    // the installed main.cf sets); without it the build fixes it to "no".
    const r = await c.sh("postconf -xh smtputf8_enable");
    const want = p.enabled ? "yes" : "no";
    return { ok: r.out === want, detail: `smtputf8_enable = ${r.out}${r.out === want ? "" : ` (expected ${want})`}` };
  },
  async sasl(c, p) {
    const r = await c.sh("postconf -a");
    const have = r.out.split(/\s+/);
    const missing = p.types.filter((t) => !have.includes(t));
    return { ok: missing.length === 0, detail: missing.length ? `missing ${missing.join(" ")}` : `offers ${have.join(" ")}` };
  },
  async "no-toolchain"(c, p) {
    const r = await c.sh(`for t in ${shellWords(p.tools)}; do command -v $t; done; ls -d /usr/src/postfix* 2>/dev/null; true`);
    return { ok: r.out === "", detail: r.out === "" ? `no ${p.tools.join(", ")} or source tree` : `found ${one(r.out)}` };
  },
  compiler: (c, p) => compilerUsed(c, p),
  "plugin-packages": (c, p) => pluginPackages(c, p),
  "local-submission": (c) => localSubmission(c),
  "no-listener": (c, p) => noListener(c, p),
  chroot: (c, p) => chrootRoots(c, p),
  throughput: (c, p) => throughput(c, p),
  "log-hygiene": (c, p, x) => logHygiene(c, p, () => x.maillog()),
  async "mail-delivery"(c) {
    const d = await deliverToken(c, "sender", token("verify"));
    if (!d.accepted) return { ok: false, detail: `SMTP refused: ${one(d.response)}` };
    if (d.delivered) return { ok: true, detail: `token delivered to ${(await c.sh(`echo ${MAILBOX_FILE}`)).out}` };
    return { ok: false, detail: `accepted (${one(d.response)}) but not in the mailbox after 15 s; queue: ${one(d.queueTail)}` };
  },
  "relay-refused": (c) => relayRefused(c),
  async starttls(c) {
    const s = await mailToUser(c, "sender", "tls probe", { requireTLS: true });
    return { ok: s.accepted, detail: s.accepted ? "STARTTLS offered, handshake done, mail accepted over TLS" : one(s.response) };
  },
  setgid: (c, p) => setgidPrograms(c, p.programs, p.group),
  "queue-modes": (c, p) => queueModes(c, p.directories),
  "config-modes": (c, p) => configNotWritable(c, p.files),
  "image-history": async (_c, p, x) => judgeImage(await x.image(), p.allowedArgs),
};

export function runProbe(c: PostfixShell, p: Probe, x: ProbeContext = NO_IMAGE): Promise<Outcome> {
  // The table is keyed by kind, so the handler found fits p (TypeScript cannot see that).
  const handler = PROBE_HANDLERS[p.kind] as (c: PostfixShell, p: Probe, x: ProbeContext) => Promise<Outcome>;
  return handler(c, p, x);
}

export function recordMatches(line: string, x: BuildRecordLine): boolean {
  if (x.how === "summary") return line === `# ${x.name}=${x.value}`;
  const m = /^(\S+)\s*=\s?(.*)$/.exec(line);
  if (!m || m[1] !== x.name) return false;
  return x.how === "line" ? m[2]!.trim() === x.value.trim() : m[2]!.startsWith(x.value);
}
