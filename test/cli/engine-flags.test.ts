// --engine and POSTFIX_MATRIX_ENGINES through the CLI: a bad engine, or a pool asked for what
// only one engine does, is exit 2 before any engine is asked (--dry-run included).
import { describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

const M = "matrices/default.yaml";
const POOL = ["--engine", "unix:///run/a.sock", "--engine", "unix:///run/b.sock"];

describe("engine flags", () => {
  it.each([
    [["run", M, "--engine", "http://build:2375"], /http:\/\/build:2375/],
    [["run", M, "--engine", "no-such-context"], /no-such-context/],
    [["run", M, "--engine", "unix:///run/a.sock", "--engine", "unix:///run/a.sock"], /a\.sock/],
    [["run", M, ...POOL, "--push", "--to", "127.0.0.1:5000/p"], /--push with 2 engines: a pool only builds and verifies/],
    [["run", M, ...POOL, "--cache-from", "127.0.0.1:5000/p"], /--cache-from\/--cache-to with 2 engines/],
    [["verify", M, ...POOL], /verify with 2 engines/],
    [["run", M, "--engine", "ssh://ci@build-3"], /ssh:\/\/ci@build-3: images on an ssh:\/\/ engine cannot be verified/],
  ])("%j exits 2: %s", async (args, why) => {
    const r = await cli(...args, "--dry-run", "--out", "/nonexistent/never-written");
    expect(r.stderr).toMatch(why);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
  });

  it("POSTFIX_MATRIX_ENGINES is read like repeated --engine", async () => {
    process.env.POSTFIX_MATRIX_ENGINES = "unix:///run/a.sock, unix:///run/b.sock";
    try {
      const r = await cli("verify", M, "--dry-run");
      expect(r.stderr).toMatch(/verify with 2 engines/);
      expect(r.code).toBe(2);
    } finally {
      delete process.env.POSTFIX_MATRIX_ENGINES;
    }
  });

  it("an ssh:// engine builds without verification", async () => {
    const r = await cli("run", M, "--engine", "ssh://ci@build-3", "--no-verify", "--dry-run");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("a pool's dry run prints the plan", async () => {
    const r = await cli("run", M, ...POOL, "--dry-run");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^8 cells: 4 dependency layers, 8 compiles, 8 installs/);
  });
});
