// The Engine API's two stream shapes: JSON lines (build, import) and the multiplexed
// stdout/stderr frames of a container's logs.

export async function* jsonLines(stream: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal?.aborted) break;
    buf += chunk.toString("utf8");
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf.trim()) yield buf;
}

export async function readJsonLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out: string[] = [];
  for await (const l of jsonLines(stream)) out.push(l);
  return out;
}

/** The multiplexed log stream of a non-TTY container as text (8-byte frame headers dropped). */
export function demux(buf: Buffer): string {
  if (!Buffer.isBuffer(buf)) return String(buf);
  const out: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2 || buf[i] === 0)) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len));
    i += 8 + len;
  }
  return i === 0 ? buf.toString("utf8") : Buffer.concat(out).toString("utf8");
}
