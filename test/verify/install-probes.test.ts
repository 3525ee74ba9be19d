// The INSTALL checks' handlers (src/io/verify/install-probes.ts, load-probes.ts) against canned output.
import { describe, expect, it } from "vitest";
import { runProbe } from "../../src/io/verify/probe-handlers.js";
import { judgeLog, throughputScript } from "../../src/io/verify/load-probes.js";
import { fakePostfix } from "./fake-postfix.js";

const LOG = [
  "postfix/postlog: starting the Postfix mail system",
  "Dec 02 20:15:19 verify postfix/master[1]: daemon started -- version 3.10.13, configuration /etc/postfix",
  "Dec 02 20:15:22 verify postfix/smtpd[84]: connect from unknown[172.17.0.1]",
  "Dec 02 20:15:22 verify postfix/local[90]: 1A: to=<pmcheck@verify>, status=sent (delivered to mailbox)",
].join("\n");

describe("log hygiene", () => {
  it.each([
    ["warning", "Dec 02 20:15:22 verify postfix/smtpd[84]: warning: hostname x does not resolve to address 1.2.3.4"],
    ["error", "Dec 02 20:15:22 verify postfix/qmgr[3]: error: open database /x.db: No such file"],
    ["fatal", "Dec 02 20:15:22 verify postfix/postmap[85]: fatal: table mysql:/tmp/pm-mysql.cf: query error"],
    ["panic", "Dec 02 20:15:22 verify postfix/cleanup[9]: panic: myfree: corrupt or unallocated memory block"],
    ["postlog's own", "postfix/postlog: warning: something"],
  ])("fails on a %s line", (_k, line) => {
    const r = judgeLog(`${LOG}\n${line}`, []);
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(line.slice(-30));
  });

  it("passes a clean log, and words like status=deferred (error) in a message are not a level", () => {
    expect(judgeLog(`${LOG}\nDec 02 verify postfix/error[7]: 1B: to=<a@b>, status=bounced (mail error)`, [])).toEqual({
      ok: true,
      detail: "5 log lines, no unexpected warning/error/fatal/panic",
    });
  });

  it("accepts the lines a cell expects, and says why", () => {
    const line = "Dec 02 verify postfix/postmap[86]: warning: dict_ldap_connect: Unable to bind to server ldap://127.0.0.1:9";
    const r = judgeLog(`${LOG}\n${line}`, [{ match: "127.0.0.1:9", reason: "closed port on purpose" }]);
    expect(r).toEqual({ ok: true, detail: "5 log lines, no unexpected warning/error/fatal/panic; 1 expected (closed port on purpose)" });
  });

  it("waits for its marker in the container's log, then judges all of it", async () => {
    let log = LOG;
    const logged = (cmd: string) => {
      log += `\nDec 02 verify pm-verify[9]: ${cmd.split(" ")[3]}`;
      return {};
    };
    const c = fakePostfix([["postlog -t pm-verify", logged]]);
    const r = await runProbe(c, { kind: "log-hygiene", expected: [] }, { image: () => Promise.reject(new Error("x")), maillog: () => log });
    expect(r).toEqual({ ok: true, detail: "5 log lines, no unexpected warning/error/fatal/panic" });
  });
});

