// The build context as a tar stream: the generated Dockerfile plus the verified release
// tarball, streamed from the source cache without a temporary directory.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import tar from "tar-stream";

export interface ContextFile {
  name: string;
  path: string;
}

/** Fixed metadata keeps the context byte-identical between runs. */
const FIXED = { mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: "root", gname: "root" };

export function buildContext(dockerfile: string, files: readonly ContextFile[]): Readable {
  const pack = tar.pack();
  (async () => {
    pack.entry({ name: "Dockerfile", ...FIXED }, dockerfile);
    for (const f of files) {
      const { size } = await stat(f.path);
      const entry = pack.entry({ name: f.name, size, ...FIXED });
      await pipeline(createReadStream(f.path), entry);
    }
    pack.finalize();
  })().catch((e: Error) => pack.destroy(e));
  return pack as unknown as Readable;
}
