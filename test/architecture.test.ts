// The layout rules the code keeps: a pure core that imports nothing from the edges, one
// adapter over dockerode, small files. (Function length is Biome's noExcessiveLinesPerFunction.)
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..");
const SRC = path.join(ROOT, "src");
const MAX_FILE_LINES = 300;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports, static or dynamic. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g))
    out.push((m[1] ?? m[2])!);
  return out;
}

const files = sourceFiles(SRC);
const rel = (f: string) => path.relative(ROOT, f);

describe("code layout", () => {
  it("finds the sources", () => {
    expect(files.length).toBeGreaterThan(40);
  });

  it("core imports nothing from src/run, src/io or src/cli", () => {
    const bad: string[] = [];
    for (const f of files.filter((f) => f.startsWith(path.join(SRC, "core") + path.sep))) {
      for (const spec of importsOf(f).filter((s) => s.startsWith("."))) {
        const target = path.relative(SRC, path.resolve(path.dirname(f), spec));
        if (/^(run|io|cli|bench)\//.test(target)) bad.push(`${rel(f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("only the Docker adapter imports dockerode", () => {
    const users = files.filter((f) => importsOf(f).includes("dockerode")).map(rel);
    expect(users).toEqual(["src/io/docker/dockerode-engine.ts"]);
  });

  it(`no source file is over ${MAX_FILE_LINES} lines`, () => {
    const long = files
      .map((f) => ({ file: rel(f), lines: readFileSync(f, "utf8").split("\n").length }))
      .filter((x) => x.lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });
});