describe("throughput", () => {
  it("sends with smtp-source to the container's own port 25, or with sendmail on a send-only host", () => {
    const smtp = throughputScript({ kind: "throughput", messages: 50, via: "smtp" }, "pm-load-1", "verify.test");
    expect(smtp).toContain(
      'smtp-source" -s 4 -m 50 -l 512 -S pm-load-1 -f sender@client.postfix-matrix.test -t pmcheck@verify.test 127.0.0.1:25',
    );
    expect(smtp).not.toMatch(/smtp-source[^\n]*\b(?!127\.0\.0\.1)\d+\.\d+\.\d+\.\d+:25/);
    const local = throughputScript({ kind: "throughput", messages: 50, via: "sendmail" }, "pm-load-1", "verify.test");
    expect(local).toContain('"$(postconf -xh sendmail_path)" -f sender pmcheck');
    expect(local).not.toContain("smtp-source");
  });

  it("records messages per second as data", async () => {
    const c = fakePostfix([["date +%s", { out: "100.000 102.000 200" }]]);
    const r = await runProbe(c, { kind: "throughput", messages: 200, via: "smtp" });
    expect(r.ok).toBe(true);
    expect(r.throughput).toEqual({ messages: 200, seconds: 2, perSecond: 100, via: "smtp" });
    expect(r.detail).toMatch(/^200 messages delivered in 2\.00 s: 100 msg\/s/);
  });

  it("fails when not every message arrived, without a figure", async () => {
    const r = await runProbe(fakePostfix([["date +%s", { out: "100 190 150" }]]), { kind: "throughput", messages: 200, via: "smtp" });
    expect(r).toEqual({ ok: false, detail: "150 of 200 delivered after 90.0 s (smtp-source, 4 sessions, to 127.0.0.1:25)" });
  });
});

describe("send-only: no listener", () => {
  it("passes with no socket on 25 and no smtp inet service", async () => {
    expect((await runProbe(fakePostfix([["/proc/net/tcp", { out: "--" }]]), { kind: "no-listener", port: 25 })).ok).toBe(true);
  });
  it("fails when something listens on 25 (0019 in /proc/net/tcp)", async () => {
    const c = fakePostfix([["/proc/net/tcp", { out: "00000000:0019\n--" }]]);
    expect(await runProbe(c, { kind: "no-listener", port: 25 })).toEqual({
      ok: false,
      detail: "a socket listens on port 25: 00000000:0019",
    });
    expect(c.commands[0]).toContain(":0019$/");
  });
  it("fails when master.cf still has the service", async () => {
    const c = fakePostfix([["/proc/net/tcp", { out: "--\nsmtp inet n - n - - smtpd" }]]);
    expect((await runProbe(c, { kind: "no-listener", port: 25 })).detail).toBe("master.cf still has smtp inet n - n - - smtpd");
  });
});

describe("chroot", () => {
  const ps = (rows: string) => fakePostfix([["/proc/[0-9]*", { out: `/var/spool/postfix\n${rows}` }]]);
  const P = { kind: "chroot" as const, programs: ["pickup", "qmgr", "smtpd"] };
  it("passes when the chrooted daemons' root is the queue directory and master's is /", async () => {
    const r = await runProbe(ps("master 1 /\npickup 80 /var/spool/postfix\nqmgr 81 /var/spool/postfix\nlocal 90 /\nsh 99 /"), P);
    expect(r).toEqual({ ok: true, detail: "pickup qmgr rooted at /var/spool/postfix (/proc/PID/root); master and local at /" });
  });
  it("fails on a daemon outside the jail, an unreadable root, or a missing qmgr", async () => {
    expect((await runProbe(ps("master 1 /\npickup 80 /\nqmgr 81 /var/spool/postfix"), P)).detail).toBe("pickup[80] root /");
    expect((await runProbe(ps("master 1 /\npickup 80\nqmgr 81 /var/spool/postfix"), P)).detail).toBe("pickup[80] root unreadable");
    expect((await runProbe(ps("master 1 /\npickup 80 /var/spool/postfix"), P)).detail).toBe("qmgr not running");
  });
});

