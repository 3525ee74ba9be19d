// The check container's start command and its handle's stop, as the interrupt races it.
import type { StartedTestContainer } from "testcontainers";
import { describe, expect, it } from "vitest";
import { ContainerRegistry, startCommand, wrapContainer } from "../../src/io/verify/postfix-container.js";

/** Enough of a started testcontainer for the handle: counts stops, the first one slow. */
function fakeStarted() {
  const calls = { stop: 0 };
  const c = {
    getId: () => "c1",
    async stop() {
      calls.stop++;
      await new Promise((r) => setTimeout(r, 20));
      return {};
    },
  } as unknown as StartedTestContainer;
  return { c, calls };
}

describe("startCommand", () => {
  it("makes delivery outward impossible before Postfix starts", () => {
    const cmd = startCommand({ hostname: "verify.postfix-matrix.test" });
    expect(cmd).toBe(
      "postconf -e myhostname=verify.postfix-matrix.test default_transport=error relay_transport=error" +
        " && (id pmcheck >/dev/null 2>&1 || useradd --create-home pmcheck) && exec postfix start-fg",
    );
    expect(startCommand({ hostname: "h", tls: true })).toContain(
      "relay_transport=error && postfix tls enable-server >/dev/null && (id pmcheck",
    );
  });
});

describe("ContainerRegistry and stop", () => {
  it("stops a container once when the interrupt and the cleanup race, and forgets it", async () => {
    const registry = new ContainerRegistry();
    const { c, calls } = fakeStarted();
    const h = wrapContainer(c, { hostname: "h", labels: {}, registry });
    registry.add(h);
    const [n] = await Promise.all([registry.stopAll(), h.stop()]);
    expect(n).toBe(1);
    expect(calls.stop).toBe(1);
    await h.stop();
    expect(calls.stop).toBe(1);
    expect(await registry.stopAll()).toBe(0);
  });

  it("a failed stop can be tried again", async () => {
    let fail = true;
    const c = {
      getId: () => "c2",
      stop: async () => {
        if (fail) throw new Error("busy");
        return {};
      },
    } as unknown as StartedTestContainer;
    const h = wrapContainer(c, { hostname: "h", labels: {} });
    await expect(h.stop()).rejects.toThrow("busy");
    fail = false;
    await expect(h.stop()).resolves.toBeUndefined();
  });
});
