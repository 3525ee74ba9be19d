// --cache-from: a cell whose recipe is already in the registry (its `recipe-<hash>` tag) is
// pulled instead of built, and the verification result its label carries stands when the
// checks are the same. Looked up before base images and sources: a pulled cell needs neither.
import type { BuildOutcome, VerifyResult } from "../core/outcome.js";
import type { PreparedCell } from "../core/prepare.js";
import { VERIFICATION_LABEL } from "../core/publish/oci-labels.js";
import { cacheTag } from "../core/publish/tag-template.js";
import { RECIPE_LABEL, recipeHash } from "../core/recipe/identity.js";
import { expectedSha256 } from "../core/source/releases.js";
import type { CheckSpec } from "../core/verify/checks.js";
import { checksKey } from "../core/verify/checks-key.js";
import type { Engine } from "../io/docker/engine.js";
import type { RegistryAuth } from "../io/docker/transfer-stream.js";
import type { RegistryView } from "./push-cells.js";

export interface CacheSource {
  registry: RegistryView;
  /** `registry/path`, the repository the cache tags are in. */
  repo: string;
  auth?: RegistryAuth;
}

/** Already built here from the same recipe: neither pulled nor built, and needs no base or source. */
export const BUILT_HERE = "";

/** Cell id -> the registry reference to pull, or BUILT_HERE. */
export async function findInRegistry(
  cells: readonly PreparedCell[],
  dockerfiles: ReadonlyMap<string, { text: string }>,
  o: { engine: Engine; cache: CacheSource; note: (line: string) => void },
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const c of cells) {
    const hash = recipeHash(dockerfiles.get(c.cell.id)!.text, expectedSha256(c.cell.postfix));
    const local = await o.engine.inspectImage(c.image);
    if (local?.labels[RECIPE_LABEL] === hash) found.set(c.cell.id, BUILT_HERE);
    else if (await o.cache.registry.image(cacheTag(hash))) found.set(c.cell.id, `${o.cache.repo}:${cacheTag(hash)}`);
  }
  const pulled = [...found.values()].filter((v) => v !== BUILT_HERE).length;
  const here = found.size - pulled;
  o.note(
    `registry cache ${o.cache.repo}: ${pulled} of ${cells.length} cells found, pulled instead of built${here ? ` (${here} already built here)` : ""}`,
  );
  return found;
}

export async function pullCell(c: PreparedCell, ref: string, o: { engine: Engine; cache: CacheSource }): Promise<BuildOutcome> {
  const t0 = Date.now();
  try {
    await o.engine.pull(ref, o.cache.auth);
    await o.engine.tag(ref, c.image);
    const info = await o.engine.inspectImage(c.image);
    if (!info) throw new Error(`${c.image} is missing after the pull`);
    return { kind: "pulled", imageId: info.id, size: info.size, ref, seconds: (Date.now() - t0) / 1000 };
  } catch (e) {
    const message = `pull of ${ref} failed: ${(e as Error).message}`;
    return { kind: "failed", message, lastLines: [], seconds: (Date.now() - t0) / 1000 };
  }
}

/** The verification result a pushed image carries, when it was made under these checks. */
export function verificationFromLabel(labels: Record<string, string>, checks: readonly CheckSpec[]): VerifyResult | undefined {
  const text = labels[VERIFICATION_LABEL];
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as { checks?: string; result?: VerifyResult };
    if (v.checks !== checksKey(checks) || !v.result || !Array.isArray(v.result.checks)) return undefined;
    return v.result.checks.every((x) => x.status === "pass") ? v.result : undefined;
  } catch {
    return undefined;
  }
}
