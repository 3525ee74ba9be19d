// What makes an image the image of a recipe: a hash of its Dockerfile, its source's checksum
// and the build target, kept as a label so an unchanged cell is found and not rebuilt.
import { createHash } from "node:crypto";

export const RECIPE_LABEL = "org.postfix-matrix.recipe";
export const CELL_LABEL = "org.postfix-matrix.cell";
export const VERSION_LABEL = "org.postfix-matrix.postfix-version";
export const ROLE_LABEL = "org.postfix-matrix.role";
/** The recipe's compile key: an engine holding such an image has that compile in its build cache. */
export const COMPILE_LABEL = "org.postfix-matrix.compile";

export function recipeHash(dockerfile: string, sourceSha256: string, target?: string): string {
  // The target is part of what the image is: a build-stage image never passes for a runtime one.
  const text = target ? `${dockerfile}\n# target: ${target}\n` : dockerfile;
  return createHash("sha256").update(text).update(sourceSha256).digest("hex").slice(0, 32);
}

/** The labels every built image carries. */
export function imageLabels(o: { hash: string; cellId: string; version: string; role?: string; compile?: string }): Record<string, string> {
  return {
    [RECIPE_LABEL]: o.hash,
    [CELL_LABEL]: o.cellId,
    [VERSION_LABEL]: o.version,
    ...(o.compile ? { [COMPILE_LABEL]: o.compile } : {}),
    ...(o.role ? { [ROLE_LABEL]: o.role } : {}),
  };
}
