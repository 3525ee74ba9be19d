// Test mail to the container's local mailbox user, and finding it there by its token.
import { MAILBOX_USER, type PostfixShell } from "./postfix-container.js";
import { CLIENT_DOMAIN, sendMail, type SmtpOutcome } from "./smtp.js";
import { sleep } from "./text.js";

/** The mailbox file, as a shell word. */
export const MAILBOX_FILE = `"$(postconf -xh mail_spool_directory)/${MAILBOX_USER}"`;

/** Over SMTP from the host to the mailbox user; `sender` is the local part of the envelope sender. */
export function mailToUser(c: PostfixShell, sender: string, body: string, opts: { requireTLS?: boolean } = {}): Promise<SmtpOutcome> {
  return sendMail(c.smtpTarget(), { from: `${sender}@${CLIENT_DOMAIN}`, to: `${MAILBOX_USER}@${c.hostname}` }, body, opts);
}

/** How many mails in the mailbox have the body line `token <t>`, for each token. */
export async function countInMailbox(c: Pick<PostfixShell, "sh">, tokens: readonly string[]): Promise<number[]> {
  const r = await c.sh(`f=${MAILBOX_FILE}; for t in ${tokens.join(" ")}; do grep -c "^token $t\\$" "$f" 2>/dev/null || true; done`);
  return r.out.split("\n").map((n) => Number(n) || 0);
}

/** Waits up to `ms` for every token to be in the mailbox; `nudge` runs every 3 s meanwhile. */
export async function waitMailbox(
  c: Pick<PostfixShell, "sh">,
  tokens: readonly string[],
  ms: number,
  nudge?: () => Promise<unknown>,
): Promise<boolean> {
  let nudged = Date.now();
  for (const end = Date.now() + ms; Date.now() < end; await sleep(250)) {
    const n = await countInMailbox(c, tokens);
    if (n.length === tokens.length && n.every((x) => x > 0)) return true;
    if (nudge && Date.now() - nudged > 3_000) {
      nudged = Date.now();
      await nudge();
    }
  }
  return false;
}

export type Delivery =
  | { accepted: false; response: string }
  | { accepted: true; response: string; delivered: true }
  | { accepted: true; response: string; delivered: false; queueTail: string };

/** Sends `token <body>` from `sender` and waits 15 s for it in the mailbox. */
export async function deliverToken(c: PostfixShell, sender: string, body: string): Promise<Delivery> {
  const s = await mailToUser(c, sender, `token ${body}`);
  if (!s.accepted) return { accepted: false, response: s.response };
  if (await waitMailbox(c, [body], 15_000)) return { accepted: true, response: s.response, delivered: true };
  const q = await c.sh("postqueue -p 2>&1 | tail -5");
  return { accepted: true, response: s.response, delivered: false, queueTail: q.out };
}
