// The Docker engines of a pool, from `--engine SPEC` flags or POSTFIX_MATRIX_ENGINES: engine
// URLs (unix://, tcp://, ssh://) or Docker context names. dockerode does not resolve contexts,
// so the CLI's context store ($DOCKER_CONFIG/contexts) is read here.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { UsageError } from "../../errors.js";

/**
 * The dockerode options set here: a subset of dockerode's DockerOptions, written out because only
 * dockerode-engine.ts may import dockerode (test/architecture.test.ts). The unit test checks that
 * it is assignable to DockerOptions and that dockerode's modem reads it as meant.
 */
export interface EngineDockerOptions {
  socketPath?: string | undefined;
  protocol?: "http" | "https" | "ssh" | undefined;
  host?: string | undefined;
  port?: number | undefined;
  username?: string | undefined;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  sshOptions?: { agent?: string } | undefined;
}

export interface EngineEndpoint {
  /** What the user wrote (context name or URL), for messages and reports. */
  spec: string;
  /** A short unique label for reports/logs: the context name, or host:port / socket path. */
  name: string;
  /** The resolved DOCKER_HOST URL (unix://, tcp://, ssh://). */
  host: string;
  /**
   * The environment a child process needs to reach this engine the way docker's CLI, dockerode and
   * testcontainers read it: DOCKER_HOST, and DOCKER_TLS_VERIFY=1 + DOCKER_CERT_PATH=<dir with ca.pem
   * cert.pem key.pem> when TLS is used. Keys to unset are given as undefined.
   */
  env: Record<string, string | undefined>;
  /** Options for `new Dockerode(opts)`: socketPath, or protocol/host/port (+ ca/cert/key), or ssh with username. */
  dockerOptions: EngineDockerOptions;
}

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  /** Docker's config directory; default $DOCKER_CONFIG, else ~/.docker. */
  dockerConfigDir?: string;
}

const CONTEXT_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.+-]*$/;
const DEFAULT_SOCKET = "/var/run/docker.sock";
const SPEC_HINT =
  "an engine is unix:///path/to.sock, tcp://host[:port], ssh://user@host[:port] or a Docker context name (`docker context ls`)";
const CERT_FILES = ["ca.pem", "cert.pem", "key.pem"] as const;

// docker-modem merges its own defaults, read from this process's DOCKER_HOST/DOCKER_CERT_PATH,
// under the options given: every key is set, to undefined when unused, so none of them leak in.
const BLANK: EngineDockerOptions = {
  socketPath: undefined,
  protocol: undefined,
  host: undefined,
  port: undefined,
  username: undefined,
  ca: undefined,
  cert: undefined,
  key: undefined,
};

/** Where TLS material comes from, when the engine is reached over TLS. */
interface Tls {
  dir: string;
  hint: string;
}

/** What resolving one URL needs: `label` starts every message (it names the spec). */
interface UrlCtx {
  label: string;
  env: NodeJS.ProcessEnv;
  tls: Tls | undefined;
}

type Resolved = Omit<EngineEndpoint, "spec">;

/** POSTFIX_MATRIX_ENGINES: specs separated by commas and/or whitespace. */
export function parseEngineList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== "");
}

function childEnv(host: string, certDir?: string): Record<string, string | undefined> {
  // DOCKER_CONTEXT is unset too: the child must not pick another engine than DOCKER_HOST.
  return { DOCKER_HOST: host, DOCKER_TLS_VERIFY: certDir && "1", DOCKER_CERT_PATH: certDir, DOCKER_CONTEXT: undefined };
}

function parseUrl(url: string, c: UrlCtx): URL {
  try {
    return new URL(url);
  } catch {
    throw new UsageError(`${c.label}: ${url} is not a valid URL`, SPEC_HINT);
  }
}

/** Refuses what the URL may not carry besides host and port (a path, query, password). */
function onlyHostPort(u: URL, c: UrlCtx, form: string): void {
  if ((u.pathname && u.pathname !== "/") || u.search || u.hash || u.password)
    throw new UsageError(`${c.label}: ${u.protocol}// takes ${form} only (no path, query or password)`, SPEC_HINT);
  if (!u.hostname) throw new UsageError(`${c.label}: ${u.protocol}// needs a host: ${form}`, SPEC_HINT);
}

// Non-special URL schemes keep the host's case and IPv6 brackets: names and sockets want neither.
const hostOf = (u: URL) => u.hostname.toLowerCase();
const bare = (hostname: string) => hostname.replace(/^\[(.*)\]$/, "$1");

