// The Debian fallback against fake apt-get / apt-cache scripts: no network, fast.
import { chmod, mkdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readAptSourceFiles } from "../../src/io/apt/read-sources.js";
import { fetchFromDebian } from "../../src/io/source/debian.js";
import { fakeTarball, tempDir } from "./helpers.js";

const M = "http://mirror.invalid/debian";

let dir: string;
let cacheDir: string;
let aptRoot: string;
let aptGet: string;
let aptCache: string;
let calls: string;
let tarball: { bytes: Buffer; sha256: string };

async function script(name: string, body: string): Promise<string> {
  const p = path.join(dir, "bin", name);
  await writeFile(p, `#!/bin/sh\n${body}\n`);
  await chmod(p, 0o755);
  return p;
}

beforeEach(async () => {
  dir = await tempDir("pm-deb-");
  cacheDir = path.join(dir, "cache");
  aptRoot = path.join(dir, "etc-apt");
  calls = path.join(dir, "calls.log");
  await mkdir(path.join(aptRoot, "sources.list.d"), { recursive: true });
  await mkdir(path.join(dir, "bin"), { recursive: true });
  await writeFile(
    path.join(aptRoot, "sources.list.d", "debian.sources"),
    `Types: deb\nURIs: ${M}\nSuites: bookworm bookworm-updates\nComponents: main\n`,
  );
  await writeFile(path.join(aptRoot, "sources.list.d", "ignored.list.disabled"), "deb http://x.invalid/ x main\n");
  tarball = fakeTarball();
  await writeFile(path.join(dir, "orig.tar.gz"), tarball.bytes);
  // Package lists "appear" after an update; the showsrc output comes from a file.
  await writeFile(path.join(dir, "showsrc.txt"), "Package: postfix\nVersion: 3.7.11-0+deb12u1\n\nPackage: postfix\nVersion: 1:3.9.9-2\n");
  aptGet = await script(
    "apt-get",
    `echo "apt-get $*" >> '${calls}'
for a in "$@"; do last="$a"; done
case "$last" in
  --version) echo "apt 2.6.1"; exit 0 ;;
  update) touch '${dir}/updated'; exit 0 ;;
  postfix=*)
    v="\${last#postfix=}"; v="\${v#*:}"; up="\${v%-*}"
    cp '${dir}/orig.tar.gz' "postfix_\${up}.orig.tar.gz"
    echo sig > "postfix_\${up}.orig.tar.gz.asc"
    echo dsc > "postfix_\${v}.dsc"
    exit 0 ;;
esac
exit 1`,
  );
  aptCache = await script(
    "apt-cache",
    `echo "apt-cache $*" >> '${calls}'
[ -f '${dir}/updated' ] || { echo "E: Unable to find a source package for postfix" >&2; exit 100; }
cat '${dir}/showsrc.txt'`,
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const callLog = async () => (await readFile(calls, "utf8").catch(() => "")).trim().split("\n").filter(Boolean);

describe("fetchFromDebian (fake apt)", () => {
  it("updates private lists, finds the Debian version, downloads and caches only the orig tarball", async () => {
    const r = await fetchFromDebian("3.9.9", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.debianVersion).toBe("1:3.9.9-2");
    expect(r.hit.path).toBe(path.join(cacheDir, "sources", "sha256", tarball.sha256, "postfix-3.9.9.tar.gz"));
    expect(await readFile(r.hit.path)).toEqual(tarball.bytes);
    expect(r.hit.signaturePath).toBe(`${r.hit.path}.asc`);

    const sources = await readFile(path.join(cacheDir, "apt", "sources.list"), "utf8");
    expect(sources).toContain(`deb-src ${M} trixie main`);
    expect(sources).not.toMatch(/^deb /m);

    const log = await callLog();
    const update = log.find((l) => l.endsWith(" update"))!;
    expect(update).toContain(`Dir::Etc::SourceList=${path.join(cacheDir, "apt", "sources.list")}`);
    expect(update).toContain("Dir::Etc::SourceParts=/dev/null");
    expect(update).toContain(`Dir::State::Lists=${path.join(cacheDir, "apt", "lists")}`);
    expect(update).toContain(`Dir::Cache=${path.join(cacheDir, "apt", "cache")}`);
    expect(log.filter((l) => l.endsWith(" update"))).toHaveLength(1);
    expect(log.some((l) => l.includes("source postfix=1:3.9.9-2"))).toBe(true);
  });

  it("reuses fresh lists (no update), refreshes lists older than a day", async () => {
    await fetchFromDebian("3.9.9", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    await rm(path.join(cacheDir, "sources", "sha256"), { recursive: true });
    await writeFile(calls, "");
    const r2 = await fetchFromDebian("3.9.9", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    expect(r2.ok).toBe(true);
    expect((await callLog()).filter((l) => l.endsWith(" update"))).toHaveLength(0);

    const old = new Date(Date.now() - 2 * 24 * 3600_000);
    await utimes(path.join(cacheDir, "apt", "updated"), old, old);
    await writeFile(calls, "");
    await fetchFromDebian("3.9.9", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    expect((await callLog()).filter((l) => l.endsWith(" update"))).toHaveLength(1);
  });

  it("a version not in the (fresh) lists triggers one update and retry, then a clear reason", async () => {
    await fetchFromDebian("3.9.9", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    await writeFile(calls, "");
    const r = await fetchFromDebian("3.8.1", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reasons.join("\n")).toMatch(/no postfix source package with upstream version 3\.8\.1 in \d+ deb-src suites \(bookworm, /);
    const log = await callLog();
    expect(log.filter((l) => l.endsWith(" update"))).toHaveLength(1);
    expect(log.filter((l) => l.includes("showsrc"))).toHaveLength(2);
  });

  it("a wrong checksum from Debian is refused and nothing is cached", async () => {
    const r = await fetchFromDebian("3.9.9", "e".repeat(64), { cacheDir, aptRoot, aptGet, aptCache });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reasons.join("\n")).toMatch(/sha256 mismatch/);
    await expect(readFile(path.join(cacheDir, "sources", "sha256", "e".repeat(64), "postfix-3.9.9.tar.gz"))).rejects.toThrow();
  });

  it("apt-get missing: a clear reason, nothing run", async () => {
    const r = await fetchFromDebian("3.9.9", tarball.sha256, {
      cacheDir,
      aptRoot,
      aptGet: path.join(dir, "bin", "no-such-apt-get"),
      aptCache,
    });
    expect(r).toEqual({ ok: false, reasons: [expect.stringMatching(/no-such-apt-get is not available/)] });
    expect(await callLog()).toEqual([]);
  });

  it("no Debian archive in the apt configuration: a clear reason", async () => {
    await writeFile(
      path.join(aptRoot, "sources.list.d", "debian.sources"),
      "Types: deb\nURIs: http://ubuntu.invalid/ubuntu\nSuites: noble\nComponents: main\n",
    );
    const r = await fetchFromDebian("3.9.9", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache });
    expect(r).toEqual({ ok: false, reasons: [expect.stringMatching(/no Debian archive found/)] });
  });

  it("reads sources.list, *.list and *.sources only", async () => {
    await writeFile(path.join(aptRoot, "sources.list"), `deb ${M} bookworm main\n`);
    await writeFile(path.join(aptRoot, "sources.list.d", "extra.list"), "");
    const files = await readAptSourceFiles(aptRoot);
    expect(files.map((f) => path.relative(aptRoot, f.path))).toEqual([
      "sources.list",
      path.join("sources.list.d", "debian.sources"),
      path.join("sources.list.d", "extra.list"),
    ]);
  });

  it("rejects an unsafe version before running anything", async () => {
    await expect(fetchFromDebian("3.9.9 -o x", tarball.sha256, { cacheDir, aptRoot, aptGet, aptCache })).rejects.toThrow(
      /invalid Postfix version/,
    );
    expect(await callLog()).toEqual([]);
  });
});
