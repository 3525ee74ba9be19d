// Integration tests need a Docker engine and the Debian base images. Missing base images are
// bootstrapped through the product itself; a missing engine fails the whole run loudly.
import { DockerodeEngine } from "../../src/io/docker/dockerode-engine.js";
import { bootstrapBaseImage } from "../../src/io/base/bootstrap.js";

export const BASE_IMAGES = ["debian:bookworm", "debian:trixie"];

export default async function setup(): Promise<void> {
  process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
  // Tests never reach for upstream download sites: the source cache or Debian's archive only.
  process.env.POSTFIX_MATRIX_MIRRORS = "none";
  const engine = new DockerodeEngine();
  try {
    await engine.ping();
  } catch (e) {
    throw new Error(
      `INTEGRATION TESTS CANNOT RUN: ${(e as Error).message}\n` +
        "Start an engine first: `npm run engine:up` (as root), or set DOCKER_HOST. .ci/run does this.",
    );
  }
  for (const ref of BASE_IMAGES) {
    const r = await bootstrapBaseImage(ref, { engine, log: (l) => process.stderr.write(`[bootstrap ${ref}] ${l}\n`) });
    if (r.kind === "bootstrapped") process.stderr.write(`[global-setup] bootstrapped ${ref} in ${r.seconds.toFixed(1)} s\n`);
  }
}
