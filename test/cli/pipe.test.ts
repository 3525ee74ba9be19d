// Long output through a slow pipe arrives whole: the CLI used to exit with process.exit()
// while stdout still held data, so `expand | less` got 64 KiB and exit 0. This spawns the
// real program (src compiled to a scratch folder, so it is never a stale dist/) and reads
// its stdout only after it has had time to finish.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO } from "../core/helpers.js";
import { cli } from "./run-cli.js";

const NODE = path.join(REPO, "node_modules", ".bin", "node");
// Inside the repo, so that the compiled code finds node_modules; .cache/ is ignored by git.
mkdirSync(path.join(REPO, ".cache"), { recursive: true });
const BUILD = mkdtempSync(path.join(REPO, ".cache", "cli-pipe-"));
const MATRIX = path.join(BUILD, "wide.yaml");

beforeAll(() => {
  // Type errors elsewhere in the tree do not stop tsc from emitting; a missing main.js does.
  spawnSync(path.join(REPO, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json", "--outDir", BUILD], { cwd: REPO });
  if (!existsSync(path.join(BUILD, "cli", "main.js"))) throw new Error(`tsc did not produce ${BUILD}/cli/main.js`);
  const sets = Array.from({ length: 1000 }, (_, i) => `    - {name: set-${i}, shared: true, features: [tls]}`);
  writeFileSync(
    MATRIX,
    ["name: wide", "axes:", "  os: [debian:bookworm, debian:trixie]", '  postfix: ["3.10.13"]', "  options:", ...sets, ""].join("\n"),
  );
}, 120_000);
afterAll(() => rmSync(BUILD, { recursive: true, force: true }));

/**
 * Runs the program with its stdout into a pipe that nobody reads for `delayMs` (a shell
 * pipeline: `program | (sleep; cat)`), so the pipe fills and the program must wait for it.
 * The program's own exit code comes back through a file.
 */
function slowlyRead(args: string[], delayMs: number): Promise<{ code: number | null; bytes: number; text: string }> {
  const codeFile = path.join(BUILD, `exit-${process.hrtime.bigint()}`);
  const program = [NODE, path.join(BUILD, "cli", "main.js"), ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const script = `${program}; echo $? > '${codeFile}'`;
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", `(${script}) | (sleep ${delayMs / 1000}; cat)`], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c));
    child.on("error", reject);
    child.on("close", () => {
      const all = Buffer.concat(chunks);
      const code = existsSync(codeFile) ? Number(readFileSync(codeFile, "utf8").trim()) : null;
      resolve({ code, bytes: all.length, text: all.toString("utf8") });
    });
  });
}

describe("stdout through a slow pipe", () => {
  it.each([[["expand", "--json"]], [["expand"]]])(
    "%j arrives whole, with exit 0",
    async (args) => {
      const expected = await cli(...args, MATRIX);
      expect(expected.code).toBe(0);
      expect(Buffer.byteLength(expected.stdout)).toBeGreaterThan(2 * 65536);
      const r = await slowlyRead([...args, MATRIX], 1500);
      expect(r.code).toBe(0);
      expect(r.bytes).toBe(Buffer.byteLength(expected.stdout));
      expect(r.text).toBe(expected.stdout);
    },
    60_000,
  );
});
