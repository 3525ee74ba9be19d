// Integration tests need a Docker engine and the Debian base images. Missing base images are
// bootstrapped through the product itself; a missing engine fails the whole run loudly.
// After the run, the teardown counts what the suite left on the engine and fails on a leak.
import Docker from "dockerode";
import { RECIPE_LABEL, ROLE_LABEL } from "../../src/core/recipe/identity.js";
import { bootstrapBaseImage } from "../../src/io/base/bootstrap.js";
import { DockerodeEngine } from "../../src/io/docker/dockerode-engine.js";

export const BASE_IMAGES = ["debian:bookworm", "debian:trixie"];

export default async function setup(): Promise<() => Promise<void>> {
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
  const docker = new Docker();
  const before = new Set((await docker.listImages({ all: true })).map((i) => i.Id));
  return () => countLeaks(docker, before);
}

/**
 * What the suite left behind, through the Engine API: containers (any state) and volumes with
 * the tool's role label, and dangling images made during the run. Of those images only the
 * ones with the recipe label count: every image the tool builds gets it, so an unlabelled one
 * is not a tool's image. The classic builder keeps each earlier stage's last layer as an
 * unlabelled dangling image (build labels go on the final image only): that is its layer
 * cache, as BuildKit's cache records are (removing it would make every classic rebuild
 * compile again), so it is shown but not counted. Testcontainers builds no image here (and
 * Ryuk is off). An image tagged before the run and replaced by a rebuild is not made by the
 * run, so it does not count either.
 */
async function countLeaks(docker: Docker, before: Set<string>): Promise<void> {
  const containers = await docker.listContainers({ all: true, filters: { label: [ROLE_LABEL] } });
  const volumes = (await docker.listVolumes({ filters: { label: [ROLE_LABEL] } })).Volumes ?? [];
  const made = (await docker.listImages({ filters: { dangling: ["true"] } })).filter((i) => !before.has(i.Id));
  const images = made.filter((i) => i.Labels?.[RECIPE_LABEL]);
  const stageCache = made.length - images.length;
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? "" : "s"}`;
  process.stderr.write(
    `[global-teardown] left behind: ${n(containers.length, "container")}, ${n(volumes.length, "volume")}, ` +
      `${n(images.length, "dangling image")}` +
      `${stageCache ? ` (and ${stageCache} unlabelled dangling images, classic builder stage cache, not counted)` : ""}\n`,
  );
  const leaks = [
    ...containers.map((c) => `container ${c.Names.join(",")} (${c.Labels[ROLE_LABEL]}, ${c.State}, image ${c.Image})`),
    ...volumes.map((v) => `volume ${v.Name} (${v.Labels?.[ROLE_LABEL]})`),
    ...images.map((i) => `dangling image ${i.Id.slice(7, 19)} (cell ${i.Labels["org.postfix-matrix.cell"] ?? "?"})`),
  ];
  if (leaks.length === 0) return;
  // vitest only logs an error thrown by a teardown; the exit code is what fails the run.
  process.exitCode = 1;
  throw new Error(`THE INTEGRATION SUITE LEAKED ${leaks.length} engine objects:\n  ${leaks.join("\n  ")}`);
}
