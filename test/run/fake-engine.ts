// An Engine that builds nothing: each build plays a scripted event stream with delays, and
// every call is recorded with a timestamp, so scheduling can be tested without Docker.
import { Readable } from "node:stream";
import type { StepTiming } from "../../src/core/outcome.js";
import type { BuildRequest, Engine, ImageInfo } from "../../src/io/docker/engine.js";

export interface FakeBuildScript {
  /** Milliseconds from the build's start until the compile step is done. */
  compileMs: number;
  /** Milliseconds from the build's start until it returns. */
  totalMs: number;
}

export class FakeEngine implements Engine {
  readonly endpoint = "fake://";
  readonly images = new Map<string, ImageInfo>();
  readonly events: { at: number; what: string; tag: string }[] = [];
  private readonly t0 = Date.now();
  constructor(
    private readonly script: (tag: string) => FakeBuildScript,
    present: string[] = [],
  ) {
    for (const ref of present) this.images.set(ref, { id: `sha256:${ref}`, size: 1, created: "", labels: {} });
  }

  private mark(what: string, tag: string) {
    this.events.push({ at: Date.now() - this.t0, what, tag });
  }

  /** When `what` happened for `tag` (ms since the engine was made). */
  when(what: string, tag: string): number {
    const e = this.events.find((x) => x.what === what && x.tag === tag);
    if (!e) throw new Error(`test bug: no ${what} for ${tag}; saw ${JSON.stringify(this.events)}`);
    return e.at;
  }

  async ping() {
    return { version: "fake", apiVersion: "1.41" };
  }
  async inspectImage(ref: string) {
    return this.images.get(ref);
  }
  async imageExists(ref: string) {
    return this.images.has(ref);
  }
  async removeImage(ref: string) {
    this.images.delete(ref);
  }
  async removeUnusedImage(id: string) {
    this.mark("remove-unused", id);
  }
  async imageHistory() {
    return [];
  }
  async listImages() {
    return [...this.images.entries()].map(([tag, i]) => ({ id: i.id, tags: [tag], labels: i.labels }));
  }
  async importRootfs(): Promise<{ imageId: string }> {
    throw new Error("not in the fake");
  }
  async build(req: BuildRequest): Promise<{ imageId: string; steps: StepTiming[] }> {
    const s = this.script(req.tag);
    this.mark("build-start", req.tag);
    const compile = "[build 4/5] RUN make makefiles && make";
    req.context.resume();
    req.onEvent?.({ kind: "step", id: "c", name: compile, state: "started" });
    await sleep(s.compileMs);
    req.onEvent?.({ kind: "step", id: "c", name: compile, state: "done", seconds: s.compileMs / 1000 });
    this.mark("compiled", req.tag);
    await sleep(s.totalMs - s.compileMs);
    this.images.set(req.tag, { id: `sha256:${req.tag}`, size: 100, created: "", labels: req.labels ?? {} });
    this.mark("build-end", req.tag);
    return { imageId: `sha256:${req.tag}`, steps: [] };
  }
  readonly pushed = new Map<string, string>();
  async tag(image: string, ref: string) {
    const i = this.images.get(image) ?? [...this.images.values()].find((x) => x.id === image);
    if (!i) throw new Error(`no such image ${image}`);
    this.images.set(ref, i);
    this.mark("tag", ref);
  }
  async push(ref: string) {
    const i = this.images.get(ref);
    if (!i) throw new Error(`no such image ${ref}`);
    this.mark("push", ref);
    const digest = `sha256:${i.id
      .replace(/^sha256:/, "")
      .padEnd(64, "0")
      .slice(0, 64)}`;
    this.pushed.set(ref, digest);
    return { digest };
  }
  async pull(ref: string) {
    this.mark("pull", ref);
    const remote = this.remote.get(ref);
    if (!remote) throw new Error(`manifest for ${ref} not found`);
    this.images.set(ref, remote);
  }
  /** What a registry holds for `pull`, by reference. */
  readonly remote = new Map<string, ImageInfo>();
  async pruneBuildCache() {
    return 0;
  }
  async createVolume() {}
  async removeVolume() {}
  async runHelper(): Promise<{ exitCode: number; output: string }> {
    throw new Error("not in the fake");
  }
  async containerLogs() {
    return "";
  }
  /** What `info` reports; a pool test gives each fake its own. */
  cpus = 2;
  async info() {
    return { cpus: this.cpus, memoryBytes: 8 * 2 ** 30, product: "docker" as const, version: "fake" };
  }
  /** `save` as the fake's own format: the reference and its record, as JSON. */
  async saveImage(ref: string): Promise<NodeJS.ReadableStream> {
    const i = this.images.get(ref);
    if (!i) throw new Error(`no such image ${ref}`);
    this.mark("save", ref);
    return Readable.from([JSON.stringify({ ref, image: i })]);
  }
  async loadImage(tar: NodeJS.ReadableStream): Promise<void> {
    let text = "";
    for await (const chunk of tar) text += String(chunk);
    const { ref, image } = JSON.parse(text) as { ref: string; image: ImageInfo };
    this.images.set(ref, image);
    this.mark("load", ref);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
