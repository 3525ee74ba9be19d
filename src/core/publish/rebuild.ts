// A Dockerfile that rebuilds every step of its own, sharing nothing with the build cache:
// each stage declares a build argument with a fresh value, so every RUN after it misses the
// cache. Used by `reproduce` instead of the engine's no-cache flag, because Docker 20.10's
// BuildKit panics ("failed to get edge", moby/buildkit#2303) when a no-cache build runs
// beside cached builds of the same steps, taking the whole daemon down.

export const REBUILD_ARG = "POSTFIX_MATRIX_REBUILD";

export function rebuildDockerfile(dockerfile: string, nonce: string): string {
  if (!/^[A-Za-z0-9]+$/.test(nonce)) throw new Error(`rebuild nonce must be alphanumeric: ${nonce}`);
  return dockerfile.replace(/^FROM .*$/gm, (line) => `${line}\nARG ${REBUILD_ARG}=${nonce}`);
}
