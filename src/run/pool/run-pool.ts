// A run spread over a pool of engines: each compile chain is placed on one engine
// (placement.ts), each engine's share runs in a worker process of its own, base images an
// engine lacks are sent from one that has them (or bootstrapped there), and when an engine
// fails mid-run its unfinished cells are placed again on the engines that are left.
import { EnvironmentError, type PostfixMatrixError } from "../../errors.js";
import { cellPassed, type CellResult } from "../../core/outcome.js";
import { type EngineInventory, type PoolChain, placeChains, poolChainsOf } from "../../core/pool/placement.js";
import type { PreparedCell, PreparedMatrix } from "../../core/prepare.js";
import type { Renderer } from "../../core/render/dockerfile.js";
import type { EngineInfo } from "../../io/docker/engine.js";
import { cellDir, writeDockerfiles } from "../dockerfiles.js";
import type { RunObserver } from "../observer.js";
import { checkBuilderFor } from "../podman.js";
import type { MatrixRun } from "../run-matrix.js";
import { type PoolMember, takeInventory, transferImage } from "./inventory.js";
import type { FromWorker, ToWorker, WorkerFlags } from "./protocol.js";

export interface WorkerLink {
  abort(): void;
  /** Settles when the worker has ended (after its last message). */
  finished: Promise<void>;
}
export type StartWorker = (m: PoolMember, batch: Extract<ToWorker, { type: "run" }>, onMessage: (msg: FromWorker) => void) => WorkerLink;

export interface PoolOptions {
  members: readonly PoolMember[];
  file: string;
  flags: WorkerFlags;
  /** Cells at once on an engine: -j as given, or what its own CPUs and memory allow. */
  concurrencyFor: (info: EngineInfo) => number;
  render: Renderer;
  observer: RunObserver;
  signal: AbortSignal;
  startWorker: StartWorker;
  /** Fetches the Postfix sources into this machine's cache once, before any worker needs them. */
  prepareSources?: () => Promise<void>;
}

/** What the report says of each engine. */
export interface EngineReport {
  name: string;
  host: string;
  product?: string;
  version?: string;
  cpus?: number;
  concurrency?: number;
  /** Cells it was given (a cell moved off a failed engine counts on both). */
  cells: number;
  /** Base images sent to it from another engine, and bootstrapped on it. */
  transferred: string[];
  bootstrapped: string[];
  /** Why it left the run, if it did. */
  lost?: string;
}

export interface PoolRun extends MatrixRun {
  engines: EngineReport[];
}

interface Live {
  member: PoolMember;
  info: EngineInfo;
  inv: EngineInventory & { bases: Set<string> };
  concurrency: number;
  report: EngineReport;
}

export async function runPool(p: PreparedMatrix, o: PoolOptions): Promise<PoolRun> {
  const runner = new PoolRunner(p, o);
  await runner.connect();
  return runner.run();
}

