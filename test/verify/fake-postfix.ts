// A stand-in for a running Postfix container: `sh` answers from canned rules (first match wins).
import type { Exec, PostfixContainer } from "../../src/io/verify/postfix-container.js";

export type Rule = [match: string | RegExp, answer: Partial<Exec> | ((cmd: string) => Partial<Exec>)];

export interface FakePostfix extends PostfixContainer {
  /** Every command `sh` was given, in order. */
  commands: string[];
}

export function fakePostfix(rules: Rule[], hostname = "verify.postfix-matrix.test", maillog = ""): FakePostfix {
  const commands: string[] = [];
  return {
    id: "fake",
    hostname,
    commands,
    maillog: () => maillog,
    async sh(cmd) {
      commands.push(cmd);
      const hit = rules.find(([m]) => (typeof m === "string" ? cmd.includes(m) : m.test(cmd)));
      if (!hit) throw new Error(`fake container: no answer for ${cmd}`);
      const a = typeof hit[1] === "function" ? hit[1](cmd) : hit[1];
      return { code: 0, out: "", err: "", ...a };
    },
    // Port 9 on the loopback: nothing listens, so a probe that reaches SMTP fails fast.
    smtpTarget: () => ({ host: "127.0.0.1", port: 9 }),
    logs: async () => "",
    restart: async () => undefined,
    stop: async () => undefined,
  };
}
