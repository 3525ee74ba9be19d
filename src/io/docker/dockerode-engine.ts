// The one adapter over dockerode: nothing else in the product talks to the Engine API.
import type { Readable } from "node:stream";
import Docker from "dockerode";
import type { StepTiming } from "../../core/outcome.js";
import { EnvironmentError } from "../../errors.js";
import { BuildTracker } from "./build-stream.js";
import {
  BuildFailed,
  type BuildRequest,
  type Engine,
  type EngineInfo,
  type HelperRun,
  type HistoryEntry,
  type ImageInfo,
  type ImageSummary,
} from "./engine.js";
import { parseBuildLine } from "./progress.js";
import { demux, jsonLines, readJsonLines } from "./streams.js";
import { type RegistryAuth, readTransfer, TransferFailed } from "./transfer-stream.js";

const ENGINE_HINT = "start one with `npm run engine:up` (installs Debian's docker.io and starts dockerd as root), or set DOCKER_HOST";

const statusOf = (e: unknown) => (e as { statusCode?: number }).statusCode;

// Socket-level failures: the engine went away (stopped, socket gone), not an API answer.
const LOST = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

/** Whether `e` says the connection to the engine is gone (rather than an API error). */
export function engineConnectionLost(e: unknown): boolean {
  const x = e as { code?: unknown; syscall?: unknown } | undefined;
  if (typeof x?.code !== "string") return false;
  // ENOENT only from connect(): a missing socket, not a missing file of the build context.
  return LOST.has(x.code) || (x.code === "ENOENT" && x.syscall === "connect");
}

/** The engine stopped answering during the run: exit 3, like no engine at the start. */
export class EngineLostError extends EnvironmentError {
  constructor(endpoint: string, cause: unknown) {
    const { message, code } = cause as { message: string; code?: string };
    // Node says only "aborted" for a response cut short: the code tells what happened.
    const why = code && !message.includes(code) ? `${message} (${code})` : message;
    super(`lost the connection to the Docker engine (${endpoint}): ${why}`, ENGINE_HINT);
  }
}

/** Runs `fn`; an Engine API 404 (no such image, volume, container) is `undefined`. */
async function unless404<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (statusOf(e) === 404) return undefined;
    throw e;
  }
}

export class DockerodeEngine implements Engine {
  private readonly docker: Docker;
  readonly endpoint: string;
  /** The first time the connection was lost during this run, if it was (it may be back). */
  lostConnection: EngineLostError | undefined;

  /** Without `at`, dockerode reads DOCKER_HOST (and DOCKER_CERT_PATH/DOCKER_TLS_VERIFY) itself. */
  constructor(at?: { host: string; dockerOptions: Docker.DockerOptions }) {
    this.docker = new Docker(at?.dockerOptions);
    this.endpoint = at?.host ?? process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
  }

  async info(): Promise<EngineInfo> {
    const [i, v] = await Promise.all([this.docker.info(), this.docker.version()]).catch((e: unknown) => {
      throw this.lost(e);
    });
    const components = (v as { Components?: { Name?: string }[] }).Components ?? [];
    const podman = components.some((c) => /podman/i.test(c.Name ?? ""));
    return { cpus: i.NCPU, memoryBytes: i.MemTotal, product: podman ? "podman" : "docker", version: v.Version };
  }

