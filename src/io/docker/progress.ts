// Reads the Engine API's build stream: JSON lines from the classic builder, and BuildKit's
// base64 protobuf status messages (moby.buildkit.trace). Any `error`/`errorDetail` line or
// failed BuildKit vertex is a failed build: nothing here is swallowed.
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";

export type BuildEvent =
  | { kind: "step"; id: string; name: string; state: "started" | "done" | "cached" | "error"; error?: string; seconds?: number }
  /** `partial`: BuildKit cut the line here; the step's next log event goes on with it. */
  | { kind: "log"; step?: string; text: string; partial?: boolean }
  | { kind: "image"; id: string }
  | { kind: "error"; message: string };

let statusType: protobuf.Type | undefined;
function buildkitStatus(): protobuf.Type {
  if (!statusType) {
    // dockerode ships BuildKit's status schema; reuse it rather than copying it.
    const dir = path.dirname(createRequire(import.meta.url).resolve("dockerode/package.json"));
    statusType = protobuf.loadSync(path.join(dir, "lib", "proto", "buildkit_status.proto")).lookupType("moby.buildkit.v1.StatusResponse");
  }
  return statusType;
}

interface Timestamp {
  seconds?: unknown;
  nanos?: number;
}
interface Vertex {
  digest: string;
  name: string;
  cached: boolean;
  started?: Timestamp | null;
  completed?: Timestamp | null;
  error: string;
}

const toSeconds = (t: Timestamp) => Number(String(t.seconds ?? 0)) + (t.nanos ?? 0) / 1e9;
interface VertexLog {
  vertex: string;
  msg: Uint8Array;
}

/** Turns one JSON line of the build stream into events. */
export function parseBuildLine(line: string): BuildEvent[] {
  if (!line.trim()) return [];
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return [{ kind: "log", text: line }];
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) return [];
  if (json.errorDetail || json.error) {
    const detail = json.errorDetail as { message?: string } | undefined;
    return [{ kind: "error", message: String(detail?.message ?? json.error) }];
  }
  if (json.id === "moby.buildkit.trace" && typeof json.aux === "string") return decodeTrace(json.aux);
  if (json.id === "moby.image.id") return [{ kind: "image", id: String((json.aux as { ID?: string })?.ID ?? "") }];
  if (json.aux && typeof (json.aux as { ID?: unknown }).ID === "string") return [{ kind: "image", id: (json.aux as { ID: string }).ID }];
  // Podman (Buildah) sends several lines in one chunk: each is an event of its own.
  if (typeof json.stream === "string") return json.stream.split(/\r?\n/).flatMap(streamLine);
  if (typeof json.status === "string") return [{ kind: "log", text: json.status }];
  return [];
}

/** A classic build's step: Docker's `Step 4/9 : RUN ...`, Podman's `[2/4] STEP 6/7: RUN ...`. */
const DOCKER_STEP = /^Step (\d+\/\d+) : (.*)/;
const PODMAN_STEP = /^(?:\[(\d+\/\d+)\] )?STEP (\d+\/\d+): (.*)/;

function streamLine(line: string): BuildEvent[] {
  const text = line.trimEnd();
  const docker = DOCKER_STEP.exec(text.trim());
  if (docker) return [{ kind: "step", id: docker[1]!, name: docker[2]!, state: "started" }];
  const podman = PODMAN_STEP.exec(text.trim());
  if (podman) return [{ kind: "step", id: `${podman[1] ?? "1/1"} ${podman[2]}`, name: podman[3]!, state: "started" }];
  return text ? [{ kind: "log", text }] : [];
}

function decodeTrace(aux: string): BuildEvent[] {
  const msg = buildkitStatus().toObject(buildkitStatus().decode(Buffer.from(aux, "base64")), { defaults: true }) as {
    vertexes: Vertex[];
    logs: VertexLog[];
  };
  const out: BuildEvent[] = [];
  for (const v of msg.vertexes) {
    const state = v.error ? "error" : v.cached ? "cached" : v.completed ? "done" : v.started ? "started" : undefined;
    const seconds = v.started && v.completed ? Math.max(0, toSeconds(v.completed) - toSeconds(v.started)) : undefined;
    if (state) {
      out.push({
        kind: "step",
        id: v.digest,
        name: v.name,
        state,
        ...(v.error ? { error: v.error } : {}),
        ...(seconds !== undefined && state !== "started" ? { seconds } : {}),
      });
    }
  }
  for (const l of msg.logs) {
    const text = Buffer.from(l.msg).toString("utf8");
    // BuildKit cuts a step's output anywhere, mid-line too: the piece after the last newline
    // is partial, and whole lines (empty ones too) end one.
    const lines = text.split(/\r?\n/);
    const rest = lines.pop()!;
    for (const t of lines) out.push({ kind: "log", step: l.vertex, text: t });
    if (rest) out.push({ kind: "log", step: l.vertex, text: rest, partial: true });
  }
  return out;
}

/** Joins a step's partial log pieces into whole lines; blank lines are dropped. */
export class LogLines {
  private readonly pending = new Map<string, string>();

  /** The whole line this log event ends, if it ends one. */
  add(e: Extract<BuildEvent, { kind: "log" }>): string | undefined {
    const key = e.step ?? "";
    const text = (this.pending.get(key) ?? "") + e.text;
    if (e.partial) {
      this.pending.set(key, text);
      return undefined;
    }
    this.pending.delete(key);
    return text.trim() ? text : undefined;
  }
}
