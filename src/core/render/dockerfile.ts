// Recipe -> Dockerfile text, through the Handlebars templates in dockerfiles/. Pure: the
// templates come in as text (loadTemplates reads them).
import Handlebars from "handlebars";
import type { Recipe } from "../recipe/recipe.js";
import { shellQuote, shellWords } from "../recipe/shell.js";
import { releaseEpoch } from "../source/releases.js";

export interface Templates {
  /** family -> template text, e.g. "debian" -> dockerfiles/debian.Dockerfile.hbs */
  main: Record<string, string>;
  /** partial name -> text, from dockerfiles/partials/*.hbs */
  partials: Record<string, string>;
}

export interface RenderOptions {
  /** BuildKit (default) uses RUN --mount; the classic builder gets a form without it. */
  builder?: "buildkit" | "classic";
  /** SOURCE_DATE_EPOCH for the build stage; default: the release date, when known. */
  sourceDateEpoch?: number;
}

export type Renderer = (recipe: Recipe, opts?: RenderOptions) => string;

export function makeRenderer(templates: Templates): Renderer {
  const hb = Handlebars.create();
  hb.registerHelper("word", (w: string) => shellQuote(String(w)));
  hb.registerHelper("words", (ws: string[]) => shellWords(ws));
  hb.registerHelper("setting", (kv: [string, string]) => `${kv[0]}=${kv[1]}`);
  for (const [name, text] of Object.entries(templates.partials)) hb.registerPartial(name, text);
  const compiled = new Map(
    Object.entries(templates.main).map(([family, text]) => [family, hb.compile(text, { noEscape: true, strict: true })]),
  );
  return (recipe, opts = {}) => {
    const t = compiled.get(recipe.family);
    if (!t) throw new Error(`no Dockerfile template for family ${recipe.family}`);
    const text = t({
      ...recipe,
      template: `${recipe.family}.Dockerfile.hbs`,
      cacheId: recipe.baseImage.replace(/[^A-Za-z0-9_.-]+/g, "-"),
      buildkit: (opts.builder ?? "buildkit") === "buildkit",
      ldconfigDirectory: recipe.ldconfigDirectory ?? "",
      path: recipe.path ?? "",
      sourceDateEpoch: opts.sourceDateEpoch ?? releaseEpoch(recipe.version) ?? "",
    });
    return text.replace(/[ \t]+$/gm, "").replace(/\n{3,}/g, "\n\n");
  };
}

/** The build step that compiles (`make makefiles ... && make`), by its name in a build's progress. */
export function isCompileStep(stepName: string): boolean {
  return /(^|\] )RUN make makefiles\b/.test(stepName);
}
