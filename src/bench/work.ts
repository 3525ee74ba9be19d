// What a serial run's report says about the distinct work of a matrix: each dependency layer,
// compile and install timed once, by its key (cells that share a key share the work).
import { readFile } from "node:fs/promises";
import type { StepTiming } from "../core/outcome.js";
import type { PreparedMatrix } from "../core/prepare.js";
import { isCompileStep } from "../core/render/dockerfile.js";

interface ReportCell {
  id: string;
  build: { kind: string; steps?: StepTiming[] };
}

export interface DistinctWork {
  deps: number;
  compiles: number;
  installs: number;
  depsMs: number;
  compilesMs: number;
  installsMs: number;
}

const isDepsStep = (name: string) => /^\[deps \d+\/\d+\] RUN .*apt-get install/.test(name);
/** Everything a cell does after its compile: the runtime stage and the image export. */
const isInstallStep = (name: string) => name.startsWith("[runtime ") || name === "exporting to image";

export async function distinctWork(p: PreparedMatrix, reportFile: string): Promise<DistinctWork> {
  const report = JSON.parse(await readFile(reportFile, "utf8")) as { cells: ReportCell[] };
  const byId = new Map(p.cells.map((c) => [c.cell.id, c]));
  const deps = new Map<string, number>();
  const compiles = new Map<string, number>();
  const installs = new Map<string, number>();
  const keep = (m: Map<string, number>, key: string, s: number) => m.set(key, Math.max(m.get(key) ?? 0, s));
  for (const cell of report.cells) {
    const keys = byId.get(cell.id)!.recipe.keys;
    let install = 0;
    for (const s of cell.build.steps ?? []) {
      if (s.cached) continue;
      if (isDepsStep(s.name)) keep(deps, keys.deps, s.seconds);
      else if (isCompileStep(s.name)) keep(compiles, keys.compile, s.seconds);
      else if (isInstallStep(s.name)) install += s.seconds;
    }
    keep(installs, keys.install, install);
  }
  const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) * 1000;
  return {
    deps: deps.size,
    compiles: compiles.size,
    installs: installs.size,
    depsMs: total(deps),
    compilesMs: total(compiles),
    installsMs: total(installs),
  };
}
