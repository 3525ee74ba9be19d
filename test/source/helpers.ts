// Shared helpers for the source tests: temp dirs, a fake tarball, a loopback HTTP server.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";

export function tempDir(prefix = "pm-src-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export function fakeTarball(size = 4096): { bytes: Buffer; sha256: string } {
  const bytes = randomBytes(size);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex") };
}

export type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** An HTTP server on 127.0.0.1 (random port). `routes` maps a path to a handler; others 404. */
export async function loopbackServer(routes: Record<string, Route>): Promise<{
  base: string;
  hits: string[];
  close: () => Promise<void>;
}> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    hits.push(url);
    const route = routes[url];
    if (route) route(req, res);
    else {
      res.statusCode = 404;
      res.end("not found");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function serve(body: Buffer): Route {
  return (_req, res) => {
    res.setHeader("content-type", "application/gzip");
    res.end(body);
  };
}
