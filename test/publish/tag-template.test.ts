import { describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { cacheTag, renderTags } from "../../src/core/publish/tag-template.js";
import { defaultMatrixText } from "../core/helpers.js";

const p = prepareMatrix(defaultMatrixText(), "matrices/default.yaml");

describe("--tag-template", () => {
  it("{id} gives each cell its id, unique", () => {
    const r = renderTags("{id}", p.matrix.name, p.cells);
    expect("tags" in r && [...r.tags.values()]).toEqual(p.cells.map((c) => c.cell.id));
  });

  it("fields: version, os (made tag-safe), options and axis names", () => {
    const r = renderTags("{postfix}-{os}-{options}", p.matrix.name, p.cells);
    if (!("tags" in r)) throw new Error(JSON.stringify(r));
    const c = p.cells[0]!;
    expect(r.tags.get(c.cell.id)).toBe(`${c.recipe.version}-${c.cell.os.replace(":", "-")}-${c.cell.optionsName}`);
    const byAxis = renderTags("{matrix}.{postfix}.{os}.{options}", p.matrix.name, p.cells);
    expect("tags" in byAxis && byAxis.tags.get(c.cell.id)).toBe(
      `default.${c.recipe.version}.${c.cell.os.replace(":", "-")}.${c.cell.optionsName}`,
    );
  });

  it.each([
    ["{nope}", /unknown field \{nope\}/],
    ["{id", /without its pair/],
    ["-{id}", /Docker refuses/],
    ["{postfix}", /gives cells .* the same tag 3\./],
    [`{id}${"x".repeat(130)}`, /Docker refuses/],
  ])("%j is refused: %s", (template, why) => {
    const r = renderTags(template, p.matrix.name, p.cells);
    expect("errors" in r).toBe(true);
    expect(("errors" in r ? r.errors : []).join("\n")).toMatch(why);
  });

  it("a cache tag is the recipe hash, a valid tag", () => {
    expect(cacheTag("0123abcd")).toBe("recipe-0123abcd");
  });
});
