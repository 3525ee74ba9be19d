// parseBuildLine: the Engine's build stream, classic JSON lines and BuildKit trace messages.
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { LogLines, parseBuildLine } from "../../src/io/docker/progress.js";

const protoFile = path.join(
  path.dirname(createRequire(import.meta.url).resolve("dockerode/package.json")),
  "lib",
  "proto",
  "buildkit_status.proto",
);
const StatusResponse = protobuf.loadSync(protoFile).lookupType("moby.buildkit.v1.StatusResponse");

/** One build-stream line as the Engine sends BuildKit status: base64 protobuf under `aux`. */
function traceLine(status: Record<string, unknown>): string {
  const problem = StatusResponse.verify(status);
  if (problem) throw new Error(`test bug: ${problem}`);
  const bytes = StatusResponse.encode(StatusResponse.fromObject(status)).finish();
  return JSON.stringify({ id: "moby.buildkit.trace", aux: Buffer.from(bytes).toString("base64") });
}
const ts = (seconds: number) => ({ seconds, nanos: 0 });

describe("classic builder lines", () => {
  it.each([
    ['{"stream":"Step 2/9 : RUN x"}', [{ kind: "step", id: "2/9", name: "RUN x", state: "started" }]],
    ['{"stream":"Step 10/12 : COPY a b\\n"}', [{ kind: "step", id: "10/12", name: "COPY a b", state: "started" }]],
    ['{"stream":" ---> Using cache\\n"}', [{ kind: "log", text: " ---> Using cache" }]],
    ['{"stream":"checking for gcc... yes\\n"}', [{ kind: "log", text: "checking for gcc... yes" }]],
    ['{"stream":"\\n"}', []],
    ['{"status":"Pulling fs layer","id":"abc"}', [{ kind: "log", text: "Pulling fs layer" }]],
    ['{"errorDetail":{"message":"boom"},"error":"boom"}', [{ kind: "error", message: "boom" }]],
    [
      '{"errorDetail":{"code":1,"message":"The command \'/bin/sh -c make\' returned a non-zero code: 2"},"error":"x"}',
      [{ kind: "error", message: "The command '/bin/sh -c make' returned a non-zero code: 2" }],
    ],
    ['{"error":"only error"}', [{ kind: "error", message: "only error" }]],
    ['{"aux":{"ID":"sha256:0123abcd"}}', [{ kind: "image", id: "sha256:0123abcd" }]],
    ['{"id":"moby.image.id","aux":{"ID":"sha256:feed"}}', [{ kind: "image", id: "sha256:feed" }]],
    ["not json at all", [{ kind: "log", text: "not json at all" }]],
    ["   ", []],
    ["", []],
    ['{"progressDetail":{}}', []],
    // Podman (Buildah): stage and step, several lines in one chunk.
    [
      '{"stream":"[2/4] STEP 6/7: RUN make makefiles \\u0026\\u0026 make\\n"}',
      [{ kind: "step", id: "2/4 6/7", name: "RUN make makefiles && make", state: "started" }],
    ],
    ['{"stream":"STEP 1/2: FROM debian:bookworm\\n"}', [{ kind: "step", id: "1/1 1/2", name: "FROM debian:bookworm", state: "started" }]],
    [
      '{"stream":"cc -c a.c\\ncc -c b.c\\n[3/4] STEP 1/5: FROM build\\n"}',
      [
        { kind: "log", text: "cc -c a.c" },
        { kind: "log", text: "cc -c b.c" },
        { kind: "step", id: "3/4 1/5", name: "FROM build", state: "started" },
      ],
    ],
  ])("%s", (line, events) => {
    expect(parseBuildLine(line)).toEqual(events);
  });
});

describe("lines that are JSON but not objects", () => {
  it.each([["null"], ["42"], ["[]"], ["true"]])("%s gives no event and does not throw", (line) => {
    expect(() => parseBuildLine(line)).not.toThrow();
    expect(parseBuildLine(line)).toEqual([]);
  });
});

