// The GitHub Actions workflows, checked by @actions/workflow-parser: GitHub's own parser and
// workflow schema (the one behind the Actions language server), installed from npm, so no
// network is needed. Then what the images workflow must do: plan, one job per shard, merge.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow, type WorkflowTemplate } from "@actions/workflow-parser";
import { describe, expect, it } from "vitest";
import { REPO } from "../core/helpers.js";

const DIR = path.join(REPO, ".github/workflows");
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

function check(name: string, content: string): { errors: string[]; template?: Promise<WorkflowTemplate> } {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length > 0 || !result.value) return { errors };
  return { errors, template: convertWorkflowTemplate(result.context, result.value) };
}

async function valid(file: string): Promise<WorkflowTemplate> {
  const { errors, template } = check(file, readFileSync(path.join(DIR, file), "utf8"));
  expect(errors, file).toEqual([]);
  const t = await template!;
  expect(t.errors ?? [], file).toEqual([]);
  return t;
}

const runs = (t: WorkflowTemplate, job: string): string[] => {
  const j = t.jobs.find((x) => x.id.value === job);
  expect(j, `job ${job}`).toBeDefined();
  return ((j as { steps?: { run?: { toString(): string } }[] }).steps ?? []).flatMap((s) => (s.run ? [s.run.toString()] : []));
};

describe("workflow files", () => {
  it("has the test and the images workflows", () => {
    expect(files).toEqual(expect.arrayContaining(["ci.yml", "images.yml"]));
  });

  it.each(files)("%s is a valid workflow", async (file) => {
    await valid(file);
  });

  it.each([
    ["a job without runs-on", "on: push\njobs:\n  a:\n    steps:\n      - run: echo\n"],
    ["an unknown key", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stepz: []\n"],
    ["a broken expression", "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ fromJSON( }}\n"],
    ["an unknown event", "on: pushed\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n"],
  ])("the validator refuses %s", async (_what, content) => {
    const { errors, template } = check("bad.yml", content);
    const later = template ? ((await template).errors ?? []).map((e) => e.Message) : [];
    const all = [...errors, ...later];
    expect(all.length).toBeGreaterThan(0);
    for (const e of all) expect(e).toMatch(/^bad\.yml \(Line: \d+, Col: \d+\): /);
  });
});

describe("images.yml", () => {
  const text = readFileSync(path.join(DIR, "images.yml"), "utf8");

  it("plans the shards, runs one job per shard and merges their reports", async () => {
    const t = await valid("images.yml");
    expect(t.jobs.map((j) => j.id.value)).toEqual(["plan", "images", "merge"]);
    expect(runs(t, "plan").join("\n")).toMatch(
      /postfix-matrix matrix "\$MATRIX" --github --shards "\$SHARDS"\)"\n\s*echo "matrix=\$matrix" >> "\$GITHUB_OUTPUT"/,
    );
    expect(runs(t, "images").join("\n")).toContain('postfix-matrix run "$MATRIX" --shard "$SHARD"');
    expect(runs(t, "merge").join("\n")).toContain("postfix-matrix report merge shards --out merged");
  });

  it("feeds the plan's JSON to the shard jobs' strategy.matrix, and each shard's entry to --shard", () => {
    expect(text).toContain("matrix: ${{ steps.shards.outputs.matrix }}");
    expect(text).toContain("matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}");
    expect(text).toContain("SHARD: ${{ matrix.shard }}");
    expect(text).toContain("name: images ${{ matrix.name }}");
  });

  it("uploads every shard's reports, even when a cell failed, and merges after all shards", () => {
    expect(text).toMatch(/upload-artifact@v4\n\s+if: always\(\)\n\s+with:\n\s+name: reports-shard-\$\{\{ strategy\.job-index \}\}/);
    expect(text).toContain("out/*/report.json");
    expect(text).toContain("out/*/report.xml");
    expect(text).toMatch(/needs: \[plan, images\]\n\s+if: \$\{\{ always\(\) && needs\.plan\.result == 'success' \}\}/);
    expect(text).toMatch(/download-artifact@v4\n\s+with:\n\s+pattern: reports-shard-\*\n\s+path: shards/);
  });

  it("never puts an expression straight into a shell script (values go through env:)", async () => {
    const t = await valid("images.yml");
    const scripts = t.jobs.flatMap((j) => runs(t, j.id.value));
    expect(scripts.length).toBeGreaterThan(4);
    // A run: holding ${{ }} is an expression token, not a plain string.
    for (const s of scripts) expect(s).not.toContain("${{");
  });
});
