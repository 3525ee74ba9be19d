// The one adapter over dockerode: everything the product asks of a Docker engine.
import { Readable } from "node:stream";
import Docker from "dockerode";
import { EnvironmentError } from "../../errors.js";
import { parseBuildLine, type BuildEvent } from "./progress.js";

export type Builder = "buildkit" | "classic";

export interface ImageInfo {
  id: string;
  size: number;
  created: string;
  labels: Record<string, string>;
}

export class BuildFailed extends Error {
  constructor(
    message: string,
    readonly step: string | undefined,
    readonly lastLines: string[],
  ) {
    super(message);
  }
}

export interface StepTiming {
  name: string;
  seconds: number;
  cached: boolean;
}

export interface BuildRequest {
  context: Readable;
  tag: string;
  builder: Builder;
  labels?: Record<string, string>;
  /** Build only up to this stage (e.g. "build"). */
  target?: string;
  /** Ignore the build cache (the benchmark's naive baseline). */
  noCache?: boolean;
  onEvent?: (e: BuildEvent) => void;
  signal?: AbortSignal;
}

const ENGINE_HINT = "start one with `npm run engine:up` (installs Debian's docker.io and starts dockerd as root), or set DOCKER_HOST";

export class Engine {
  readonly docker: Docker;
  constructor(docker?: Docker) {
    // dockerode reads DOCKER_HOST (and DOCKER_CERT_PATH/DOCKER_TLS_VERIFY) itself.
    this.docker = docker ?? new Docker();
  }

  async ping(): Promise<{ version: string; apiVersion: string }> {
    try {
      await this.docker.ping();
      const v = await this.docker.version();
      return { version: v.Version, apiVersion: v.ApiVersion };
    } catch (e) {
      throw new EnvironmentError(`no Docker engine answers (${process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock"}): ${(e as Error).message}`, ENGINE_HINT);
    }
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(ref).inspect();
      return { id: i.Id, size: i.Size, created: i.Created, labels: i.Config?.Labels ?? {} };
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.inspectImage(ref)) !== undefined;
  }

  async removeImage(ref: string): Promise<void> {
    try {
      await this.docker.getImage(ref).remove({ force: true });
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }

  /** `docker import`: a root filesystem tar stream becomes an image. */
  async importRootfs(tar: NodeJS.ReadableStream, ref: string, changes: string[]): Promise<{ imageId: string }> {
    const [repo, tag] = splitRef(ref);
    const stream = (await this.docker.importImage(tar as Readable, { repo, tag, changes } as object)) as unknown as NodeJS.ReadableStream;
    const lines = await readJsonLines(stream);
    for (const l of lines) {
      const e = parseBuildLine(l).find((x) => x.kind === "error");
      if (e && e.kind === "error") throw new EnvironmentError(`docker import of ${ref} failed: ${e.message}`);
    }
    const info = await this.inspectImage(ref);
    if (!info) throw new EnvironmentError(`docker import of ${ref} reported success but the image is missing`);
    return { imageId: info.id };
  }

  /** Builds and tags an image; rejects with BuildFailed carrying the failing step and its last output. */
  async build(req: BuildRequest): Promise<{ imageId: string; steps: StepTiming[] }> {
    const opts: Record<string, unknown> = { t: req.tag, rm: true, forcerm: true, labels: req.labels ?? {} };
    if (req.builder === "buildkit") opts.version = "2";
    if (req.target) opts.target = req.target;
    if (req.noCache) opts.nocache = true;
    if (req.signal) opts.abortSignal = req.signal;
    const stream = (await this.docker.buildImage(req.context as unknown as NodeJS.ReadableStream, opts as Docker.ImageBuildOptions)) as NodeJS.ReadableStream;
    const steps = new Map<string, string>();
    const tail: string[] = [];
    let current: string | undefined;
    let failure: { message: string; step?: string } | undefined;
    let imageId = "";
    const tailByStep = new Map<string, string[]>();
    const timings = new Map<string, StepTiming>();
    const push = (step: string | undefined, text: string) => {
      tail.push(text);
      if (tail.length > 200) tail.shift();
      if (step) {
        const t = tailByStep.get(step) ?? [];
        t.push(text);
        if (t.length > 40) t.shift();
        tailByStep.set(step, t);
      }
    };
    for await (const line of jsonLines(stream, req.signal)) {
      for (const e of parseBuildLine(line)) {
        req.onEvent?.(e);
        if (e.kind === "step") {
          steps.set(e.id, e.name);
          if (e.state === "started") current = e.id;
          if (e.state === "error") failure ??= { message: e.error ?? "step failed", step: e.id };
          if ((e.state === "done" || e.state === "cached") && !e.name.startsWith("[internal]")) {
            timings.set(e.id, { name: e.name, seconds: e.seconds ?? 0, cached: e.state === "cached" });
          }
        } else if (e.kind === "log") {
          push(e.step ?? current, e.text);
        } else if (e.kind === "error") {
          failure ??= { message: e.message, ...(current ? { step: current } : {}) };
        } else if (e.kind === "image") {
          imageId = e.id;
        }
      }
    }
    if (failure) {
      const stepName = failure.step ? steps.get(failure.step) ?? failure.step : undefined;
      const lines = (failure.step && tailByStep.get(failure.step)) || tail;
      throw new BuildFailed(failure.message, stepName, lines.slice(-25));
    }
    const info = await this.inspectImage(req.tag);
    if (!info) throw new BuildFailed("the build stream ended without an image", undefined, tail.slice(-25));
    return { imageId: imageId || info.id, steps: [...timings.values()] };
  }
}

function splitRef(ref: string): [string, string] {
  const i = ref.lastIndexOf(":");
  return i > ref.lastIndexOf("/") ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, "latest"];
}

async function* jsonLines(stream: NodeJS.ReadableStream, signal?: AbortSignal): AsyncGenerator<string> {
  let buf = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal?.aborted) break;
    buf += chunk.toString("utf8");
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
  if (buf.trim()) yield buf;
}

async function readJsonLines(stream: NodeJS.ReadableStream): Promise<string[]> {
  const out: string[] = [];
  for await (const l of jsonLines(stream)) out.push(l);
  return out;
}
