// Reads and prepares a matrix file for a command: bad input is a ConfigError (exit 2) before
// anything else happens.
import { readFile, stat } from "node:fs/promises";
import { ConfigError, UsageError } from "../errors.js";
import { YAML_LIMITS } from "../core/matrix/yaml.js";
import { forEachPreparedCell, prepareMatrix, type PreparedCell, type PreparedMatrix } from "../core/prepare.js";
import { selectShard } from "../core/shard/select.js";
import { parseShardSpec } from "../core/shard/spec.js";
import { cellFilter, filterCells } from "./filter.js";

/** `shard` (`--shard K/N`) picks shard K of the cells `only` selects. */
export async function load(file: string, only?: string[], shard?: string): Promise<PreparedMatrix> {
  const spec = shard === undefined ? undefined : parseShardSpec(shard);
  const p = prepareMatrix(await readMatrixText(file), file);
  const cells = filterCells(p.cells, only);
  return { ...p, cells: spec ? selectShard(cells, spec) : cells };
}

/** Each selected cell to `take` as it is ready (nothing held); every error after the last. */
export async function loadEach(file: string, only: string[] | undefined, take: (c: PreparedCell) => void): Promise<void> {
  const filter = cellFilter(only);
  forEachPreparedCell(await readMatrixText(file), file, (c) => {
    if (filter.pick(c)) take(c);
  });
  filter.finish();
}

async function readMatrixText(file: string): Promise<string> {
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
  return text;
}
