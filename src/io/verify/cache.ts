// Verification results by image id and check set: an unchanged image with unchanged checks
// is not verified again (--reverify forces it). Only passing results are kept, so a failure
// is always looked at afresh.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CheckSpec } from "../../core/verify/checks.js";
import type { VerifyResult } from "../../core/outcome.js";

export class VerifyCache {
  constructor(private readonly dir: string) {}

  private file(imageId: string, checks: readonly CheckSpec[]): string {
    const key = createHash("sha256").update(imageId).update(JSON.stringify(checks)).digest("hex").slice(0, 40);
    return path.join(this.dir, `${key}.json`);
  }

  async get(imageId: string, checks: readonly CheckSpec[]): Promise<VerifyResult | undefined> {
    try {
      return JSON.parse(await readFile(this.file(imageId, checks), "utf8")) as VerifyResult;
    } catch {
      return undefined;
    }
  }

  async put(imageId: string, checks: readonly CheckSpec[], result: VerifyResult): Promise<void> {
    if (result.checks.some((c) => c.status !== "pass")) return;
    const f = this.file(imageId, checks);
    await mkdir(this.dir, { recursive: true });
    // A temp name of its own: two runs putting the same key must not write one temp file.
    const tmp = `${f}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, JSON.stringify(result));
    await rename(tmp, f);
  }
}