describe("compiler", () => {
  const seen = (comment: string, cc = "CC = gcc -I. -DX") => fakePostfix([["grep -a -o", { out: `${comment}\n--\n${cc}` }]]);
  it("a gcc build: GCC in .comment and no clang", async () => {
    expect(await runProbe(seen("GCC: (Debian 12.2.0-14) 12.2.0"), { kind: "compiler", compiler: "gcc" })).toEqual({
      ok: true,
      detail: ".comment: GCC: (Debian 12.2.0-14) 12.2.0; makedefs.out: CC = gcc",
    });
    expect((await runProbe(seen("GCC: (Debian 12.2.0-14) 12.2.0\nclang version 14.0.6"), { kind: "compiler", compiler: "gcc" })).ok).toBe(
      false,
    );
  });
  it("a clang build: clang in .comment (glibc's start files keep a GCC line)", async () => {
    const c = seen("GCC: (Debian 12.2.0-14) 12.2.0\nclang version 14.0.6", "CC = clang");
    expect((await runProbe(c, { kind: "compiler", compiler: "clang" })).ok).toBe(true);
    expect((await runProbe(seen("GCC: (Debian 12.2.0-14) 12.2.0"), { kind: "compiler", compiler: "clang" })).detail).toMatch(
      /^no clang in .comment/,
    );
  });
  it("a versioned compiler: its major version in .comment", async () => {
    expect((await runProbe(seen("GCC: (Debian 11.3.0-12) 11.3.0"), { kind: "compiler", compiler: "gcc", major: "11" })).ok).toBe(true);
    expect((await runProbe(seen("GCC: (Debian 12.2.0-14) 12.2.0"), { kind: "compiler", compiler: "gcc", major: "11" })).detail).toMatch(
      /^no gcc 11 in .comment/,
    );
  });
});

describe("plugin packages", () => {
  const out = (after: string, check = "") =>
    `own-cf=yes\nown-files=yes\nbefore=btree cidr hash pcre lmdb\nafter=${after}\ncheck=${check}\nrestored=btree cidr hash pcre lmdb`;
  it("passes when removing a plugin's files removes exactly its map type", async () => {
    const c = fakePostfix([["dynamicmaps.cf.d", { out: out("btree cidr hash lmdb") }]]);
    expect((await runProbe(c, { kind: "plugin-packages", plugins: ["pcre"] })).ok).toBe(true);
  });
  it("fails when more goes, or postfix check complains without it", async () => {
    const more = fakePostfix([["dynamicmaps.cf.d", { out: out("btree cidr hash") }]]);
    expect((await runProbe(more, { kind: "plugin-packages", plugins: ["pcre"] })).detail).toBe("pcre: removing it removed [pcre lmdb]");
    const warns = fakePostfix([["dynamicmaps.cf.d", { out: out("btree cidr hash lmdb", "postfix/postfix-script: warning: x") }]]);
    expect((await runProbe(warns, { kind: "plugin-packages", plugins: ["pcre"] })).detail).toBe(
      "pcre: postfix check without it: postfix/postfix-script: warning: x",
    );
  });
});

describe("local submission", () => {
  it("sends as the unprivileged user, finds the mail, lists the queue as that user", async () => {
    const c = fakePostfix([
      ["printf 'Subject: pm local submission", { out: "rc=0\n1000" }],
      ["grep -c", (cmd) => ({ out: cmd.includes("pm-submit-") ? "1" : "0" })],
      ['as_user "$(postconf -xh command_directory)/postqueue" -p', { out: "Mail queue is empty\nrc=0\nMail queue is empty\nrc=0" }],
      ["echo", { out: "/var/mail/pmcheck" }],
    ]);
    const r = await runProbe(c, { kind: "local-submission" });
    expect(r).toEqual({
      ok: true,
      detail: "sendmail as pmcheck (uid 1000) through postdrop, delivered to /var/mail/pmcheck; postqueue -p and mailq work for that user",
    });
    expect(c.commands[0]).toContain('as_user "$(postconf -xh sendmail_path)" -f pmcheck pmcheck');
  });
  it("fails when the user cannot list the queue", async () => {
    const c = fakePostfix([
      ["printf 'Subject: pm local submission", { out: "rc=0\n1000" }],
      ["grep -c", { out: "1" }],
      ['postqueue" -p', { out: "postqueue: fatal: not owned by group postdrop\nrc=1\nMail queue is empty\nrc=0" }],
    ]);
    expect((await runProbe(c, { kind: "local-submission" })).detail).toMatch(/^delivered, but pmcheck cannot list the queue/);
  });
});
