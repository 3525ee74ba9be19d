// Probes both the image checks and the upgrade checks run, one implementation each.
import type { Throughput } from "../../core/outcome.js";
import type { PostfixShell } from "./postfix-container.js";
import { CLIENT_DOMAIN, sendMail, type SmtpOutcome } from "./smtp.js";
import { one } from "./text.js";

export interface Outcome {
  ok: boolean;
  detail: string;
  /** The throughput smoke's measurement, kept as data in the verification result. */
  throughput?: Throughput;
}

/** `postfix check`: exit 0 and no output at all (a warning is a failure). */
export async function postfixCheck(c: Pick<PostfixShell, "sh">, detailMax = 300): Promise<Outcome> {
  const r = await c.sh("postfix check 2>&1");
  const ok = r.code === 0 && r.out === "";
  return { ok, detail: ok ? "exit 0, no warnings" : `exit ${r.code}: ${one(r.out, detailMax)}` };
}

/** Mail to an outside domain must be refused with "Relay access denied". */
export async function relayRefused(c: Pick<PostfixShell, "smtpTarget">, detailMax = 300): Promise<Outcome> {
  const s = await sendMail(c.smtpTarget(), { from: `sender@${CLIENT_DOMAIN}`, to: "someone@relay-test.invalid" }, "relay probe");
  return relayVerdict(s, detailMax);
}

export function relayVerdict(s: SmtpOutcome, detailMax = 300): Outcome {
  const ok = !s.accepted && (s.code ?? 0) >= 400 && /relay access denied/i.test(s.response);
  return { ok, detail: s.accepted ? `ACCEPTED for relay: ${one(s.response, detailMax)}` : one(s.response, detailMax) };
}

/** dynamicmaps.cf and what plugin packages add in dynamicmaps.cf.d (INSTALL 4.4.4). */
export const DYNAMICMAPS_CF =
  'm="$(postconf -xh meta_directory)"; cat "$m/dynamicmaps.cf"; for f in "$m/dynamicmaps.cf.d/"*; do if test -f "$f"; then cat "$f"; fi; done';

/** Whether dynamicmaps.cf (its text) lists map type `type` with plugin file `file`. */
export function inDynamicmaps(cf: string, type: string, file: string): boolean {
  return new RegExp(`^${type}\\s+\\S*${file.replace(/\./g, "\\.")}`, "m").test(cf);
}
