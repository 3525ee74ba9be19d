// The mail queue and the running state of the Postfix under upgrade.
import type { PostfixShell } from "../verify/postfix-container.js";
import type { Outcome } from "../verify/probes.js";
import { one, sleep } from "../verify/text.js";

export interface QueueEntry {
  id: string;
  queue: string;
  sender: string;
}

/** `postqueue -j` output: one JSON object per line; lines that are not JSON are skipped. */
export function parseQueue(text: string): QueueEntry[] {
  const out: QueueEntry[] = [];
  for (const line of text.split("\n")) {
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

export async function queue(c: Pick<PostfixShell, "sh">): Promise<QueueEntry[]> {
  return parseQueue((await c.sh("postqueue -j 2>/dev/null")).out);
}

/** Waits up to 30 s for `postfix status` to say Postfix runs (a restart may still be on its way). */
export async function waitRunning(c: Pick<PostfixShell, "sh">): Promise<Outcome> {
  let last = { code: -1, out: "" };
  for (let i = 0; i < 60; i++) {
    try {
      last = await c.sh("postfix status 2>&1");
      if (last.code === 0) return { ok: true, detail: one(last.out.replace(/^postfix\/postfix-script: /, ""), 400) };
    } catch (e) {
      last = { code: -1, out: (e as Error).message };
    }
    await sleep(500);
  }
  return { ok: false, detail: `postfix status after 30 s: exit ${last.code} ${one(last.out, 400)}` };
}
