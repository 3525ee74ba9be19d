// The tag each cell is pushed as, from a template such as `{postfix}-{os}-{options}`.
// Checked whole before anything is built: unknown fields, tags Docker refuses, two cells
// with one tag are all errors naming the template and the cells.
import type { PreparedCell } from "../prepare.js";
import { TAG } from "./reference.js";

export const DEFAULT_TAG_TEMPLATE = "{id}";

/** The fields a template may use, besides the matrix's own axis names. */
export const TEMPLATE_FIELDS = ["id", "matrix", "os", "postfix", "version", "options"] as const;

export type TagResult = { tags: Map<string, string> } | { errors: string[] };

/** A value as a tag part: `debian:bookworm` -> `debian-bookworm`. */
const tagPart = (v: string) => v.replace(/[^A-Za-z0-9_.-]+/g, "-");

function fieldsOf(matrixName: string, c: PreparedCell): Record<string, string> {
  return {
    ...Object.fromEntries(Object.entries(c.cell.values).map(([k, v]) => [k, tagPart(v)])),
    id: c.cell.id,
    matrix: matrixName,
    os: tagPart(c.cell.os),
    postfix: c.recipe.version,
    version: c.recipe.version,
    options: tagPart(c.cell.optionsName),
  };
}

/** Every cell's tag, or every reason the template cannot make them. */
export function renderTags(template: string, matrixName: string, cells: readonly PreparedCell[]): TagResult {
  const errors: string[] = [];
  const names = [...template.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1]!);
  const stray = template.replace(/\{[^{}]*\}/g, "");
  if (/[{}]/.test(stray)) errors.push(`--tag-template ${JSON.stringify(template)}: a \`{\` or \`}\` without its pair`);
  const known = new Set<string>([...TEMPLATE_FIELDS, ...cells.flatMap((c) => Object.keys(c.cell.values))]);
  for (const n of new Set(names)) {
    if (!known.has(n)) errors.push(`--tag-template: unknown field {${n}}; known: ${[...known].map((k) => `{${k}}`).join(", ")}`);
  }
  if (errors.length > 0) return { errors };
  const tags = new Map<string, string>();
  const owner = new Map<string, string>();
  for (const c of cells) {
    const f = fieldsOf(matrixName, c);
    const tag = template.replace(/\{([^{}]*)\}/g, (_, n: string) => f[n] ?? "");
    if (!TAG.test(tag)) {
      errors.push(
        `--tag-template gives cell ${c.cell.id} the tag ${JSON.stringify(tag.slice(0, 140))}, which Docker refuses: a tag is 1-128 of A-Z a-z 0-9 _ . - and does not start with . or -`,
      );
      continue;
    }
    const other = owner.get(tag);
    if (other)
      errors.push(
        `--tag-template gives cells ${other} and ${c.cell.id} the same tag ${tag}: add a field that tells them apart (such as {id})`,
      );
    owner.set(tag, c.cell.id);
    tags.set(c.cell.id, tag);
  }
  return errors.length > 0 ? { errors } : { tags };
}

/** The tag a recipe is kept under in a registry cache: found by the recipe alone. */
export const cacheTag = (recipeHash: string): string => `recipe-${recipeHash}`;