async function readCerts(dir: string, c: UrlCtx, hint: string): Promise<Pick<EngineDockerOptions, "ca" | "cert" | "key">> {
  const files = CERT_FILES.map((f) => path.join(dir, f));
  const read = await Promise.all(files.map((f) => readFile(f).catch((e: NodeJS.ErrnoException) => e)));
  const bad = read.flatMap((r, i) => (Buffer.isBuffer(r) ? [] : [r.code === "ENOENT" ? `${files[i]} is missing` : r.message]));
  if (bad.length > 0) throw new UsageError(`${c.label} uses TLS, but ${bad.join("; ")}`, hint);
  const [ca, cert, key] = read as Buffer[];
  return { ca, cert, key };
}

async function fromTcp(url: string, c: UrlCtx): Promise<Resolved> {
  const u = parseUrl(url, c);
  onlyHostPort(u, c, "tcp://host[:port]");
  if (u.username) throw new UsageError(`${c.label}: tcp:// takes no user`, SPEC_HINT);
  // Docker's own defaults: 2376 for TLS, 2375 without.
  const port = Number(u.port || (c.tls ? 2376 : 2375));
  const name = `${hostOf(u)}:${port}`;
  const host = `tcp://${name}`;
  const at = { ...BLANK, host: bare(hostOf(u)), port };
  if (!c.tls) return { name, host, env: childEnv(host), dockerOptions: { ...at, protocol: "http" } };
  const certs = await readCerts(c.tls.dir, c, c.tls.hint);
  return { name, host, env: childEnv(host, c.tls.dir), dockerOptions: { ...at, protocol: "https", ...certs } };
}

function fromSsh(url: string, c: UrlCtx): Resolved {
  const u = parseUrl(url, c);
  onlyHostPort(u, c, "ssh://user@host[:port]");
  // ssh2 (docker-modem's ssh client) refuses a connection without a user and reads no ~/.ssh/config.
  if (!u.username) throw new UsageError(`${c.label}: ssh:// needs a user: ssh://user@host[:port]`, SPEC_HINT);
  const port = Number(u.port || 22);
  const name = `${u.username}@${hostOf(u)}:${port}`;
  const agent = c.env.SSH_AUTH_SOCK;
  const dockerOptions: EngineDockerOptions = {
    ...BLANK,
    protocol: "ssh",
    host: bare(hostOf(u)),
    port,
    username: decodeURIComponent(u.username),
    // The agent is ssh2's only way to a key here: docker's CLI would run ssh(1) instead.
    ...(agent ? { sshOptions: { agent } } : {}),
  };
  return { name, host: `ssh://${name}`, env: childEnv(`ssh://${name}`), dockerOptions };
}

function fromUnix(url: string, c: UrlCtx): Resolved {
  const p = url.slice("unix://".length);
  if (!p) throw new UsageError(`${c.label}: unix:// needs a socket path: unix:///path/to.sock`, SPEC_HINT);
  // A relative path would mean another socket to a child started in another directory.
  if (!path.isAbsolute(p)) throw new UsageError(`${c.label}: the socket path ${p} is not absolute: unix:///path/to.sock`, SPEC_HINT);
  const socket = path.posix.normalize(p);
  const host = `unix://${socket}`;
  return { name: socket, host, env: childEnv(host), dockerOptions: { ...BLANK, socketPath: socket } };
}

/** An engine URL; TLS (c.tls) is for tcp:// only, as in docker's CLI. */
async function fromUrl(url: string, c: UrlCtx): Promise<Resolved> {
  const scheme = url.slice(0, Math.max(0, url.indexOf("://")));
  if (scheme === "unix") return fromUnix(url, c);
  if (scheme === "tcp") return fromTcp(url, c);
  if (scheme === "ssh") return fromSsh(url, c);
  const shown = scheme ? `${scheme}://` : "a URL without a scheme";
  throw new UsageError(`${c.label}: ${shown} is not supported (unix://, tcp:// or ssh:// are)`, SPEC_HINT);
}

const idOf = (name: string) => createHash("sha256").update(name).digest("hex");

/** The context names in the store, for the message about an unknown one; unreadable entries are skipped. */
async function knownContexts(configDir: string): Promise<string[]> {
  const dir = path.join(configDir, "contexts", "meta");
  const ids = await readdir(dir).catch(() => [] as string[]);
  const names = await Promise.all(
    ids.map(async (id) => {
      try {
        const meta = JSON.parse(await readFile(path.join(dir, id, "meta.json"), "utf8")) as { Name?: unknown };
        return typeof meta?.Name === "string" ? [meta.Name] : [];
      } catch {
        return [];
      }
    }),
  );
  return ["default", ...names.flat().sort()];
}

