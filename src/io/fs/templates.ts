import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { Templates } from "../../core/render/dockerfile.js";

/** The package's own dockerfiles/ folder (next to dist/ or src/). */
export const DEFAULT_TEMPLATE_DIR = fileURLToPath(new URL("../../../dockerfiles/", import.meta.url));

export async function loadTemplates(dir = DEFAULT_TEMPLATE_DIR): Promise<Templates> {
  const main: Record<string, string> = {};
  const partials: Record<string, string> = {};
  for (const f of await readdir(dir)) {
    const m = /^(.+)\.Dockerfile\.hbs$/.exec(f);
    if (m) main[m[1]!] = await readFile(path.join(dir, f), "utf8");
  }
  const pdir = path.join(dir, "partials");
  for (const f of await readdir(pdir)) {
    if (f.endsWith(".hbs")) partials[f.slice(0, -4)] = await readFile(path.join(pdir, f), "utf8");
  }
  return { main, partials };
}
