import { describe, expect, it } from "vitest";
import { parseRepository, registryBaseUrl, repositoryName } from "../../src/core/publish/reference.js";

describe("registry repositories (--to, --cache-from)", () => {
  it.each([
    ["127.0.0.1:5000/postfix-matrix", "127.0.0.1:5000", "postfix-matrix"],
    ["localhost/team/postfix", "localhost", "team/postfix"],
    ["registry.example.org/a/b_c/d-e", "registry.example.org", "a/b_c/d-e"],
    ["[::1]:5000/p", "[::1]:5000", "p"],
    ["team/postfix", "docker.io", "team/postfix"],
    ["postfix", "docker.io", "postfix"],
  ])("%s is registry %s, path %s", (text, registry, path) => {
    const r = parseRepository(text);
    expect(r).toEqual({ registry, path });
    expect(repositoryName(r as { registry: string; path: string })).toBe(registry === "docker.io" ? path : text);
  });

  it.each([
    ["", /is empty/],
    ["127.0.0.1:5000/Postfix", /path part `Postfix`/],
    ["127.0.0.1:5000/postfix:latest", /has a tag/],
    ["127.0.0.1:5000/postfix@sha256:abc", /names a digest/],
    ["127.0.0.1:5000/a//b", /path part ``/],
    ["127.0.0.1:5000/$(id)", /path part `\$\(id\)`/],
    ["-bad.host:5000/x", /not a registry host/],
    [`127.0.0.1:5000/${"a".repeat(260)}`, /at most 255/],
  ])("%j is refused: %s", (text, why) => {
    const r = parseRepository(text);
    expect("error" in r && r.error).toMatch(why);
  });

  it.each([
    ["127.0.0.1:5000", "http://127.0.0.1:5000"],
    ["localhost:5001", "http://localhost:5001"],
    ["[::1]:5000", "http://[::1]:5000"],
    ["registry.example.org", "https://registry.example.org"],
    ["docker.io", "https://registry-1.docker.io"],
  ])("%s is spoken to at %s", (registry, url) => expect(registryBaseUrl(registry)).toBe(url));
});
