// What the product asks of a Docker engine, as an interface: the one adapter over dockerode
// (dockerode-engine.ts) implements it, and a pool of engines or a test fake can stand behind it.
import type { Readable } from "node:stream";
import type { StepTiming } from "../../core/outcome.js";
import type { BuildEvent } from "./progress.js";
import type { RegistryAuth } from "./transfer-stream.js";

export type Builder = "buildkit" | "classic";

export interface ImageInfo {
  id: string;
  size: number;
  created: string;
  labels: Record<string, string>;
  /** The layers' content digests (RootFS.Layers): two images with these equal hold the same files. */
  layers?: string[];
  /** `repo@sha256:...` for each registry the image was pushed to or pulled from. */
  repoDigests?: string[];
}

/** One entry of an image's history (`docker history`), newest first. */
export interface HistoryEntry {
  /** The instruction that made it (`RUN |1 A=b /bin/sh -c ...`, `COPY ... # buildkit`, `/bin/sh -c #(nop) ...`). */
  createdBy: string;
  comment: string;
  size: number;
}

export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
}

/** What an engine says of itself: how much work it takes, and what it is (Docker or Podman). */
export interface EngineInfo {
  cpus: number;
  memoryBytes: number;
  /** "docker" or "podman" (Podman's Docker-compatible service names itself in /version). */
  product: "docker" | "podman";
  version: string;
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

export interface BuildRequest {
  context: Readable;
  tag: string;
  builder: Builder;
  labels?: Record<string, string>;
  /** Build only up to this stage (e.g. "build"). */
  target?: string;
  /** Build arguments (`--build-arg`). */
  buildArgs?: Record<string, string>;
  /** Ignore the build cache (the benchmark's naive baseline, reproduce). */
  noCache?: boolean;
  onEvent?: (e: BuildEvent) => void;
  signal?: AbortSignal;
}

/** A short-lived helper container: created, run to its end, removed. */
export interface HelperRun {
  image: string;
  cmd: string[];
  labels?: Record<string, string>;
  /** `volume:/path` or `/host:/path` binds. */
  binds?: string[];
}

export interface Engine {
  /** Where the engine is (`unix:///var/run/docker.sock`, `tcp://...`), for messages and reports. */
  readonly endpoint: string;
  ping(): Promise<{ version: string; apiVersion: string }>;
  info(): Promise<EngineInfo>;
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  imageExists(ref: string): Promise<boolean>;
  /** The image's history, newest first; a missing image is an error. */
  imageHistory(ref: string): Promise<HistoryEntry[]>;
  /** Removes an image (forced); a missing one is not an error. */
  removeImage(ref: string): Promise<void>;
  /** Removes an image no tag and no container uses any more; one still in use is kept. */
  removeUnusedImage(id: string): Promise<void>;
  listImages(filter: { label?: string[]; dangling?: boolean }): Promise<ImageSummary[]>;
  /** `docker import`: a root filesystem tar stream becomes an image. */
  importRootfs(tar: NodeJS.ReadableStream, ref: string, changes: string[]): Promise<{ imageId: string }>;
  /** Builds and tags an image; rejects with BuildFailed carrying the failing step and its last output. */
  build(req: BuildRequest): Promise<{ imageId: string; steps: StepTiming[] }>;
  /** Empties the build cache; returns how many cache records are left. */
  pruneBuildCache(): Promise<number>;
  createVolume(name: string, labels: Record<string, string>): Promise<void>;
  /** Removes a volume (forced); a missing one is not an error. */
  removeVolume(name: string): Promise<void>;
  runHelper(run: HelperRun): Promise<{ exitCode: number; output: string }>;
  /** A container's stdout and stderr so far, as text. */
  containerLogs(id: string): Promise<string>;
  /** Gives an image another name (`docker tag`). */
  tag(image: string, ref: string): Promise<void>;
  /** Pushes `ref` (`registry/repo:tag`); resolves to the manifest digest the registry stored. */
  push(ref: string, auth?: RegistryAuth): Promise<{ digest: string }>;
  /** Pulls `ref`; rejects with TransferFailed when the registry refuses or lacks it. */
  pull(ref: string, auth?: RegistryAuth): Promise<void>;
  /** `docker save`: the image as a tar stream. */
  saveImage(ref: string): Promise<NodeJS.ReadableStream>;
  /** `docker load` of a `saveImage` stream. */
  loadImage(tar: NodeJS.ReadableStream): Promise<void>;
}
