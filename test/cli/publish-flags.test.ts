// Bad registry references and tag templates: exit 2 with the reason, before any engine or
// registry is asked (these run without Docker: the checks come first, --dry-run included).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

const M = "matrices/default.yaml";

describe("push flags", () => {
  it.each([
    [["run", M, "--push"], /--push needs --to/],
    [["run", M, "--to", "127.0.0.1:5000/p"], /add --push/],
    [["run", M, "--tag-template", "{id}-x"], /are for --push/],
    [["run", M, "--push", "--to", "127.0.0.1:5000/Bad"], /--to "127.0.0.1:5000\/Bad" has the path part `Bad`/],
    [["run", M, "--push", "--to", "127.0.0.1:5000/p:tag"], /has a tag/],
    [["run", M, "--push", "--to", "127.0.0.1:5000/p", "--tag-template", "{postfix}"], /gives cells .* the same tag/],
    [["run", M, "--push", "--to", "127.0.0.1:5000/p", "--tag-template", "{colour}"], /unknown field \{colour\}/],
    [["run", M, "--push", "--to", "127.0.0.1:5000/p", "--tag-template", ".{id}"], /which Docker refuses/],
    [["push", M, "--to", "UPPER/case"], /has the path part `UPPER`/],
    [["push", M, "--to", "127.0.0.1:5000/p", "--tag-template", "{options}"], /same tag/],
    [["run", M, "--cache-from", "127.0.0.1:5000/p@sha256:00"], /names a digest/],
  ])("%j exits 2: %s", async (args, why) => {
    const r = await cli(...args, "--dry-run", "--out", "/nonexistent/never-written");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(why);
    expect(r.stdout).toBe("");
  });

  it("a good template passes the dry run, which prints the plan", async () => {
    const r = await cli("run", M, "--push", "--to", "127.0.0.1:5000/p", "--tag-template", "{postfix}-{os}-{options}", "--dry-run");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cells/);
  });

  it("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const r = await cli("--version");
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it("SOURCE_DATE_EPOCH that is not whole seconds is refused", async () => {
    process.env.SOURCE_DATE_EPOCH = "yesterday";
    try {
      const r = await cli("generate", M, "--out", "/nonexistent/never-written");
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/SOURCE_DATE_EPOCH="yesterday" is not whole seconds/);
    } finally {
      delete process.env.SOURCE_DATE_EPOCH;
    }
  });
});
