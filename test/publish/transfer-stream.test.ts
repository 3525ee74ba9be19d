import { describe, expect, it } from "vitest";
import { readTransfer, TransferFailed } from "../../src/io/docker/transfer-stream.js";

const D = `sha256:${"c".repeat(64)}`;

describe("push and pull streams", () => {
  it("the pushed digest comes from the aux line (or the status line)", () => {
    const lines = [
      JSON.stringify({ status: "The push refers to repository [127.0.0.1:5000/p]" }),
      JSON.stringify({ status: "Pushed", id: "abc" }),
      JSON.stringify({ status: `t: digest: ${D} size: 1234` }),
      JSON.stringify({ progressDetail: {}, aux: { Tag: "t", Digest: D, Size: 1234 } }),
    ];
    expect(readTransfer(lines)).toEqual({ digest: D });
    expect(readTransfer(lines.slice(0, 3))).toEqual({ digest: D });
  });

  it.each([
    [{ errorDetail: { message: "unauthorized: authentication required" }, error: "unauthorized" }, true],
    [{ error: "Get http://127.0.0.1:5999/v2/: dial tcp 127.0.0.1:5999: connect: connection refused" }, false],
    [{ errorDetail: { message: "no basic auth credentials" } }, true],
  ])("an error line is a failure, never swallowed: %j", (line, auth) => {
    const run = () => readTransfer([JSON.stringify({ status: "Preparing" }), JSON.stringify(line)]);
    expect(run).toThrow(TransferFailed);
    try {
      run();
    } catch (e) {
      expect((e as TransferFailed).auth).toBe(auth);
    }
  });
});
