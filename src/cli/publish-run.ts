// The registry side of `run` and `push`: flags checked and registries asked before anything
// is built, then verified cells pushed (and their cache tags written) after the run.
import type { CellResult } from "../core/outcome.js";
import type { PreparedCell, PreparedMatrix } from "../core/prepare.js";
import { ociLabels } from "../core/publish/oci-labels.js";
import type { Engine } from "../io/docker/engine.js";
import { gitProvenance } from "../io/git/provenance.js";
import { pushCells } from "../run/push-cells.js";
import type { CacheSource } from "../run/registry-cache.js";
import {
  checkPublishFlags,
  epochFor,
  type PublishFlags,
  type RegistryTarget,
  registryTarget,
  sourceDateEpochFromEnv,
  tagsFor,
} from "./publish-options.js";

export interface Publishing {
  tags?: Map<string, string>;
  to?: RegistryTarget;
  cacheFrom?: CacheSource;
  cacheTo?: RegistryTarget;
  force: boolean;
  labels: (c: PreparedCell) => Record<string, string>;
}

/** Bad flags and tag templates: exit 2 (before any registry is asked). */
export function checkPublishing(p: PreparedMatrix, o: PublishFlags, pushing: boolean): Map<string, string> | undefined {
  checkPublishFlags(o, pushing);
  return o.push || pushing ? tagsFor(p, o.tagTemplate) : undefined;
}

/** The registries named answer and take our credentials, else exit 3 before anything is built. */
export async function preparePublishing(p: PreparedMatrix, o: PublishFlags, pushing: boolean): Promise<Publishing> {
  const tags = checkPublishing(p, o, pushing);
  const to = o.push || pushing ? await registryTarget("--to", o.to!) : undefined;
  const cacheFrom = o.cacheFrom ? await registryTarget("--cache-from", o.cacheFrom) : undefined;
  const cacheTo = o.cacheTo ? await registryTarget("--cache-to", o.cacheTo) : undefined;
  for (const t of [to, cacheFrom, cacheTo]) await t?.client.check();
  const provenance = await gitProvenance(p.matrix.file);
  const env = sourceDateEpochFromEnv();
  return {
    ...(tags ? { tags } : {}),
    ...(to ? { to } : {}),
    ...(cacheFrom
      ? { cacheFrom: { registry: cacheFrom.client, repo: cacheFrom.name, ...(cacheFrom.auth ? { auth: cacheFrom.auth } : {}) } }
      : {}),
    ...(cacheTo ? { cacheTo } : {}),
    force: Boolean(o.force),
    labels: (c) => {
      const epoch = epochFor(c.recipe.version, env);
      return ociLabels(p.matrix, c, { ...provenance, ...(epoch !== undefined ? { sourceDateEpoch: epoch } : {}) });
    },
  };
}

/** Pushes what passed (--push, push) and writes cache tags (--cache-to); returns refused tags. */
export async function publish(
  results: CellResult[],
  p: PreparedMatrix,
  engine: Engine,
  pub: Publishing,
  log: (line: string) => void,
): Promise<{ results: CellResult[]; refused: string[] }> {
  let out = results;
  const refused: string[] = [];
  for (const target of [pub.to, pub.cacheTo]) {
    if (!target) continue;
    const tags = target === pub.to ? pub.tags : undefined;
    const r = await pushCells(out, p.cells, {
      engine,
      registry: target.client,
      target: { repository: target.repository, force: pub.force, ...(tags ? { tags } : {}), ...(target.auth ? { auth: target.auth } : {}) },
      log,
    });
    // --cache-to beside --push: the push's outcome is the one reported.
    out = target === pub.to || !pub.to ? r.results : out;
    refused.push(...r.refused);
  }
  return { results: out, refused };
}
