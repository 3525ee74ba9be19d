// Really resolves Postfix 3.7.11 through Debian's source archive (apt, using the
// machine's own apt configuration in a private state), then again from the cache.
// No mirrors are configured, so nothing upstream is contacted.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sha256File } from "../../src/io/source/cache.js";
import { resolveSource, type ResolveOptions } from "../../src/io/source/resolve.js";

const SHA = "8451fb343692b23cba105b6a194a27a6f32ff21bd2c3bb2fed5ac50d0631deda";

describe("Debian fallback (integration)", () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(
    "resolves 3.7.11 from Debian's source archive, then from the cache",
    async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), "pm-debian-itg-"));
      const lines: string[] = [];
      const opts: ResolveOptions = { cacheDir: dir, mirrors: [], debian: true, log: (l) => lines.push(l) };

      const t0 = Date.now();
      const first = await resolveSource({ version: "3.7.11" }, opts);
      const secs = (Date.now() - t0) / 1000;
      console.log(`debian fallback took ${secs.toFixed(1)} s\n${lines.join("\n")}`);

      expect(first.origin).toBe("debian");
      expect(first.from).toMatch(/^(\d+:)?3\.7\.11-/);
      expect(first.sha256).toBe(SHA);
      expect(first.fileName).toBe("postfix-3.7.11.tar.gz");
      expect(first.path).toBe(path.join(dir, "sources", "sha256", SHA, "postfix-3.7.11.tar.gz"));
      expect((await sha256File(first.path)).sha256).toBe(SHA);
      expect(first.bytes).toBeGreaterThan(1_000_000);

      const second = await resolveSource({ version: "3.7.11" }, opts);
      expect(second.origin).toBe("cache");
      expect(second.path).toBe(first.path);
      expect(second.sha256).toBe(SHA);
    },
    15 * 60_000,
  );
});