  async ping(): Promise<{ version: string; apiVersion: string }> {
    try {
      await this.docker.ping();
      const v = await this.docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (e) {
      throw new EnvironmentError(`no Docker engine answers (${this.endpoint}): ${(e as Error).message}`, ENGINE_HINT);
    }
  }

  /** A lost connection as EngineLostError (and remembered); anything else unchanged. */
  private lost(e: unknown): unknown {
    if (!engineConnectionLost(e)) return e;
    const lost = new EngineLostError(this.endpoint, e);
    this.lostConnection ??= lost;
    return lost;
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    const i = await unless404(() => this.docker.getImage(ref).inspect()).catch((e: unknown) => {
      throw this.lost(e);
    });
    return (
      i && {
        id: i.Id,
        size: i.Size,
        created: i.Created,
        labels: i.Config?.Labels ?? {},
        layers: i.RootFS?.Layers ?? [],
        repoDigests: i.RepoDigests ?? [],
      }
    );
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  async imageHistory(ref: string): Promise<HistoryEntry[]> {
    const h = (await this.docker.getImage(ref).history()) as { CreatedBy?: string; Comment?: string; Size?: number }[];
    return h.map((e) => ({ createdBy: e.CreatedBy ?? "", comment: e.Comment ?? "", size: e.Size ?? 0 }));
  }

  async removeImage(ref: string): Promise<void> {
    await unless404(() => this.docker.getImage(ref).remove({ force: true }));
  }

  async removeUnusedImage(id: string): Promise<void> {
    try {
      await this.docker.getImage(id).remove({ force: false });
    } catch (e) {
      // 404: already gone; 409: still tagged or used by a container, so not ours to remove
      // (Podman answers 500 "... with more than one tag ...: please force removal" for that).
      const stillUsed = statusOf(e) === 409 || /more than one tag|image is in use/i.test((e as Error).message);
      if (statusOf(e) !== 404 && !stillUsed) throw e;
    }
  }

  async listImages(filter: { label?: string[]; dangling?: boolean }): Promise<ImageSummary[]> {
    const filters: Record<string, string[]> = {};
    if (filter.label) filters.label = filter.label;
    if (filter.dangling !== undefined) filters.dangling = [String(filter.dangling)];
    const list = await this.docker.listImages({ filters } as object);
    return list.map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== "<none>:<none>"), labels: i.Labels ?? {} }));
  }

  async importRootfs(tar: NodeJS.ReadableStream, ref: string, changes: string[]): Promise<{ imageId: string }> {
    // The whole reference as `repo`, as docker's CLI sends it: Podman ignores a separate `tag`.
    const stream = (await this.docker.importImage(tar as Readable, { repo: ref, changes } as object)) as unknown as NodeJS.ReadableStream;
    for (const l of await readJsonLines(stream)) {
      const e = parseBuildLine(l).find((x) => x.kind === "error");
      if (e && e.kind === "error") throw new EnvironmentError(`docker import of ${ref} failed: ${e.message}`);
    }
    const info = await this.inspectImage(ref);
    if (!info) throw new EnvironmentError(`docker import of ${ref} reported success but the image is missing`);
    return { imageId: info.id };
  }

  async build(req: BuildRequest): Promise<{ imageId: string; steps: StepTiming[] }> {
    const opts: Record<string, unknown> = { t: req.tag, rm: true, forcerm: true, labels: req.labels ?? {} };
    if (req.builder === "buildkit") opts.version = "2";
    if (req.target) opts.target = req.target;
    if (req.noCache) opts.nocache = true;
    if (req.buildArgs) opts.buildargs = req.buildArgs;
    if (req.signal) opts.abortSignal = req.signal;
    const track = new BuildTracker();
    try {
      const stream = (await this.docker.buildImage(
        req.context as unknown as NodeJS.ReadableStream,
        opts as Docker.ImageBuildOptions,
      )) as NodeJS.ReadableStream;
      for await (const line of jsonLines(stream, req.signal)) {
        for (const e of parseBuildLine(line)) {
          req.onEvent?.(e);
          track.add(e);
        }
      }
    } catch (e) {
      // The engine went away mid-build: say so, at the step it was running.
      const lost = this.lost(e);
      if (lost instanceof EngineLostError) throw new BuildFailed(lost.message, track.running(), track.lastLines());
      throw e;
    }
    const failure = track.failed();
    if (failure) throw failure;
    const info = await this.inspectImage(req.tag);
    if (!info) throw new BuildFailed("the build stream ended without an image", undefined, track.lastLines());
    return { imageId: track.imageId || info.id, steps: track.stepTimings() };
  }

  async pruneBuildCache(): Promise<number> {
    await this.docker.pruneBuilder({ all: true } as object);
    const df = (await this.docker.df()) as { BuildCache?: unknown[] };
    return df.BuildCache?.length ?? 0;
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.docker.createVolume({ Name: name, Labels: labels });
  }

  async removeVolume(name: string): Promise<void> {
    await unless404(() => this.docker.getVolume(name).remove({ force: true }));
  }

  async runHelper(run: HelperRun): Promise<{ exitCode: number; output: string }> {
    const c = await this.docker.createContainer({
      Image: run.image,
      Cmd: run.cmd,
      Labels: run.labels ?? {},
      HostConfig: { Binds: run.binds ?? [] },
    });
    try {
      await c.start();
      const r = (await c.wait()) as { StatusCode: number };
      return { exitCode: r.StatusCode, output: await this.containerLogs(c.id) };
    } finally {
      await c.remove({ force: true });
    }
  }

  async tag(image: string, ref: string): Promise<void> {
    const [repo, tag] = splitRef(ref);
    await this.docker.getImage(image).tag({ repo, tag });
  }

  async push(ref: string, auth?: RegistryAuth): Promise<{ digest: string }> {
    const [repo, tag] = splitRef(ref);
    const stream = (await this.docker.getImage(repo).push({ tag, ...(auth ? { authconfig: auth } : {}) })) as NodeJS.ReadableStream;
    const { digest } = readTransfer(await readJsonLines(stream));
    if (!digest) throw new TransferFailed(`the push of ${ref} ended without a digest`, false);
    return { digest };
  }

  async pull(ref: string, auth?: RegistryAuth): Promise<void> {
    const stream = (await this.docker.pull(ref, auth ? { authconfig: auth } : {})) as NodeJS.ReadableStream;
    readTransfer(await readJsonLines(stream));
  }

  async saveImage(ref: string): Promise<NodeJS.ReadableStream> {
    return (await this.docker.getImage(ref).get()) as NodeJS.ReadableStream;
  }

  async loadImage(tar: NodeJS.ReadableStream): Promise<void> {
    const stream = (await this.docker.loadImage(tar as Readable, { quiet: true })) as unknown as NodeJS.ReadableStream;
    for (const l of await readJsonLines(stream)) {
      const e = parseBuildLine(l).find((x) => x.kind === "error");
      if (e && e.kind === "error") throw new EnvironmentError(`docker load on ${this.endpoint} failed: ${e.message}`);
    }
  }

  async containerLogs(id: string): Promise<string> {
    const raw = await this.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false });
    return demux(raw as unknown as Buffer);
  }
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(":");
  return i > ref.lastIndexOf("/") ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, "latest"];
}
