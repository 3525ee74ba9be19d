// Where a cell's files go, and every cell's Dockerfile written there (generate and run).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { PreparedMatrix } from "../core/prepare.js";
import type { RenderOptions, Renderer } from "../core/render/dockerfile.js";

export function cellDir(outDir: string, matrixName: string, cellId: string): string {
  return path.join(outDir, matrixName, cellId);
}

/** Writes every cell's Dockerfile; returns the paths. */
export async function writeDockerfiles(
  p: PreparedMatrix,
  render: Renderer,
  outDir: string,
  opts: RenderOptions = {},
): Promise<Map<string, { path: string; text: string }>> {
  const out = new Map<string, { path: string; text: string }>();
  for (const c of p.cells) {
    const dir = cellDir(outDir, p.matrix.name, c.cell.id);
    await mkdir(dir, { recursive: true });
    const text = render(c.recipe, opts);
    const file = path.join(dir, "Dockerfile");
    await writeFile(file, text);
    out.set(c.cell.id, { path: file, text });
  }
  return out;
}
