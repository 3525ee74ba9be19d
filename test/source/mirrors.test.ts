import { readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SourceError } from "../../src/errors.js";
import { DEFAULT_MIRRORS, mirrorUrl, parseMirrorList } from "../../src/io/source/mirrors.js";
import { defaultResolveOptions, resolveSource, type ResolveOptions } from "../../src/io/source/resolve.js";
import { fakeTarball, loopbackServer, serve, tempDir } from "./helpers.js";

describe("mirror list", () => {
  it.each<[string | undefined, string[]]>([
    [undefined, [...DEFAULT_MIRRORS]],
    ["", [...DEFAULT_MIRRORS]],
    ["none", []],
    [" NONE ", []],
    ["http://a.invalid/{file}, https://b.invalid/p/{version}/{file}", ["http://a.invalid/{file}", "https://b.invalid/p/{version}/{file}"]],
  ])("POSTFIX_MATRIX_MIRRORS=%j", (value, expected) => {
    expect(parseMirrorList(value)).toEqual(expected);
  });

  it("rejects non-URLs and non-http mirrors", () => {
    expect(() => parseMirrorList("not a url")).toThrow(SourceError);
    expect(() => parseMirrorList("ftp://a.invalid/{file}")).toThrow(/only http/);
  });

  it.each([
    ["http://m.invalid/official/{file}", "http://m.invalid/official/postfix-3.10.13.tar.gz"],
    ["http://m.invalid/{version}/postfix-{version}.tar.gz", "http://m.invalid/3.10.13/postfix-3.10.13.tar.gz"],
    ["http://m.invalid/dir/", "http://m.invalid/dir/postfix-3.10.13.tar.gz"],
  ])("mirrorUrl(%s)", (tpl, url) => {
    expect(mirrorUrl(tpl, "3.10.13")).toBe(url);
  });

  it("defaults: upstream first, cache dir and mirrors from env", () => {
    expect(DEFAULT_MIRRORS[0]).toMatch(/\/official\/\{file\}$/);
    const o = defaultResolveOptions({ POSTFIX_MATRIX_CACHE: "/c", POSTFIX_MATRIX_MIRRORS: "none" });
    expect(o).toMatchObject({ cacheDir: "/c", mirrors: [], debian: true, mirrorTimeoutMs: 20_000 });
  });
});

