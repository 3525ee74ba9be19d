// The Dockerfile renderer as the CLI uses it: SOURCE_DATE_EPOCH from the environment, when
// set, replaces each release's own date in every Dockerfile written.
import type { Renderer } from "../core/render/dockerfile.js";
import { sourceDateEpochFromEnv } from "./publish-options.js";

export function withSourceDate(render: Renderer, env: NodeJS.ProcessEnv = process.env): Renderer {
  const epoch = sourceDateEpochFromEnv(env);
  return epoch === undefined ? render : (recipe, opts) => render(recipe, { ...opts, sourceDateEpoch: epoch });
}
