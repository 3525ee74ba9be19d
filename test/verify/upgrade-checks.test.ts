// The upgrade checks (src/io/upgrade/checks.ts) and their queue and mailbox helpers, against canned output.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseUpgradeFile } from "../../src/core/upgrade/load.js";
import { CHECK_IDS, type UpgradeScenario } from "../../src/core/upgrade/model.js";
import { UPGRADE_CHECKS, type CheckContext } from "../../src/io/upgrade/checks.js";
import { parseQueue } from "../../src/io/upgrade/queue.js";
import { countInMailbox, waitMailbox } from "../../src/io/verify/mailbox.js";
import { fakePostfix, type Rule } from "./fake-postfix.js";

const plan = parseUpgradeFile(readFileSync(new URL("../../matrices/upgrade.yaml", import.meta.url), "utf8"), "matrices/upgrade.yaml");
const scenario = (name: string): UpgradeScenario => plan.scenarios.find((s) => s.name === name)!;
const context = (s: UpgradeScenario, rules: Rule[], more: Partial<CheckContext> = {}): CheckContext => ({
  s,
  pf: fakePostfix(rules, "upgrade.postfix-matrix.test"),
  queueIds: {},
  held: { sender: "pm-held-1", body: "pm-held-body-1" },
  deferred: { sender: "pm-deferred-1", body: "pm-deferred-body-1" },
  ...more,
});

describe("the upgrade check table", () => {
  it("has one check for every CheckId", () => {
    expect(Object.keys(UPGRADE_CHECKS).sort()).toEqual([...CHECK_IDS].sort());
  });

  it("covers every check of every shipped scenario", () => {
    for (const s of plan.scenarios) for (const c of s.checks) expect(UPGRADE_CHECKS, `${s.name} ${c.id}`).toHaveProperty([c.id]);
  });
});

describe("postqueue -j", () => {
  it("gives id, queue and sender per line and skips what is not JSON", () => {
    const text = [
      '{"queue_name": "deferred", "queue_id": "4ABC", "arrival_time": 1, "sender": "pm-held-1@client.postfix-matrix.test", "recipients": []}',
      "postqueue: warning: Mail system is down",
      "",
      '{"queue_name": "hold", "queue_id": "5DEF", "sender": "pm-deferred-1@client.postfix-matrix.test"}',
    ].join("\n");
    expect(parseQueue(text)).toEqual([
      { id: "4ABC", queue: "deferred", sender: "pm-held-1@client.postfix-matrix.test" },
      { id: "5DEF", queue: "hold", sender: "pm-deferred-1@client.postfix-matrix.test" },
    ]);
    expect(parseQueue("")).toEqual([]);
  });
});

describe("mailbox", () => {
  it("counts each token's copies, a missing mailbox as 0", async () => {
    const c = fakePostfix([["grep -c", { out: "1\n0\n2" }]]);
    expect(await countInMailbox(c, ["a", "b", "c"])).toEqual([1, 0, 2]);
    expect(c.commands[0]).toMatch(/mail_spool_directory\)\/pmcheck"; for t in a b c; do grep -c "\^token \$t\\\$"/);
    expect(await countInMailbox(fakePostfix([["grep -c", { out: "" }]]), ["a"])).toEqual([0]);
  });

  it("waits until every token is there", async () => {
    let n = 0;
    const c = fakePostfix([["grep -c", () => ({ out: n++ < 2 ? "0\n1" : "1\n1" })]]);
    expect(await waitMailbox(c, ["a", "b"], 5_000)).toBe(true);
    expect(n).toBe(3);
    expect(await waitMailbox(fakePostfix([["grep -c", { out: "0" }]]), ["a"], 300)).toBe(false);
  });
});