describe("resolving from mirrors (loopback)", () => {
  let dir: string;
  const closers: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
    await rm(dir, { recursive: true, force: true });
  });
  const opts = (mirrors: string[], extra: Partial<ResolveOptions> = {}): ResolveOptions => ({
    cacheDir: dir,
    mirrors,
    debian: false,
    mirrorTimeoutMs: 2_000,
    ...extra,
  });
  const entries = async () => readdir(path.join(dir, "sources", "sha256")).catch(() => [] as string[]);

  it("downloads, verifies, caches (with the .gpg2 signature) and then hits the cache", async () => {
    const t = fakeTarball();
    const srv = await loopbackServer({
      "/official/postfix-3.9.9.tar.gz": serve(t.bytes),
      "/official/postfix-3.9.9.tar.gz.gpg2": serve(Buffer.from("-----BEGIN PGP SIGNATURE-----")),
    });
    closers.push(srv.close);
    const o = opts([`${srv.base}/official/{file}`]);
    const r = await resolveSource({ version: "3.9.9", sha256: t.sha256 }, o);
    expect(r).toMatchObject({
      version: "3.9.9",
      sha256: t.sha256,
      fileName: "postfix-3.9.9.tar.gz",
      bytes: t.bytes.length,
      origin: "mirror",
      from: `${srv.base}/official/postfix-3.9.9.tar.gz`,
    });
    expect(r.path).toBe(path.join(dir, "sources", "sha256", t.sha256, "postfix-3.9.9.tar.gz"));
    expect(await readFile(r.path)).toEqual(t.bytes);
    expect(await readFile(`${r.path}.asc`, "utf8")).toMatch(/PGP SIGNATURE/);
    expect(await readdir(path.join(dir, "sources", "tmp"))).toEqual([]);

    const again = await resolveSource({ version: "3.9.9", sha256: t.sha256 }, o);
    expect(again.origin).toBe("cache");
    expect(srv.hits.filter((h) => h.endsWith(".tar.gz"))).toHaveLength(1);
  });

  it("a checksum mismatch is a SourceError and nothing is cached", async () => {
    const t = fakeTarball();
    const srv = await loopbackServer({ "/postfix-3.9.9.tar.gz": serve(t.bytes) });
    closers.push(srv.close);
    const err = await resolveSource({ version: "3.9.9", sha256: "d".repeat(64) }, opts([`${srv.base}/{file}`])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(/did not match its checksum[\s\S]*sha256 mismatch: got [0-9a-f]{64}/);
    expect(await entries()).toEqual([]);
    expect(await readdir(path.join(dir, "sources", "tmp"))).toEqual([]);
  });

  it("a 404 on the first mirror falls through to the second", async () => {
    const t = fakeTarball();
    const srv = await loopbackServer({ "/second/postfix-3.9.9.tar.gz": serve(t.bytes) });
    closers.push(srv.close);
    const logs: string[] = [];
    const r = await resolveSource(
      { version: "3.9.9", sha256: t.sha256 },
      opts([`${srv.base}/first/{file}`, `${srv.base}/second/{file}`], { log: (l) => logs.push(l) }),
    );
    expect(r.origin).toBe("mirror");
    expect(r.from).toBe(`${srv.base}/second/postfix-3.9.9.tar.gz`);
    expect(logs.join("\n")).toMatch(/first\/postfix-3\.9\.9\.tar\.gz: HTTP 404/);
  });

  it("a mirror that hangs times out and the next is tried; all failing lists every reason", async () => {
    const t = fakeTarball();
    const srv = await loopbackServer({
      // Headers then silence: the timeout must cover the body too.
      "/slow/postfix-3.9.9.tar.gz": (_req, res) => {
        res.writeHead(200, { "content-length": String(t.bytes.length) });
        res.write(t.bytes.subarray(0, 100));
      },
      "/hang/postfix-3.9.9.tar.gz": () => {},
    });
    closers.push(srv.close);
    const t0 = Date.now();
    const err = await resolveSource(
      { version: "3.9.9", sha256: t.sha256 },
      opts([`${srv.base}/slow/{file}`, `${srv.base}/hang/{file}`, `${srv.base}/missing/{file}`], {
        mirrorTimeoutMs: 300,
      }),
    ).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(err).toBeInstanceOf(SourceError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/slow\/postfix-3\.9\.9\.tar\.gz: timed out after 300 ms/);
    expect(msg).toMatch(/hang\/postfix-3\.9\.9\.tar\.gz: timed out after 300 ms/);
    expect(msg).toMatch(/missing\/postfix-3\.9\.9\.tar\.gz: HTTP 404/);
    expect(msg).toMatch(/debian: fallback disabled/);
    expect(await entries()).toEqual([]);
  });

  it("an unreachable mirror (connection refused) falls through", async () => {
    const t = fakeTarball();
    const srv = await loopbackServer({ "/ok/postfix-3.9.9.tar.gz": serve(t.bytes) });
    const dead = await loopbackServer({});
    await dead.close();
    closers.push(srv.close);
    const r = await resolveSource({ version: "3.9.9", sha256: t.sha256 }, opts([`${dead.base}/{file}`, `${srv.base}/ok/{file}`]));
    expect(r.origin).toBe("mirror");
  });

  it("concurrent resolves of one release share one download", async () => {
    const t = fakeTarball(64 * 1024);
    const srv = await loopbackServer({ "/postfix-3.9.9.tar.gz": serve(t.bytes) });
    closers.push(srv.close);
    const o = opts([`${srv.base}/{file}`]);
    const rs = await Promise.all([1, 2, 3].map(() => resolveSource({ version: "3.9.9", sha256: t.sha256 }, o)));
    expect(new Set(rs.map((r) => r.path)).size).toBe(1);
    expect(rs.every((r) => r.origin === "mirror")).toBe(true);
    expect(srv.hits.filter((h) => h.endsWith(".tar.gz"))).toHaveLength(1);
    expect((await stat(rs[0]!.path)).size).toBe(t.bytes.length);
  });

  it("uses fetchImpl when given", async () => {
    const t = fakeTarball();
    const seen: string[] = [];
    const fetchImpl: typeof fetch = async (input) => {
      seen.push(String(input));
      return String(input).endsWith(".tar.gz") ? new Response(t.bytes) : new Response("no", { status: 404 });
    };
    const r = await resolveSource({ version: "3.9.9", sha256: t.sha256 }, opts(["http://mirror.invalid/{file}"], { fetchImpl }));
    expect(r.origin).toBe("mirror");
    expect(seen).toEqual(["http://mirror.invalid/postfix-3.9.9.tar.gz", "http://mirror.invalid/postfix-3.9.9.tar.gz.gpg2"]);
  });
});
