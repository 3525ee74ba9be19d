// Podman's Docker-compatible service (`podman system service`) builds with Buildah, not
// BuildKit: a BuildKit build request is refused up front with what to do instead.
import { EnvironmentError } from "../errors.js";
import type { Builder, EngineInfo } from "../io/docker/engine.js";

export function checkBuilderFor(engines: readonly { name: string; info: EngineInfo }[], builder: Builder): void {
  if (builder !== "buildkit") return;
  const podman = engines.filter((e) => e.info.product === "podman");
  if (podman.length === 0) return;
  throw new EnvironmentError(
    `${podman.map((e) => `${e.name} is Podman ${e.info.version}`).join("; ")}: its Docker-compatible API has no BuildKit ` +
      "(no RUN --mount cache or bind mounts, no BuildKit build sessions)",
    "use --builder classic with Podman",
  );
}
