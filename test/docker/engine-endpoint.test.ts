import { createHash } from "node:crypto";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Docker from "dockerode";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../src/errors.js";
import { type EngineEndpoint, parseEngineList, resolveEngine, resolveEngines } from "../../src/io/docker/engine-endpoint.js";

const tmp = (prefix: string) => mkdtemp(path.join(os.tmpdir(), prefix));
const idOf = (name: string) => createHash("sha256").update(name).digest("hex");

/** Writes ca.pem, cert.pem and key.pem (dummy contents) into `dir`, leaving out `skip`. */
async function pems(dir: string, skip?: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  for (const f of ["ca.pem", "cert.pem", "key.pem"]) if (f !== skip) await writeFile(path.join(dir, f), `dummy ${f}`);
  return dir;
}

/** Adds a context to a Docker config dir's store as `docker context create` lays it out. */
async function addContext(configDir: string, name: string, meta: unknown, tls?: { skip?: string }): Promise<void> {
  const dir = path.join(configDir, "contexts", "meta", idOf(name));
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "meta.json"), typeof meta === "string" ? meta : JSON.stringify(meta));
  if (tls) await pems(path.join(configDir, "contexts", "tls", idOf(name), "docker"), tls.skip);
}
const meta = (name: string, host: string, skip = false) => ({
  Name: name,
  Metadata: { Description: "test" },
  Endpoints: { docker: { Host: host, SkipTLSVerify: skip } },
});

/** An empty environment: nothing of the machine running the tests leaks in. */
const none = { env: {}, dockerConfigDir: path.join(os.tmpdir(), "pm-no-docker-config") };

describe("POSTFIX_MATRIX_ENGINES", () => {
  it.each([
    ["a,b", ["a", "b"]],
    ["a b\tc\nd", ["a", "b", "c", "d"]],
    [" , a ,, tcp://h:1 ,", ["a", "tcp://h:1"]],
    ["", []],
    [" \n, ", []],
  ])("%j is %j", (text, specs) => {
    expect(parseEngineList(text)).toEqual(specs);
  });
});

describe("engine URLs", () => {
  it.each<[string, Pick<EngineEndpoint, "name" | "host" | "dockerOptions">]>([
    [
      "unix:///var/run/docker.sock",
      { name: "/var/run/docker.sock", host: "unix:///var/run/docker.sock", dockerOptions: { socketPath: "/var/run/docker.sock" } },
    ],
    [
      "unix:///run//user/1000/./docker.sock",
      {
        name: "/run/user/1000/docker.sock",
        host: "unix:///run/user/1000/docker.sock",
        dockerOptions: { socketPath: "/run/user/1000/docker.sock" },
      },
    ],
    [
      "tcp://build-1",
      { name: "build-1:2375", host: "tcp://build-1:2375", dockerOptions: { protocol: "http", host: "build-1", port: 2375 } },
    ],
    [
      "tcp://Build-1.Example:2380/",
      {
        name: "build-1.example:2380",
        host: "tcp://build-1.example:2380",
        dockerOptions: { protocol: "http", host: "build-1.example", port: 2380 },
      },
    ],
    ["tcp://[::1]:2375", { name: "[::1]:2375", host: "tcp://[::1]:2375", dockerOptions: { protocol: "http", host: "::1", port: 2375 } }],
    [
      "ssh://ci@build-2",
      { name: "ci@build-2:22", host: "ssh://ci@build-2:22", dockerOptions: { protocol: "ssh", host: "build-2", port: 22, username: "ci" } },
    ],
    [
      "ssh://ci@build-2:2222",
      {
        name: "ci@build-2:2222",
        host: "ssh://ci@build-2:2222",
        dockerOptions: { protocol: "ssh", host: "build-2", port: 2222, username: "ci" },
      },
    ],
  ])("%s", async (spec, want) => {
    const e = await resolveEngine(spec, none);
    expect(e).toEqual({ spec, ...want, env: { DOCKER_HOST: want.host } });
    // Without TLS the child must not inherit the parent's TLS settings or context.
    expect(e.env).toStrictEqual({
      DOCKER_HOST: want.host,
      DOCKER_TLS_VERIFY: undefined,
      DOCKER_CERT_PATH: undefined,
      DOCKER_CONTEXT: undefined,
    });
  });

  it("passes the ssh agent of the environment to dockerode", async () => {
    const e = await resolveEngine("ssh://ci@build-2", { ...none, env: { SSH_AUTH_SOCK: "/tmp/agent.sock" } });
    expect(e.dockerOptions.sshOptions).toEqual({ agent: "/tmp/agent.sock" });
  });

  it.each([
    ["http://build-1:2375", /http:\/\/ is not supported/],
    ["https://build-1:2376", /https:\/\/ is not supported/],
    ["npipe:////./pipe/docker_engine", /npipe:\/\/ is not supported/],
    ["tcp://", /needs a host/],
    ["tcp://build-1:2375/v1.41", /no path/],
    ["tcp://me@build-1", /takes no user/],
    ["tcp://build-1:99999", /not a valid URL/],
    ["unix://", /needs a socket path/],
    ["unix://docker.sock", /not absolute/],
    ["ssh://build-2", /needs a user/],
    ["ssh://ci:secret@build-2", /no path, query or password/],
    ["build-1:2375", /neither an engine URL nor a Docker context name/],
    ["/var/run/docker.sock", /neither an engine URL nor a Docker context name/],
    ["", /neither an engine URL nor a Docker context name/],
  ])("refuses %j", async (spec, why) => {
    const err = await resolveEngine(spec, none).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(why);
    expect((err as UsageError).message).toContain(`"${spec}"`);
    expect((err as UsageError).hint).toMatch(/unix:\/\/\/path/);
  });
});

