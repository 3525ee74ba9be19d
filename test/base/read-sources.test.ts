// The one reader of /etc/apt sources fails closed: only missing files are skipped.
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { EnvironmentError } from "../../src/errors.js";
import { readAptSourceFiles } from "../../src/io/apt/read-sources.js";

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "pm-apt-read-"));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("readAptSourceFiles", () => {
  it("reads sources.list first, then the files APT reads from sources.list.d, sorted", async () => {
    await fs.mkdir(path.join(root, "sources.list.d"));
    await fs.writeFile(path.join(root, "sources.list"), "main");
    for (const n of ["z.sources", "a.list", "b.list.disabled", "c~.list", "m.sources.save"]) {
      await fs.writeFile(path.join(root, "sources.list.d", n), n);
    }
    const files = await readAptSourceFiles(root);
    expect(files.map((f) => [path.relative(root, f.path), f.text])).toEqual([
      ["sources.list", "main"],
      [path.join("sources.list.d", "a.list"), "a.list"],
      [path.join("sources.list.d", "z.sources"), "z.sources"],
    ]);
  });

  it("tolerates a missing sources.list, sources.list.d, or a dangling symlink", async () => {
    expect(await readAptSourceFiles(path.join(root, "nothing-here"))).toEqual([]);
    await fs.mkdir(path.join(root, "sources.list.d"));
    await fs.symlink(path.join(root, "gone"), path.join(root, "sources.list.d", "x.list"));
    expect(await readAptSourceFiles(root)).toEqual([]);
  });

  it.each([
    ["sources.list is a directory", async () => fs.mkdir(path.join(root, "sources.list")), "sources.list"],
    ["sources.list.d is a file", async () => fs.writeFile(path.join(root, "sources.list.d"), ""), "sources.list.d"],
    [
      "a .list entry is a directory",
      async () => fs.mkdir(path.join(root, "sources.list.d", "x.list"), { recursive: true }),
      path.join("sources.list.d", "x.list"),
    ],
  ])("throws an EnvironmentError naming the path when %s", async (_name, setup, rel) => {
    await setup();
    const err = await readAptSourceFiles(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as Error).message).toContain(path.join(root, rel));
  });
});
