// The registry HTTP client against a small registry stand-in on loopback: what a tag holds,
// a missing tag, Basic and Bearer token auth, refusals and an unreachable address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RegistryClient, RegistryError } from "../../src/io/registry/registry-client.js";

const CONFIG = { rootfs: { diff_ids: ["sha256:l1", "sha256:l2"] }, config: { Labels: { a: "b" } } };
const BASIC = `Basic ${Buffer.from("u:p").toString("base64")}`;
let server: Server;
let port = 0;
let mode: "basic" | "bearer" = "basic";

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/token") {
    const ok = req.headers.authorization === BASIC && url.searchParams.get("scope") === "repository:team/pm:pull,push";
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { token: "T" } : {}));
    return;
  }
  const authorized = mode === "basic" ? req.headers.authorization === BASIC : req.headers.authorization === "Bearer T";
  if (!authorized) {
    const challenge =
      mode === "basic"
        ? 'Basic realm="test"'
        : `Bearer realm="http://127.0.0.1:${port}/token",service="test",scope="repository:team/pm:pull,push"`;
    res.writeHead(401, { "www-authenticate": challenge }).end();
    return;
  }
  if (url.pathname === "/v2/team/pm/tags/list") return void res.writeHead(200).end("{}");
  if (url.pathname === "/v2/team/pm/manifests/there") {
    res.writeHead(200, { "docker-content-digest": "sha256:m" }).end(JSON.stringify({ config: { digest: "sha256:c" } }));
    return;
  }
  if (url.pathname === "/v2/team/pm/blobs/sha256:c") return void res.writeHead(200).end(JSON.stringify(CONFIG));
  res.writeHead(404).end(JSON.stringify({ errors: [{ code: "MANIFEST_UNKNOWN" }] }));
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const client = (auth?: { username: string; password: string }) =>
  new RegistryClient({ registry: `127.0.0.1:${port}`, path: "team/pm" }, auth ? { ...auth, serveraddress: "x" } : undefined);

describe.each(["basic", "bearer"] as const)("registry client, %s auth", (m) => {
  it("reads what a tag holds: manifest digest, layers, labels; a missing tag is undefined", async () => {
    mode = m;
    const c = client({ username: "u", password: "p" });
    await c.check();
    expect(await c.image("there")).toEqual({
      digest: "sha256:m",
      configDigest: "sha256:c",
      layers: ["sha256:l1", "sha256:l2"],
      labels: { a: "b" },
    });
    expect(await c.image("missing")).toBeUndefined();
  });

  it("wrong credentials and none are refused with what to do", async () => {
    mode = m;
    await expect(client({ username: "u", password: "wrong" }).check()).rejects.toThrow(/refused the credentials of u \(HTTP 401\)/);
    await expect(client().check()).rejects.toThrow(/refused anonymous access \(HTTP 401\)/);
  });
});

describe("registry client, unreachable", () => {
  it("says which registry and why", async () => {
    const c = new RegistryClient({ registry: "127.0.0.1:5999", path: "p" }, undefined);
    const e = await c.check().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RegistryError);
    expect((e as Error).message).toMatch(/registry 127\.0\.0\.1:5999 is unreachable \(http:\/\/127\.0\.0\.1:5999\): ECONNREFUSED/);
  });
});