/** The docker endpoint of a context's meta.json, checked enough to say which file is wrong. */
function parseMeta(text: string, file: string, name: string): { Host: string; SkipTLSVerify?: boolean } {
  const fail = (why: string) =>
    new UsageError(
      `Docker context "${name}": ${file} ${why}`,
      `recreate the context (\`docker context rm ${name}\`, \`docker context create\`)`,
    );
  let meta: { Name?: unknown; Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw fail(`is not JSON: ${(e as Error).message}`);
  }
  if (meta?.Name !== name) throw fail(`does not describe context "${name}" (its Name is ${JSON.stringify(meta?.Name)})`);
  const ep = meta.Endpoints?.docker;
  if (typeof ep?.Host !== "string" || ep.Host === "") throw fail("has no Endpoints.docker.Host");
  if (ep.SkipTLSVerify !== undefined && typeof ep.SkipTLSVerify !== "boolean") throw fail("has a SkipTLSVerify that is not true or false");
  return { Host: ep.Host, SkipTLSVerify: ep.SkipTLSVerify };
}

async function fromContext(name: string, env: NodeJS.ProcessEnv, configDir: string): Promise<EngineEndpoint> {
  const id = idOf(name);
  const file = path.join(configDir, "contexts", "meta", id, "meta.json");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT")
      throw new UsageError(`Docker context "${name}": cannot read ${file}: ${(e as Error).message}`);
    const known = await knownContexts(configDir);
    throw new UsageError(
      `engine "${name}": no Docker context of that name in ${configDir} (known: ${known.join(", ")})`,
      `${SPEC_HINT}; DOCKER_CONFIG picks the config directory`,
    );
  }
  const ep = parseMeta(text, file, name);
  // dockerode always verifies a tcp engine's certificate: a context that skips that cannot be honoured.
  if (ep.SkipTLSVerify && ep.Host.startsWith("tcp://"))
    throw new UsageError(
      `Docker context "${name}" skips TLS verification, which dockerode cannot do`,
      "give the context a CA, or use tcp:// with DOCKER_TLS_VERIFY",
    );
  const tlsDir = path.join(configDir, "contexts", "tls", id, "docker");
  const hasTls = await stat(tlsDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  const tls = hasTls ? { dir: tlsDir, hint: `the context's TLS files belong in ${tlsDir}` } : undefined;
  const r = await fromUrl(ep.Host, { label: `Docker context "${name}" (${ep.Host}, ${file})`, env, tls });
  return { ...r, spec: name, name };
}

/** TLS for tcp:// from the environment, as docker's CLI reads it (any non-empty value turns it on). */
function envTls(env: NodeJS.ProcessEnv, configDir: string): Tls | undefined {
  if (!env.DOCKER_TLS_VERIFY && !env.DOCKER_CERT_PATH) return undefined;
  const hint = "DOCKER_TLS_VERIFY/DOCKER_CERT_PATH ask for TLS: put ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, or unset both";
  return { dir: env.DOCKER_CERT_PATH || configDir, hint };
}

/** One engine spec: a URL, `default` (DOCKER_HOST, else the local socket) or a Docker context name. */
export async function resolveEngine(spec: string, o: ResolveOptions = {}): Promise<EngineEndpoint> {
  const env = o.env ?? process.env;
  const configDir = o.dockerConfigDir ?? (env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), ".docker"));
  if (spec.includes("://")) return { ...(await fromUrl(spec, { label: `engine "${spec}"`, env, tls: envTls(env, configDir) })), spec };
  if (spec === "default") {
    const dh = env.DOCKER_HOST;
    // docker's CLI takes a DOCKER_HOST without a scheme as tcp://.
    const url = !dh ? `unix://${DEFAULT_SOCKET}` : dh.includes("://") ? dh : `tcp://${dh}`;
    const label = `engine "default" (DOCKER_HOST=${env.DOCKER_HOST ?? ""})`;
    return { ...(await fromUrl(url, { label, env, tls: envTls(env, configDir) })), spec, name: "default" };
  }
  if (!CONTEXT_NAME.test(spec)) throw new UsageError(`engine "${spec}" is neither an engine URL nor a Docker context name`, SPEC_HINT);
  return fromContext(spec, env, configDir);
}

/** --engine flags (if any) else POSTFIX_MATRIX_ENGINES else [] (meaning: the single default engine); duplicates (same host) refused. */
export async function resolveEngines(flags: readonly string[] | undefined, o: ResolveOptions = {}): Promise<EngineEndpoint[]> {
  const specs = flags && flags.length > 0 ? flags : parseEngineList((o.env ?? process.env).POSTFIX_MATRIX_ENGINES ?? "");
  const out: EngineEndpoint[] = [];
  // One after the other: the first bad spec is the one reported, whatever the file system's timing.
  for (const spec of specs) {
    const e = await resolveEngine(spec, o);
    const same = out.find((x) => x.host === e.host);
    if (same) throw new UsageError(`engines "${same.spec}" and "${spec}" are the same engine (${e.host})`, "list each engine once");
    out.push(e);
  }
  return out;
}