describe("TLS from DOCKER_TLS_VERIFY / DOCKER_CERT_PATH", () => {
  it("makes tcp:// an https engine on port 2376 with the cert files read", async () => {
    const certs = await pems(await tmp("pm-certs-"));
    const e = await resolveEngine("tcp://build-1", { env: { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs } });
    expect(e.host).toBe("tcp://build-1:2376");
    expect(e.env).toEqual({ DOCKER_HOST: "tcp://build-1:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs });
    expect(e.dockerOptions).toEqual({
      protocol: "https",
      host: "build-1",
      port: 2376,
      ca: Buffer.from("dummy ca.pem"),
      cert: Buffer.from("dummy cert.pem"),
      key: Buffer.from("dummy key.pem"),
    });
  });

  it("DOCKER_CERT_PATH alone is TLS too; DOCKER_TLS_VERIFY alone takes the files from the config dir", async () => {
    const certs = await pems(await tmp("pm-certs-"));
    expect((await resolveEngine("tcp://h:3000", { env: { DOCKER_CERT_PATH: certs } })).dockerOptions.protocol).toBe("https");
    const config = await pems(await tmp("pm-docker-config-"));
    const e = await resolveEngine("tcp://h", { env: { DOCKER_TLS_VERIFY: "1" }, dockerConfigDir: config });
    expect(e.env.DOCKER_CERT_PATH).toBe(config);
    expect(e.dockerOptions.key).toEqual(Buffer.from("dummy key.pem"));
  });

  it("names the missing cert file", async () => {
    const certs = await pems(await tmp("pm-certs-"), "key.pem");
    const err = await resolveEngine("tcp://h", { env: { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`${path.join(certs, "key.pem")} is missing`);
    expect((err as Error).message).not.toContain("cert.pem");
  });

  it("does not apply to unix:// and ssh://", async () => {
    const env = { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/nowhere" };
    expect((await resolveEngine("unix:///s.sock", { env })).env.DOCKER_TLS_VERIFY).toBeUndefined();
    expect((await resolveEngine("ssh://u@h", { env })).dockerOptions.protocol).toBe("ssh");
  });
});

describe("Docker contexts", () => {
  it("reads a plain context and a TLS context from the store", async () => {
    const config = await tmp("pm-docker-config-");
    await addContext(config, "plain", meta("plain", "tcp://build-1:2375"));
    await addContext(config, "secure.1", meta("secure.1", "tcp://build-2:2376"), {});
    await addContext(config, "remote", meta("remote", "ssh://ci@build-3"));
    const o = { env: { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/nowhere" }, dockerConfigDir: config };

    const plain = await resolveEngine("plain", o);
    // A context's TLS is its own: the environment's DOCKER_TLS_VERIFY does not apply.
    expect(plain).toEqual({
      spec: "plain",
      name: "plain",
      host: "tcp://build-1:2375",
      env: { DOCKER_HOST: "tcp://build-1:2375" },
      dockerOptions: { protocol: "http", host: "build-1", port: 2375 },
    });

    const secure = await resolveEngine("secure.1", o);
    const tlsDir = path.join(config, "contexts", "tls", idOf("secure.1"), "docker");
    expect(secure.name).toBe("secure.1");
    expect(secure.env).toEqual({ DOCKER_HOST: "tcp://build-2:2376", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: tlsDir });
    expect(secure.dockerOptions).toMatchObject({ protocol: "https", host: "build-2", port: 2376, ca: Buffer.from("dummy ca.pem") });

    expect((await resolveEngine("remote", o)).dockerOptions).toEqual({ protocol: "ssh", host: "build-3", port: 22, username: "ci" });
  });

  it.each([
    ["not JSON", "{ nope", /is not JSON/],
    ["no docker endpoint", { Name: "bad", Endpoints: {} }, /has no Endpoints\.docker\.Host/],
    ["another context's Name", meta("other", "tcp://h"), /does not describe context "bad"/],
    ["an unsupported host", meta("bad", "http://h:2375"), /http:\/\/ is not supported/],
  ])("refuses a meta.json with %s, naming the file", async (_, content, why) => {
    const config = await tmp("pm-docker-config-");
    await addContext(config, "bad", content);
    const err = await resolveEngine("bad", { env: {}, dockerConfigDir: config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).toContain(path.join(config, "contexts", "meta", idOf("bad"), "meta.json"));
  });

  it("refuses a TLS context with a cert file missing, and one that skips TLS verification", async () => {
    const config = await tmp("pm-docker-config-");
    await addContext(config, "halfway", meta("halfway", "tcp://h:2376"), { skip: "ca.pem" });
    await addContext(config, "insecure", meta("insecure", "tcp://h:2376", true));
    const o = { env: {}, dockerConfigDir: config };
    await expect(resolveEngine("halfway", o)).rejects.toThrow(/Docker context "halfway".* uses TLS, but .*ca\.pem is missing/);
    await expect(resolveEngine("insecure", o)).rejects.toThrow(/"insecure" skips TLS verification/);
  });

  it("an unknown context is refused with the known ones listed", async () => {
    const config = await tmp("pm-docker-config-");
    await addContext(config, "zeta", meta("zeta", "tcp://h"));
    await addContext(config, "alpha", meta("alpha", "unix:///s.sock"));
    const err = await resolveEngine("beta", { env: {}, dockerConfigDir: config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/engine "beta": no Docker context of that name in .* \(known: default, alpha, zeta\)/);
    expect((err as UsageError).hint).toMatch(/docker context ls/);
    // No store at all: only `default` exists.
    await expect(resolveEngine("beta", none)).rejects.toThrow(/\(known: default\)/);
  });

  it("finds the store through $DOCKER_CONFIG", async () => {
    const config = await tmp("pm-docker-config-");
    await addContext(config, "ctx", meta("ctx", "unix:///run/docker.sock"));
    expect((await resolveEngine("ctx", { env: { DOCKER_CONFIG: config } })).host).toBe("unix:///run/docker.sock");
  });
});

describe("the default engine", () => {
  it.each<[NodeJS.ProcessEnv, string]>([
    [{}, "unix:///var/run/docker.sock"],
    [{ DOCKER_HOST: "tcp://build-1:2375" }, "tcp://build-1:2375"],
    [{ DOCKER_HOST: "build-1:2375" }, "tcp://build-1:2375"],
    [{ DOCKER_HOST: "unix:///run/user/1000/docker.sock" }, "unix:///run/user/1000/docker.sock"],
  ])("with %j is %s", async (env, host) => {
    const e = await resolveEngine("default", { env, dockerConfigDir: none.dockerConfigDir });
    expect(e).toMatchObject({ spec: "default", name: "default", host, env: { DOCKER_HOST: host } });
  });

  it("uses the environment's TLS for a tcp DOCKER_HOST and names DOCKER_HOST when it is bad", async () => {
    const certs = await pems(await tmp("pm-certs-"));
    const e = await resolveEngine("default", { env: { DOCKER_HOST: "tcp://h", DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs } });
    expect(e.dockerOptions).toMatchObject({ protocol: "https", port: 2376 });
    await expect(resolveEngine("default", { env: { DOCKER_HOST: "http://h" } })).rejects.toThrow(
      /engine "default" \(DOCKER_HOST=http:\/\/h\)/,
    );
  });
});

describe("the engine pool", () => {
  const env = { POSTFIX_MATRIX_ENGINES: "tcp://a, tcp://b\ntcp://c" };

  it("takes the --engine flags over POSTFIX_MATRIX_ENGINES, which is used without flags", async () => {
    const hosts = async (flags: string[] | undefined, e: NodeJS.ProcessEnv) =>
      (await resolveEngines(flags, { ...none, env: e })).map((x) => x.host);
    expect(await hosts(["tcp://x", "unix:///s.sock"], env)).toEqual(["tcp://x:2375", "unix:///s.sock"]);
    expect(await hosts(undefined, env)).toEqual(["tcp://a:2375", "tcp://b:2375", "tcp://c:2375"]);
    expect(await hosts([], env)).toEqual(["tcp://a:2375", "tcp://b:2375", "tcp://c:2375"]);
    // Nothing given: the caller uses the single default engine.
    expect(await hosts(undefined, {})).toEqual([]);
  });

  it("refuses the same engine twice, however it is written", async () => {
    const config = await tmp("pm-docker-config-");
    await addContext(config, "local", meta("local", "unix:///var/run/docker.sock"));
    const o = { env: {}, dockerConfigDir: config };
    await expect(resolveEngines(["tcp://A", "tcp://a:2375"], o)).rejects.toThrow(
      /engines "tcp:\/\/A" and "tcp:\/\/a:2375" are the same engine/,
    );
    await expect(resolveEngines(["local", "default"], o)).rejects.toThrow(
      /"local" and "default" are the same engine \(unix:\/\/\/var\/run\/docker.sock\)/,
    );
    await expect(resolveEngines(undefined, { ...o, env: { POSTFIX_MATRIX_ENGINES: "ssh://u@h ssh://u@h:22" } })).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});

describe("dockerode reads the options as meant", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("whatever DOCKER_HOST and DOCKER_CERT_PATH this process has", async () => {
    // docker-modem merges defaults from the process environment: they must not override the endpoint's.
    const leaked = await pems(await tmp("pm-certs-"));
    // docker-modem splits ca.pem into certificates: it must look like one.
    await writeFile(path.join(leaked, "ca.pem"), "-----BEGIN CERTIFICATE-----\nleaked\n-----END CERTIFICATE-----\n");
    vi.stubEnv("DOCKER_HOST", "tcp://leaked:2376");
    vi.stubEnv("DOCKER_CERT_PATH", leaked);
    const modem = (e: EngineEndpoint) => {
      const opts: Docker.DockerOptions = e.dockerOptions;
      return new Docker(opts).modem as unknown as Record<string, unknown>;
    };
    const unix = modem(await resolveEngine("unix:///run/docker.sock", none));
    expect(unix).toMatchObject({ socketPath: "/run/docker.sock", host: undefined });
    const tcp = modem(await resolveEngine("tcp://build-1:2375", none));
    expect(tcp).toMatchObject({ host: "build-1", port: 2375, protocol: "http", ca: undefined, cert: undefined, key: undefined });
    const ssh = modem(await resolveEngine("ssh://ci@build-2:2222", none));
    expect(ssh).toMatchObject({ host: "build-2", port: 2222, protocol: "ssh", username: "ci" });
    const certs = await pems(await tmp("pm-certs-"));
    const tls = modem(await resolveEngine("tcp://build-3", { env: { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: certs } }));
    expect(tls).toMatchObject({ host: "build-3", port: 2376, protocol: "https", cert: Buffer.from("dummy cert.pem") });
  });
});