describe("BuildKit trace lines", () => {
  const RUN = "sha256:1111";
  const FAIL = "sha256:2222";
  const CACHED = "sha256:3333";
  const WAITING = "sha256:4444";

  it("decodes vertexes into step events by state, and logs into lines", () => {
    const line = traceLine({
      vertexes: [
        { digest: RUN, name: "[build 4/5] RUN make", started: ts(100), completed: ts(160) },
        { digest: FAIL, name: "[build 5/5] RUN make install", started: ts(160), completed: ts(161), error: "exit code: 2" },
        { digest: CACHED, name: "[deps 2/3] RUN apt-get update", cached: true, started: ts(1), completed: ts(1) },
        { digest: "sha256:5555", name: "[runtime 1/6] FROM debian:bookworm", started: ts(170) },
        { digest: WAITING, name: "[runtime 2/6] RUN groupadd" },
      ],
      logs: [
        { vertex: RUN, stream: 1, msg: Buffer.from("line1\nline2"), timestamp: ts(120) },
        { vertex: FAIL, stream: 2, msg: Buffer.from("make: *** [all] Error 2\r\n\n"), timestamp: ts(161) },
      ],
    });
    expect(parseBuildLine(line)).toEqual([
      // seconds: completed - started of the vertex (60 s, 1 s, 0 s).
      { kind: "step", id: RUN, name: "[build 4/5] RUN make", state: "done", seconds: 60 },
      { kind: "step", id: FAIL, name: "[build 5/5] RUN make install", state: "error", error: "exit code: 2", seconds: 1 },
      { kind: "step", id: CACHED, name: "[deps 2/3] RUN apt-get update", state: "cached", seconds: 0 },
      { kind: "step", id: "sha256:5555", name: "[runtime 1/6] FROM debian:bookworm", state: "started" },
      { kind: "log", step: RUN, text: "line1" },
      { kind: "log", step: RUN, text: "line2", partial: true },
      { kind: "log", step: FAIL, text: "make: *** [all] Error 2" },
      { kind: "log", step: FAIL, text: "" },
    ]);
  });

  it("an error without a completion time is still an error", () => {
    const events = parseBuildLine(
      traceLine({ vertexes: [{ digest: FAIL, name: "[build 4/5] RUN make", started: ts(5), error: "exit code: 2" }] }),
    );
    expect(events).toEqual([{ kind: "step", id: FAIL, name: "[build 4/5] RUN make", state: "error", error: "exit code: 2" }]);
  });

  it("a vertex neither started nor done gives no event", () => {
    expect(parseBuildLine(traceLine({ vertexes: [{ digest: WAITING, name: "[build 1/5] WORKDIR /x" }] }))).toEqual([]);
  });

  it("status-only messages (byte counters) give no event", () => {
    const line = traceLine({ statuses: [{ ID: "extracting", vertex: RUN, current: 10, total: 100 }] });
    expect(parseBuildLine(line)).toEqual([]);
  });

  it("log messages keep UTF-8; LogLines drops blank lines", () => {
    const events = parseBuildLine(traceLine({ logs: [{ vertex: RUN, msg: Buffer.from("\n  \nünï ✓\n") }] }));
    const lines = new LogLines();
    expect(events.flatMap((e) => (e.kind === "log" ? [lines.add(e)] : []))).toEqual([undefined, undefined, "ünï ✓"]);
  });

  it("a line BuildKit cut into pieces is one line again, per step", () => {
    // As apt's output arrived once: "E" in one message, ": Unable to locate package gcc" in the next.
    const events = [
      ...parseBuildLine(traceLine({ logs: [{ vertex: RUN, msg: Buffer.from("Reading package lists...\nE") }] })),
      ...parseBuildLine(traceLine({ logs: [{ vertex: FAIL, msg: Buffer.from("other step\n") }] })),
      ...parseBuildLine(traceLine({ logs: [{ vertex: RUN, msg: Buffer.from(": Unable to locate package gcc\nE: ") }] })),
      ...parseBuildLine(traceLine({ logs: [{ vertex: RUN, msg: Buffer.from("\nUnable to locate package m4\n") }] })),
    ];
    const lines = new LogLines();
    const whole = events.flatMap((e) => (e.kind === "log" ? [lines.add(e)] : [])).filter((l) => l !== undefined);
    expect(whole).toEqual([
      "Reading package lists...",
      "other step",
      "E: Unable to locate package gcc",
      "E: ",
      "Unable to locate package m4",
    ]);
  });

  it("an error line wins even when it also carries a trace id", () => {
    expect(parseBuildLine(JSON.stringify({ id: "moby.buildkit.trace", aux: "", error: "failed to solve" }))).toEqual([
      { kind: "error", message: "failed to solve" },
    ]);
  });
});
