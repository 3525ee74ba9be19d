// RunOptions for driving runMatrix on a fake engine: a temporary output folder, a stand-in
// source tarball that every release resolves to, no verification, nothing observed.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeRenderer } from "../../src/core/render/dockerfile.js";
import type { Engine } from "../../src/io/docker/engine.js";
import { loadTemplates } from "../../src/io/fs/templates.js";
import type { ResolvedSource } from "../../src/io/source/resolve.js";
import { ContainerRegistry } from "../../src/io/verify/verify.js";
import type { RunOptions } from "../../src/run/run-matrix.js";

export async function fakeRunOptions(engine: Engine, extra: Partial<RunOptions> = {}, dir?: string): Promise<RunOptions> {
  const outDir = dir ?? (await mkdtemp(path.join(os.tmpdir(), "pm-run-")));
  await mkdir(outDir, { recursive: true });
  const tarball = path.join(outDir, "postfix.tar.gz");
  await writeFile(tarball, "not really a tarball");
  const resolve = async (req: { version: string; sha256?: string }): Promise<ResolvedSource> => ({
    version: req.version,
    sha256: req.sha256 ?? "",
    path: tarball,
    fileName: `postfix-${req.version}.tar.gz`,
    bytes: 20,
    origin: "cache",
  });
  return {
    engine,
    render: makeRenderer(await loadTemplates()),
    outDir,
    concurrency: 2,
    builder: "buildkit",
    bootstrapMissing: false,
    verify: false,
    build: true,
    failFast: false,
    sources: { cacheDir: outDir, mirrors: [], debian: false },
    observer: { note: () => {}, cellState: () => {}, cellStep: () => {} },
    signal: new AbortController().signal,
    registry: new ContainerRegistry(),
    resolve,
    ...extra,
  };
}
