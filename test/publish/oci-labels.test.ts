import { describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { OPTIONS_LABEL, ociLabels, publicSourceUrl } from "../../src/core/publish/oci-labels.js";
import { releaseEpoch } from "../../src/core/source/releases.js";
import { defaultMatrixText } from "../core/helpers.js";

const p = prepareMatrix(defaultMatrixText(), "matrices/default.yaml");

describe("OCI labels", () => {
  it("say what the image is, its licence, when and from what it was made", () => {
    for (const c of p.cells) {
      const epoch = releaseEpoch(c.recipe.version)!;
      const l = ociLabels(p.matrix, c, { sourceDateEpoch: epoch, revision: "abc123", source: "https://example.org/m.git" });
      expect(l["org.opencontainers.image.version"]).toBe(c.recipe.version);
      expect(l["org.opencontainers.image.licenses"]).toBe("IPL-1.0 OR EPL-2.0");
      expect(l["org.opencontainers.image.created"]).toBe(new Date(epoch * 1000).toISOString());
      expect(l["org.opencontainers.image.revision"]).toBe("abc123");
      expect(l["org.opencontainers.image.source"]).toBe("https://example.org/m.git");
      expect(l["org.opencontainers.image.title"]).toContain(c.cell.id);
      expect(l["org.opencontainers.image.description"]).toContain(c.cell.optionsName);
      expect(JSON.parse(l[OPTIONS_LABEL]!)).toEqual({ matrix: "default", values: c.cell.values, options: c.cell.options });
    }
  });

  it("leave out what is not known (no git checkout, unknown release date)", () => {
    const l = ociLabels(p.matrix, p.cells[0]!, {});
    expect(Object.keys(l).filter((k) => /created|revision|source$/.test(k))).toEqual([]);
  });

  it.each([
    ["https://user:token@github.com/o/r.git", "https://github.com/o/r.git"],
    ["git@github.com:o/r.git", "https://github.com/o/r.git"],
    ["/work/main", undefined],
    ["file:///srv/r.git", undefined],
    ["", undefined],
  ])("the source URL %j is labelled as %j (no credentials, no local paths)", (url, want) => {
    expect(publicSourceUrl(url)).toBe(want);
  });

  it("release dates are the releases' MAIL_RELEASE_DATE at midnight UTC", () => {
    expect(new Date(releaseEpoch("3.10.13")! * 1000).toISOString()).toBe("2026-08-09T00:00:00.000Z");
    expect(releaseEpoch("9.9.9")).toBeUndefined();
  });
});
