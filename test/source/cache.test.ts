import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cacheTempPath, defaultCacheDir, entryPath, lookupCache, placeInCache, sha256File } from "../../src/io/source/cache.js";
import { resolveSource } from "../../src/io/source/resolve.js";
import { fakeTarball, tempDir } from "./helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("defaultCacheDir", () => {
  it.each<[NodeJS.ProcessEnv, string]>([
    [{ POSTFIX_MATRIX_CACHE: "/x/pm", XDG_CACHE_HOME: "/y", HOME: "/h" }, "/x/pm"],
    [{ XDG_CACHE_HOME: "/y", HOME: "/h" }, "/y/postfix-matrix"],
    [{ HOME: "/h" }, "/h/.cache/postfix-matrix"],
    [{}, path.join(os.homedir(), ".cache", "postfix-matrix")],
  ])("%j -> %s", (env, expected) => {
    expect(defaultCacheDir(env)).toBe(expected);
  });
});

describe("cache", () => {
  it("places a verified file and finds it again", async () => {
    const t = fakeTarball();
    const tmp = await cacheTempPath(dir, "x");
    await writeFile(tmp, t.bytes);
    const placed = await placeInCache(dir, "3.9.9", t.sha256, tmp);
    expect(placed.ok).toBe(true);
    const file = path.join(dir, "sources", "sha256", t.sha256, "postfix-3.9.9.tar.gz");
    expect(entryPath(dir, t.sha256, "3.9.9")).toBe(file);
    expect(await readFile(file)).toEqual(t.bytes);
    expect(await sha256File(file)).toEqual({ sha256: t.sha256, bytes: t.bytes.length });
    expect(await lookupCache(dir, "3.9.9", t.sha256)).toEqual({ path: file, bytes: t.bytes.length });
  });

  it("refuses a file with the wrong sha256 and leaves nothing behind", async () => {
    const t = fakeTarball();
    const tmp = await cacheTempPath(dir, "x");
    await writeFile(tmp, t.bytes);
    const placed = await placeInCache(dir, "3.9.9", "b".repeat(64), tmp);
    expect(placed).toEqual({ ok: false, reason: expect.stringContaining("sha256 mismatch") });
    await expect(stat(tmp)).rejects.toThrow();
    await expect(stat(path.join(dir, "sources", "sha256"))).rejects.toThrow();
  });

  it("misses when there is no entry", async () => {
    expect(await lookupCache(dir, "3.9.9", "c".repeat(64))).toBeUndefined();
  });

  it("removes a corrupt entry", async () => {
    const t = fakeTarball();
    const file = entryPath(dir, t.sha256, "3.9.9");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.from("not the tarball"));
    const logs: string[] = [];
    expect(await lookupCache(dir, "3.9.9", t.sha256, (l) => logs.push(l))).toBeUndefined();
    await expect(stat(path.dirname(file))).rejects.toThrow();
    expect(logs.join("\n")).toMatch(/corrupt/);
  });

  it("resolveSource returns a cache hit without any other origin", async () => {
    const t = fakeTarball();
    const file = entryPath(dir, t.sha256, "3.9.9");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, t.bytes);
    await writeFile(`${file}.asc`, "sig");
    const r = await resolveSource(
      { version: "3.9.9", sha256: t.sha256 },
      { cacheDir: dir, mirrors: ["http://127.0.0.1:9/{file}"], debian: false },
    );
    expect(r).toEqual({
      version: "3.9.9",
      sha256: t.sha256,
      path: file,
      fileName: "postfix-3.9.9.tar.gz",
      bytes: t.bytes.length,
      origin: "cache",
      signaturePath: `${file}.asc`,
    });
  });

  it("resolveSource drops a corrupt entry and goes on (failing here: no origins)", async () => {
    const t = fakeTarball();
    const file = entryPath(dir, t.sha256, "3.9.9");
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, Buffer.from("corrupt"));
    await expect(resolveSource({ version: "3.9.9", sha256: t.sha256 }, { cacheDir: dir, mirrors: [], debian: false })).rejects.toThrow(
      /could not obtain Postfix 3.9.9[\s\S]*mirrors: none configured[\s\S]*debian: fallback disabled/,
    );
    expect(await readdir(path.join(dir, "sources", "sha256"))).toEqual([]);
  });

  it("rejects an unknown version without a checksum before touching anything", async () => {
    await expect(resolveSource({ version: "3.9.9" }, { cacheDir: dir, mirrors: [], debian: false })).rejects.toThrow(
      /unknown Postfix version 3.9.9/,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});
