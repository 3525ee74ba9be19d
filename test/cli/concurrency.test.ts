import { describe, expect, it } from "vitest";
import { defaultConcurrency, engineDefaultConcurrency, MAX_DEFAULT_CONCURRENCY } from "../../src/cli/concurrency.js";

const GiB = 2 ** 30;

describe("defaultConcurrency", () => {
  it.each([
    // cores, memory GiB, expected: two cells per core, ~2 GiB per cell, at most 8
    [1, 24, 2],
    [2, 24, 4],
    [2, 4, 2],
    [4, 64, 8],
    [16, 256, MAX_DEFAULT_CONCURRENCY],
    [16, 6, 3],
    [2, 1, 1],
  ])("%i cores, %i GiB -> %i", (cores, gib, expected) => {
    expect(defaultConcurrency({ cores, memoryBytes: gib * GiB })).toBe(expected);
  });

  it("never goes below one, even on a machine with almost no memory", () => {
    expect(defaultConcurrency({ cores: 8, memoryBytes: 256 * 2 ** 20 })).toBe(1);
  });

  it("reads this machine when given nothing", () => {
    const n = defaultConcurrency();
    expect(Number.isInteger(n) && n >= 1 && n <= MAX_DEFAULT_CONCURRENCY).toBe(true);
  });
});

describe("engineDefaultConcurrency", () => {
  it("follows what the engine reports, not this machine", () => {
    expect(engineDefaultConcurrency({ cpus: 1, memoryBytes: 24 * 2 ** 30 })).toBe(2);
    expect(engineDefaultConcurrency({ cpus: 16, memoryBytes: 8 * 2 ** 30 })).toBe(4);
    expect(engineDefaultConcurrency({ cpus: 0, memoryBytes: 64 * 2 ** 30 })).toBe(2);
  });
});
