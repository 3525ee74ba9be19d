// Reads the Engine API's build stream: JSON lines from the classic builder, and BuildKit's
// base64 protobuf status messages (moby.buildkit.trace). Any `error`/`errorDetail` line or
// failed BuildKit vertex is a failed build: nothing here is swallowed.
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";

export type BuildEvent =
  | { kind: "step"; id: string; name: string; state: "started" | "done" | "cached" | "error"; error?: string; seconds?: number }
  | { kind: "log"; step?: string; text: string }
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
  if (typeof json.stream === "string") {
    const text = json.stream;
    const step = /^Step (\d+\/\d+) : (.*)/.exec(text.trim());
    if (step) return [{ kind: "step", id: step[1]!, name: step[2]!, state: "started" }];
    if (/^ ---> Using cache/.test(text)) return [{ kind: "log", text: text.trimEnd() }];
    return text.trimEnd() ? [{ kind: "log", text: text.trimEnd() }] : [];
  }
  if (typeof json.status === "string") return [{ kind: "log", text: json.status }];
  return [];
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
    for (const t of text.split(/\r?\n/)) if (t.trim()) out.push({ kind: "log", step: l.vertex, text: t });
  }
  return out;
}
