// The one way a Postfix container for checks is started (image verification and upgrade
// scenarios alike). Safety is set before Postfix starts: every transport but local is
// `error`, so nothing is ever delivered outward; SMTP goes only to the mapped port.
import { randomBytes } from "node:crypto";
import { GenericContainer, getContainerRuntimeClient, Wait, type StartedTestContainer } from "testcontainers";
import type { Engine } from "../docker/engine.js";
import type { SmtpTarget } from "./smtp.js";

/** The local user whose mailbox receives every test mail. */
export const MAILBOX_USER = "pmcheck";

export interface Exec {
  code: number;
  out: string;
  err: string;
}

/** What a check needs of a running Postfix: a shell and the SMTP port. */
export interface PostfixShell {
  readonly hostname: string;
  /** `sh -c cmd` in the container; stdout and stderr trimmed. */
  sh(cmd: string): Promise<Exec>;
  smtpTarget(): SmtpTarget;
}

export interface PostfixContainer extends PostfixShell {
  readonly id: string;
  /** Everything the container printed since it started (the mail log: maillog_file=/dev/stdout). */
  maillog(): string;
  /** The container's output so far (needs `engine` at start). */
  logs(): Promise<string>;
  /** A container restart (the same start command runs again), then waits for `daemon started`. */
  restart(timeoutMs: number): Promise<void>;
  /** Stops and removes it; a second call (or one racing the registry) does nothing more. */
  stop(): Promise<void>;
}

export interface StartOptions {
  hostname: string;
  /** Makes a self-signed certificate for STARTTLS first (postfix tls, Postfix >= 3.1). */
  tls?: boolean;
  labels: Record<string, string>;
  /** Volume names or host paths, mounted read-write. */
  binds?: { source: string; target: string }[];
  capabilities?: string[];
  registry?: ContainerRegistry;
  engine?: Pick<Engine, "containerLogs">;
}

/** Tracks running check containers so an interrupt can remove them. */
export class ContainerRegistry {
  private readonly running = new Set<{ stop(): Promise<void> }>();
  add(c: { stop(): Promise<void> }) {
    this.running.add(c);
  }
  delete(c: { stop(): Promise<void> }) {
    this.running.delete(c);
  }
  async stopAll(): Promise<number> {
    const all = [...this.running];
    await Promise.allSettled(all.map((c) => c.stop()));
    this.running.clear();
    return all.length;
  }
}

/** The start command: only what keeps the test safe, then Postfix in the foreground as PID 1. */
export function startCommand(o: Pick<StartOptions, "hostname" | "tls">): string {
  return [
    `postconf -e myhostname=${o.hostname} default_transport=error relay_transport=error`,
    ...(o.tls ? ["postfix tls enable-server >/dev/null"] : []),
    `(id ${MAILBOX_USER} >/dev/null 2>&1 || useradd --create-home ${MAILBOX_USER})`,
    "exec postfix start-fg",
  ].join(" && ");
}

export async function startPostfix(image: string, o: StartOptions): Promise<PostfixContainer> {
  const output = startOutput();
  // A name of our own: a container whose start fails is left behind by testcontainers.
  const name = `pmx-check-${randomBytes(6).toString("hex")}`;
  let g = new GenericContainer(image)
    .withName(name)
    .withCommand(["sh", "-c", startCommand(o)])
    .withExposedPorts(25)
    .withLabels(o.labels)
    // Explicit limits: rootful Podman raises nofile and nproc to 1048576 by default, which
    // fails (`error setting rlimit type 7`) where root may not raise them (here the hard
    // limits are 20000 files, 32768 processes). Postfix under test needs far less.
    .withUlimits({ nofile: { soft: 16384, hard: 16384 }, nproc: { soft: 16384, hard: 16384 } })
    .withLogConsumer(output.consume)
    .withWaitStrategy(Wait.forLogMessage(/daemon started/).withStartupTimeout(60_000));
  if (o.binds?.length) g = g.withBindMounts(o.binds.map((b) => ({ ...b, mode: "rw" as const })));
  if (o.capabilities?.length) g = g.withAddedCapabilities(...o.capabilities);
  let started: StartedTestContainer;
  try {
    started = await g.start();
  } catch (e) {
    output.stop();
    await removeByName(name);
    throw new Error(await output.explain(e), { cause: e });
  }
  // The log keeps streaming until the container is stopped: the log hygiene check reads it.
  const handle = wrapContainer(started, o, output);
  o.registry?.add(handle);
  return handle;
}

/** Removes a container testcontainers did not (its start failed); one already gone is fine. */
async function removeByName(name: string): Promise<void> {
  try {
    const client = await getContainerRuntimeClient();
    await client.container.remove(client.container.getById(name), { removeVolumes: true });
  } catch {
    // Already removed (a wait-strategy timeout removes it), or the engine is gone: nothing to do.
  }
}

/** At most this much of a container's output is kept (a verification logs far less). */
const LOG_MAX = 4 * 1024 * 1024;

/** A container's output as it streams: all of it for the log checks, its tail to name why Postfix did not start. */
function startOutput() {
  let text = "";
  let stream: NodeJS.ReadableStream | undefined;
  let ended: Promise<void> = Promise.resolve();
  return {
    consume: (s: NodeJS.ReadableStream) => {
      stream = s;
      ended = new Promise((res) => s.once("end", res).once("close", res).once("error", res));
      s.on("data", (d: Buffer | string) => {
        text = (text + d.toString()).slice(-LOG_MAX);
      });
    },
    stop: () => (stream as { destroy?: () => void } | undefined)?.destroy?.(),
    text: () => text,
    async explain(e: unknown): Promise<string> {
      // The log stream may end a moment after the wait strategy gave up.
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1_000))]);
      const why = (e as Error).message;
      const cause = /stream ended/i.test(why)
        ? "the container exited before Postfix logged `daemon started`"
        : /not received after/i.test(why)
          ? "no `daemon started` in its log within 60 s"
          : why;
      const tail = text.slice(-4000).trim().split("\n").slice(-5).join(" | ");
      return `Postfix did not start: ${cause}${tail ? `; last output: ${tail}` : ""}`;
    },
  };
}

/** The handle over a started container (exported for tests). */
export function wrapContainer(
  c: StartedTestContainer,
  o: StartOptions,
  output: { text(): string; stop(): void } = { text: () => "", stop: () => undefined },
): PostfixContainer {
  let stopping: Promise<void> | undefined;
  const handle: PostfixContainer = {
    id: c.getId(),
    hostname: o.hostname,
    maillog: () => output.text(),
    async sh(cmd) {
      const r = await c.exec(["sh", "-c", cmd]);
      return { code: r.exitCode, out: r.stdout.trim(), err: r.stderr.trim() };
    },
    smtpTarget: () => ({ host: c.getHost(), port: c.getMappedPort(25) }),
    async logs() {
      if (!o.engine) throw new Error("no engine given to read the container log");
      return o.engine.containerLogs(c.getId());
    },
    restart: (timeoutMs) => c.restart({ timeout: timeoutMs }),
    stop() {
      // One stop at a time: the interrupt's stopAll and the caller's cleanup may race.
      stopping ??= c.stop({ timeout: 1_000, remove: true }).then(
        () => {
          output.stop();
          o.registry?.delete(handle);
        },
        (e: unknown) => {
          stopping = undefined;
          throw e;
        },
      );
      return stopping;
    },
  };
  return handle;
}