describe("upgrade checks", () => {
  const versioned = scenario("3.7-to-3.10-shared-versioned");

  it("shlib-directory wants the new directory and ${mail_version} kept in main.cf", async () => {
    const ok = context(versioned, [["shlib_directory", { out: "/usr/lib/postfix/3.10.13\n/usr/lib/postfix/${mail_version}" }]]);
    expect(await UPGRADE_CHECKS["shlib-directory"](ok)).toEqual({
      ok: true,
      detail: "main.cf: shlib_directory = /usr/lib/postfix/${mail_version} -> /usr/lib/postfix/3.10.13",
    });
    const fixed = context(versioned, [["shlib_directory", { out: "/usr/lib/postfix/3.10.13\n/usr/lib/postfix/3.10.13" }]]);
    expect((await UPGRADE_CHECKS["shlib-directory"](fixed)).ok).toBe(false);
  });

  it("running-libraries names the processes that map replaced files", async () => {
    const flat = scenario("3.7-to-3.10-shared-flat-reload");
    const maps = [
      "1 master /usr/lib/postfix/libpostfix-util.so deleted",
      "1 master /usr/lib/postfix/libpostfix-global.so deleted",
      "80 smtpd /usr/lib/postfix/libpostfix-util.so ok",
    ].join("\n");
    const r = await UPGRADE_CHECKS["running-libraries"](context(flat, [["/proc/[0-9]*", { out: maps }]]));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(
      /^still running 3\.7\.11 code whose library files make upgrade replaced in place \(\/usr\/lib\/postfix\): master\[1\]: libpostfix-util\.so libpostfix-global\.so; /,
    );
    const clean = await UPGRADE_CHECKS["running-libraries"](
      context(versioned, [["/proc/[0-9]*", { out: "1 master /usr/lib/postfix/3.7.11/libpostfix-util.so ok" }]]),
    );
    expect(clean).toEqual({ ok: true, detail: "1 processes, none uses a replaced file: master[1] /usr/lib/postfix/3.7.11" });
  });

  it("queue-kept wants the held mail on hold and the other still queued", async () => {
    const q = (held: string) =>
      `{"queue_id":"H1","queue_name":"${held}","sender":"x"}\n{"queue_id":"D1","queue_name":"deferred","sender":"y"}`;
    const ids = { queueIds: { held: "H1", deferred: "D1" } };
    expect(await UPGRADE_CHECKS["queue-kept"](context(versioned, [["postqueue -j", { out: q("hold") }]], ids))).toEqual({
      ok: true,
      detail: "H1 still on hold, D1 still deferred",
    });
    expect((await UPGRADE_CHECKS["queue-kept"](context(versioned, [["postqueue -j", { out: q("active") }]], ids))).ok).toBe(false);
  });

  it("make-upgrade reads the result the sequence ran", async () => {
    const out = "Updating /usr/sbin/postconf...\nUpdating /usr/libexec/postfix/smtpd...\ndone";
    expect(await UPGRADE_CHECKS["make-upgrade"](context(versioned, [], { upgrade: { code: 0, out, err: "" } }))).toEqual({
      ok: true,
      detail: "exit 0 (2 files updated)",
    });
    expect(
      await UPGRADE_CHECKS["make-upgrade"](context(versioned, [], { upgrade: { code: 2, out: "a\nb\nmake: *** Error 1", err: "" } })),
    ).toEqual({ ok: false, detail: "exit 2: a | b | make: *** Error 1" });
  });

  it("settings-kept reads back every main.cf and master.cf setting", async () => {
    const s = versioned;
    const rules: Rule[] = [
      ...s.settings.map(([k, v]): Rule => [`postconf -h ${k}`, { out: v }]),
      ...s.masterSettings.map(([k, v]): Rule => [`postconf -Ph ${k}`, { out: v }]),
      ["postconf -h defer_transports", { out: "local" }],
    ];
    expect((await UPGRADE_CHECKS["settings-kept"](context(s, rules))).ok).toBe(true);
    const changed = await UPGRADE_CHECKS["settings-kept"](context(s, [["postconf -h message_size_limit", { out: "10240000" }], ...rules]));
    expect(changed).toMatchObject({ ok: false, detail: 'message_size_limit = "10240000" (set "20480000")' });
  });

  it("postfix-check keeps up to 800 characters of what it printed", async () => {
    const r = await UPGRADE_CHECKS["postfix-check"](context(versioned, [["postfix check", { code: 1, out: "w ".repeat(600) }]]));
    expect(r.ok).toBe(false);
    expect(r.detail.length).toBe("exit 1: ".length + 800);
  });
});