class PoolRunner {
  private readonly live = new Map<string, Live>();
  private readonly reports: EngineReport[] = [];
  private readonly results = new Map<string, CellResult>();
  private readonly environment: PostfixMatrixError[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly links = new Set<WorkerLink>();
  private readonly bases = new Map<string, Promise<void>>();
  private readonly cells: Map<string, PreparedCell>;
  private dockerfiles = new Map<string, { path: string; text: string }>();

  constructor(
    private readonly p: PreparedMatrix,
    private readonly o: PoolOptions,
  ) {
    this.cells = new Map(p.cells.map((c) => [c.cell.id, c]));
  }

  /** Asks every engine what it is and has; one that does not answer is left out (and reported). */
  async connect(): Promise<void> {
    this.dockerfiles = await writeDockerfiles(this.p, this.o.render, this.o.flags.out, { builder: this.o.flags.builder });
    await Promise.all(
      this.o.members.map(async (member) => {
        const report: EngineReport = { name: member.name, host: member.host, cells: 0, transferred: [], bootstrapped: [] };
        this.reports.push(report);
        try {
          const info = await member.engine.info();
          const inv = await takeInventory(member, info, this.p.cells, this.dockerfiles);
          const concurrency = this.o.concurrencyFor(info);
          Object.assign(report, { product: info.product, version: info.version, cpus: info.cpus, concurrency });
          this.live.set(member.name, { member, info, inv, concurrency, report });
          this.o.observer.note(
            `engine ${member.name} (${member.host}): ${info.product} ${info.version}, ${info.cpus} CPUs, ` +
              `${Math.round(info.memoryBytes / 2 ** 30)} GiB: ${concurrency} cells at a time; ` +
              `${inv.builtCells.size} of the cells already built there, ${inv.compiled.size} compile${inv.compiled.size === 1 ? "" : "s"} in its build cache`,
          );
        } catch (e) {
          report.lost = `did not answer at the start: ${(e as Error).message}`;
          this.o.observer.note(`engine ${member.name} (${member.host}) left out: ${report.lost}`);
        }
      }),
    );
    this.reports.sort((a, b) => this.o.members.findIndex((m) => m.name === a.name) - this.o.members.findIndex((m) => m.name === b.name));
    if (this.live.size === 0)
      throw new EnvironmentError(
        `no engine of the pool answers: ${this.reports.map((r) => `${r.name}: ${r.lost}`).join("; ")}`,
        "start them, or name others with --engine",
      );
    checkBuilderFor(
      [...this.live.values()].map((l) => ({ name: l.member.name, info: l.info })),
      this.o.flags.builder,
    );
  }

  async run(): Promise<PoolRun> {
    for (const c of this.p.cells) this.o.observer.cellState(c.cell.id, "queued");
    this.o.signal.addEventListener("abort", () => {
      for (const l of this.links) l.abort();
    });
    this.o.observer.note("sources: sent from this machine in each build context, so every engine has them");
    // Once here rather than once per worker; one that cannot be had fails its cells in the workers.
    await this.o.prepareSources?.().catch((e: Error) => this.o.observer.note(`sources: ${e.message}`));
    this.place(poolChainsOf(this.p.cells.map(chainCell)), new Map());
    while (this.running.size > 0) await Promise.all([...this.running]);
    return {
      results: this.p.cells.map((c) => this.results.get(c.cell.id) ?? this.failed(c.cell.id, "not run", [])),
      interrupted: this.o.signal.aborted,
      environment: this.environment,
      engines: this.reports,
    };
  }

  private place(chains: PoolChain[], movedFrom: ReadonlyMap<string, string[]>): void {
    // In the order the engines were named (ties go to the first), whichever answered first.
    const live = this.o.members.flatMap((m) => this.live.get(m.name) ?? []);
    for (const placement of placeChains(
      chains,
      live.map((l) => l.inv),
    )) {
      if (placement.chains.length === 0) continue;
      const l = this.live.get(placement.engine)!;
      const task = this.batch(l, placement.chains, placement.missingBases, movedFrom).finally(() => this.running.delete(task));
      this.running.add(task);
    }
  }

  private async batch(l: Live, chains: PoolChain[], missing: string[], movedFrom: ReadonlyMap<string, string[]>): Promise<void> {
    const ids = chains.flatMap((c) => c.cells);
    l.report.cells += ids.length;
    for (const ref of missing) await this.ensureBase(l, ref);
    let last: FromWorker | undefined;
    const link = this.o.startWorker(
      l.member,
      { type: "run", file: this.p.matrix.file, cells: ids, flags: { ...this.o.flags, concurrency: l.concurrency } },
      (m) => {
        if (m.type === "note") this.o.observer.note(`[${l.member.name}] ${m.line}`);
        else if (m.type === "state") this.o.observer.cellState(m.id, m.state, m.state === "building" ? `on ${l.member.name}` : m.detail);
        else if (m.type === "step") this.o.observer.cellStep(m.id, m.step);
        else if (m.type === "result") {
          const from = movedFrom.get(m.result.id);
          this.results.set(m.result.id, { ...m.result, engine: l.member.name, ...(from ? { movedFrom: from } : {}) });
        } else last = m;
      },
    );
    this.links.add(link);
    await link.finished;
    this.links.delete(link);
    this.settle(l, ids, last, movedFrom);
  }

  /** After a worker ended: its errors kept, and if its engine was lost, its unfinished cells placed again. */
  private settle(l: Live, ids: string[], last: FromWorker | undefined, movedFrom: ReadonlyMap<string, string[]>): void {
    const lost =
      last?.type === "done" ? last.lost : last?.type === "error" ? (last.lost ? last.message : undefined) : "its worker process ended";
    if (last?.type === "done")
      for (const e of last.environment) this.environment.push(new EnvironmentError(`[${l.member.name}] ${e.message}`, e.hint));
    if (last?.type === "error" && !last.lost) {
      this.environment.push(new EnvironmentError(`[${l.member.name}] ${last.message}`, last.hint));
      for (const id of ids) if (!this.results.has(id)) this.results.set(id, this.failed(id, last.message, [], l.member.name));
    }
    if (!lost || this.o.signal.aborted) return;
    this.live.delete(l.member.name);
    l.report.lost ??= lost;
    const unfinished = ids.filter((id) => {
      const r = this.results.get(id);
      return !r || !cellPassed(r);
    });
    const moved = new Map(unfinished.map((id) => [id, [...(movedFrom.get(id) ?? []), l.member.name]]));
    this.o.observer.note(
      `engine ${l.member.name} was lost (${lost}): ${unfinished.length} unfinished cell${unfinished.length === 1 ? "" : "s"} ` +
        (this.live.size > 0 ? `placed again on ${[...this.live.keys()].join(", ")}` : "failed: no engine of the pool is left"),
    );
    for (const id of unfinished) {
      this.results.delete(id);
      if (this.live.size === 0)
        this.results.set(
          id,
          this.failed(id, `engine ${l.member.name} was lost and no engine of the pool is left: ${lost}`, moved.get(id)!),
        );
      else this.o.observer.cellState(id, "queued", `moved off ${l.member.name}`);
    }
    if (this.live.size > 0 && unfinished.length > 0)
      this.place(poolChainsOf(unfinished.map((id) => chainCell(this.cells.get(id)!))), moved);
  }

  /** A base image the engine lacks: sent from an engine that has it, else bootstrapped there by its worker. */
  private ensureBase(l: Live, ref: string): Promise<void> {
    const key = `${l.member.name}\n${ref}`;
    let p = this.bases.get(key);
    if (!p) {
      p = this.sendBase(l, ref);
      this.bases.set(key, p);
    }
    return p;
  }

  private async sendBase(l: Live, ref: string): Promise<void> {
    if (l.inv.bases.has(ref)) return;
    for (const donor of this.live.values()) {
      if (donor === l || !donor.inv.bases.has(ref)) continue;
      try {
        const s = await transferImage(ref, donor.member.engine, l.member.engine);
        l.inv.bases.add(ref);
        l.report.transferred.push(ref);
        this.o.observer.note(`base image ${ref}: sent from ${donor.member.name} to ${l.member.name} (save, load) in ${s.toFixed(1)} s`);
        return;
      } catch (e) {
        this.o.observer.note(`base image ${ref}: could not be sent from ${donor.member.name} to ${l.member.name}: ${(e as Error).message}`);
      }
    }
    if (this.o.flags.bootstrapMissing) {
      l.report.bootstrapped.push(ref);
      this.o.observer.note(`base image ${ref}: on no engine of the pool; bootstrapped on ${l.member.name}`);
    }
  }

  private failed(id: string, message: string, movedFrom: string[], engine?: string): CellResult {
    const c = this.cells.get(id)!;
    this.o.observer.cellState(id, "failed", message);
    return {
      id,
      image: c.image,
      values: c.cell.values,
      logFile: `${cellDir(this.o.flags.out, this.p.matrix.name, id)}/build.log`,
      dockerfile: this.dockerfiles.get(id)?.path ?? "",
      build: { kind: "failed", message, lastLines: [], seconds: 0 },
      verify: { kind: "skipped", reason: "not built" },
      ...(engine ? { engine } : {}),
      ...(movedFrom.length ? { movedFrom } : {}),
    };
  }
}

const chainCell = (c: PreparedCell) => ({
  id: c.cell.id,
  deps: c.recipe.keys.deps,
  compile: c.recipe.keys.compile,
  baseImage: c.recipe.baseImage,
});
