import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EnvironmentError } from "../../src/errors.js";
import { credentialsFor } from "../../src/io/registry/credentials.js";

async function configDir(config: unknown): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "pm-docker-config-"));
  await writeFile(path.join(dir, "config.json"), typeof config === "string" ? config : JSON.stringify(config));
  return dir;
}
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("registry credentials from the Docker config", () => {
  it("reads auths by host, with or without a scheme", async () => {
    const dir = await configDir({
      auths: { "127.0.0.1:5001": { auth: b64("pmx:pa:ss") }, "https://reg.example.org": { auth: b64("u:p") } },
    });
    const env = { DOCKER_CONFIG: dir };
    expect(await credentialsFor("127.0.0.1:5001", env)).toEqual({ username: "pmx", password: "pa:ss", serveraddress: "127.0.0.1:5001" });
    expect(await credentialsFor("reg.example.org", env)).toEqual({ username: "u", password: "p", serveraddress: "reg.example.org" });
    expect(await credentialsFor("127.0.0.1:5000", env)).toBeUndefined();
  });

  it("no config file is anonymous access; a broken one is an error that names it", async () => {
    expect(await credentialsFor("x", { DOCKER_CONFIG: path.join(os.tmpdir(), "pm-no-such-dir") })).toBeUndefined();
    const dir = await configDir("{ not json");
    await expect(credentialsFor("x", { DOCKER_CONFIG: dir })).rejects.toThrow(/config\.json is not JSON/);
  });

  it("asks a credential helper (credHelpers) with the registry on its standard input", async () => {
    const bin = await mkdtemp(path.join(os.tmpdir(), "pm-helper-"));
    const helper = path.join(bin, "docker-credential-pmtest");
    await writeFile(
      helper,
      '#!/bin/sh\nread host\n[ "$host" = "127.0.0.1:5001" ] || { echo "credentials not found in native keychain"; exit 1; }\necho \'{"Username":"hu","Secret":"hs"}\'\n',
    );
    await chmod(helper, 0o755);
    const dir = await configDir({ credHelpers: { "127.0.0.1:5001": "pmtest" } });
    const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    const saved = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      expect(await credentialsFor("127.0.0.1:5001", env)).toEqual({ username: "hu", password: "hs", serveraddress: "127.0.0.1:5001" });
      const missing = await configDir({ credsStore: "absent-helper" });
      await expect(credentialsFor("r", { DOCKER_CONFIG: missing })).rejects.toBeInstanceOf(EnvironmentError);
    } finally {
      process.env.PATH = saved;
    }
  });
});
