// Registry credentials as the docker CLI keeps them: $DOCKER_CONFIG/config.json (default
// ~/.docker), `auths` entries (base64 user:password), or a credential helper (credHelpers,
// credsStore) asked with `docker-credential-NAME get`.
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EnvironmentError } from "../../errors.js";
import type { RegistryAuth } from "../docker/transfer-stream.js";
import { describeExit, runCapture } from "../exec/exec.js";

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

export function dockerConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), ".docker"), "config.json");
}

async function readConfig(file: string): Promise<DockerConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new EnvironmentError(`cannot read the Docker config ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as DockerConfig;
  } catch (e) {
    throw new EnvironmentError(`the Docker config ${file} is not JSON: ${(e as Error).message}`);
  }
}

/** The names a registry may be filed under in `auths`. */
const keysFor = (registry: string) =>
  registry === "docker.io"
    ? ["https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io"]
    : [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];

/** The credentials for `registry`, or undefined when the config has none (anonymous access). */
export async function credentialsFor(registry: string, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAuth | undefined> {
  const file = dockerConfigFile(env);
  const config = await readConfig(file);
  const keys = keysFor(registry);
  const helper = keys.map((k) => config.credHelpers?.[k]).find(Boolean) ?? (config.credsStore || undefined);
  for (const k of keys) {
    const a = config.auths?.[k];
    if (!a) continue;
    if (a.auth) {
      const plain = Buffer.from(a.auth, "base64").toString("utf8");
      const i = plain.indexOf(":");
      if (i < 0) throw new EnvironmentError(`${file}: auths["${k}"].auth is not base64 of user:password`);
      return { username: plain.slice(0, i), password: plain.slice(i + 1), serveraddress: registry };
    }
    if (a.username && a.password) return { username: a.username, password: a.password, serveraddress: registry };
  }
  return helper ? fromHelper(helper, registry, file) : undefined;
}

async function fromHelper(helper: string, registry: string, file: string): Promise<RegistryAuth | undefined> {
  if (!/^[A-Za-z0-9_.-]+$/.test(helper))
    throw new EnvironmentError(`${file}: credential helper name ${JSON.stringify(helper)} is not a program name`);
  const program = `docker-credential-${helper}`;
  const r = await runCapture(program, ["get"], { input: registry });
  if (r.enoent || r.error)
    throw new EnvironmentError(`${file} names the credential helper ${program}, which could not run: ${describeExit(r)}`);
  // Helpers say "credentials not found in native keychain" for a registry they do not know.
  if (r.code !== 0) return /not found/i.test(r.stdout + r.stderr) ? undefined : helperFailed(program, r.stderr || r.stdout);
  const got = JSON.parse(r.stdout) as { Username?: string; Secret?: string };
  return got.Username && got.Secret ? { username: got.Username, password: got.Secret, serveraddress: registry } : undefined;
}

function helperFailed(program: string, text: string): never {
  throw new EnvironmentError(`${program} get failed: ${text.trim().slice(0, 300)}`);
}
