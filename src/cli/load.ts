// Reads and prepares a matrix file for a command: bad input is a ConfigError (exit 2) before
// anything else happens.
import { readFile, stat } from "node:fs/promises";
import { ConfigError, UsageError } from "../errors.js";
import { YAML_LIMITS } from "../core/matrix/yaml.js";
import { prepareMatrix, type PreparedMatrix } from "../core/prepare.js";
import { filterCells } from "./filter.js";

export async function load(file: string, only?: string[]): Promise<PreparedMatrix> {
  let text: string;
  try {
    const size = (await stat(file)).size;
    // A huge file is refused unread (readYaml counts characters, up to 4 bytes each).
    if (size > YAML_LIMITS.bytes * 4)
      throw new ConfigError([{ file, path: "", line: 1, message: `the file is ${size} bytes; at most 1 MiB is read` }]);
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new UsageError(`cannot read matrix ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const p = prepareMatrix(text, file);
  return { ...p, cells: filterCells(p.cells, only) };
}
