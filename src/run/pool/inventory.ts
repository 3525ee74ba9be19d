// What each engine of a pool has before the run (base images, cells already built from the
// same recipe, this run's compiles its images say are in its build cache), and base images
// sent from one engine to another (save, then load).
import { expectedSha256 } from "../../core/source/releases.js";
import type { EngineInventory } from "../../core/pool/placement.js";
import type { PreparedCell } from "../../core/prepare.js";
import { COMPILE_LABEL, RECIPE_LABEL, recipeHash } from "../../core/recipe/identity.js";
import type { Engine, EngineInfo } from "../../io/docker/engine.js";

/** An engine of the pool: its name, where it is, how the coordinator reaches it. */
export interface PoolMember {
  name: string;
  host: string;
  /** The environment a worker process needs to reach it (DOCKER_HOST, TLS). */
  env: Record<string, string | undefined>;
  engine: Engine;
}

export async function takeInventory(
  m: PoolMember,
  info: EngineInfo,
  cells: readonly PreparedCell[],
  dockerfiles: ReadonlyMap<string, { text: string }>,
): Promise<EngineInventory & { bases: Set<string> }> {
  const bases = new Set<string>();
  for (const ref of new Set(cells.map((c) => c.recipe.baseImage))) if (await m.engine.imageExists(ref)) bases.add(ref);
  const recipeOfTag = new Map<string, string>();
  // A compile stays in BuildKit's cache after its image is replaced or removed; a prune drops
  // it, and then this guess costs one compile more than planned, nothing else.
  const wanted = new Set(cells.map((c) => c.recipe.keys.compile));
  const compiled = new Set<string>();
  for (const i of await m.engine.listImages({ label: [RECIPE_LABEL] })) {
    for (const t of i.tags) recipeOfTag.set(t, i.labels[RECIPE_LABEL] ?? "");
    const k = i.labels[COMPILE_LABEL];
    if (k && wanted.has(k)) compiled.add(k);
  }
  const builtCells = new Set<string>();
  for (const c of cells) {
    const have = recipeOfTag.get(c.image);
    if (have && have === recipeHash(dockerfiles.get(c.cell.id)!.text, expectedSha256(c.cell.postfix))) builtCells.add(c.cell.id);
  }
  return { name: m.name, speed: info.cpus, bases, builtCells, compiled };
}

/** Sends `ref` from one engine to another; the seconds it took. */
export async function transferImage(ref: string, from: Engine, to: Engine): Promise<number> {
  const t0 = Date.now();
  await to.loadImage(await from.saveImage(ref));
  if (!(await to.imageExists(ref))) throw new Error(`${ref} was loaded into ${to.endpoint} but is not there`);
  return (Date.now() - t0) / 1000;
}
