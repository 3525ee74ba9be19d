// The upgrade runner: base images and sources first (nothing is pulled; a missing base image
// or release stops before any build), then each scenario in turn: both images (in parallel),
// the container run, the verdict against the scenario's declared expectation.
import path from "node:path";
import type { Renderer } from "../../core/render/dockerfile.js";
import { verdictOf, type ScenarioReport, type ScenarioResult, type UpgradePlan, type UpgradeScenario } from "../../core/upgrade/model.js";
import { EnvironmentError } from "../../errors.js";
import { expectedSha256 } from "../../core/source/releases.js";
import { bootstrapBaseImage } from "../base/bootstrap.js";
import type { Builder, Engine } from "../docker/engine.js";
import { resolveSource, type ResolveOptions, type ResolvedSource } from "../source/resolve.js";
import type { ContainerRegistry } from "../verify/verify.js";
export type { ScenarioReport };
import { buildSide } from "./images.js";
import { runScenario } from "./scenario.js";

export interface UpgradeRunOptions {
  engine: Engine;
  render: Renderer;
  builder: Builder;
  outDir: string;
  sources: ResolveOptions;
  bootstrapMissing?: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
  registry?: ContainerRegistry;
}

export function scenarioDir(outDir: string, planName: string, scenario: string): string {
  return path.join(outDir, planName, scenario);
}

export async function runUpgradePlan(plan: UpgradePlan, o: UpgradeRunOptions): Promise<ScenarioReport[]> {
  await o.engine.ping();
  const sides = plan.scenarios.flatMap((s) => [s.from, s.to]);
  await ensureBaseImages([...new Set(sides.map((x) => x.recipe.baseImage))], o);
  const sources = new Map<string, ResolvedSource>();
  for (const side of sides) {
    const v = side.recipe.version;
    if (sources.has(v)) continue;
    const r = await resolveSource({ version: v, sha256: expectedSha256(side.cell.postfix) }, o.sources);
    o.log(`source postfix ${v}: ${r.origin}${r.from ? ` (${r.from})` : ""}, sha256 ${r.sha256.slice(0, 12)}…`);
    sources.set(v, r);
  }
  const out: ScenarioReport[] = [];
  for (const s of plan.scenarios) {
    if (o.signal?.aborted) break;
    out.push(await runOne(plan, s, sources, o));
  }
  return out;
}

async function runOne(plan: UpgradePlan, s: UpgradeScenario, sources: Map<string, ResolvedSource>, o: UpgradeRunOptions): Promise<ScenarioReport> {
  const t0 = Date.now();
  const dir = scenarioDir(o.outDir, plan.name, s.name);
  o.log(`[${s.name}] ${s.direction} ${s.from.recipe.version} -> ${s.to.recipe.version} on ${s.os}, apply ${s.apply}, expect ${s.expect}`);
  const imageOpts = { engine: o.engine, render: o.render, builder: o.builder, log: o.log, ...(o.signal ? { signal: o.signal } : {}) };
  const [fromBuild, toBuild] = await Promise.all([
    buildSide(s.from, "from", sources.get(s.from.recipe.version)!, dir, imageOpts),
    buildSide(s.to, "to", sources.get(s.to.recipe.version)!, dir, imageOpts),
  ]);
  const base: Omit<ScenarioResult, "checks" | "timings"> = {
    name: s.name,
    from: { version: s.from.recipe.version, image: s.from.image, build: fromBuild.kind, seconds: fromBuild.seconds },
    to: { version: s.to.recipe.version, image: s.to.image, build: toBuild.kind, seconds: toBuild.seconds },
    apply: s.apply,
    expect: s.expect,
    direction: s.direction,
  };
  const files = {
    dir,
    fromDockerfile: fromBuild.dockerfile,
    toDockerfile: toBuild.dockerfile,
    fromBuildLog: fromBuild.logFile,
    toBuildLog: toBuild.logFile,
    makeUpgradeLog: path.join(dir, "make-upgrade.log"),
    containerLog: path.join(dir, "container.log"),
  };
  let checks: ScenarioResult["checks"];
  let error: string | undefined;
  let upgradeSeconds = 0;
  const failedBuild = [["from", fromBuild], ["to", toBuild]].find(([, b]) => (b as typeof fromBuild).kind === "failed") as ["from" | "to", typeof fromBuild] | undefined;
  if (failedBuild) {
    const [which, b] = failedBuild;
    error = `the ${which} image (${s[which].recipe.version}) failed to build${b.step ? ` at ${b.step}` : ""}: ${b.message}`;
    checks = s.checks.map((c) => ({ id: c.id, title: c.title, status: "skip", detail: "not run: build failed", seconds: 0 }));
  } else {
    const r = await runScenario(s, { engine: o.engine, dir, log: o.log, ...(o.registry ? { registry: o.registry } : {}) });
    checks = r.checks;
    error = r.error;
    upgradeSeconds = r.upgradeSeconds;
  }
  const result: ScenarioResult = {
    ...base,
    checks,
    ...(error ? { error } : {}),
    timings: { fromBuild: fromBuild.seconds, toBuild: toBuild.seconds, upgrade: upgradeSeconds, total: (Date.now() - t0) / 1000 },
  };
  const verdict = verdictOf(result, s.breaks);
  o.log(`[${s.name}] ${verdict.asExpected ? "as expected" : "NOT AS EXPECTED"}: ${verdict.reason} (${result.timings.total.toFixed(1)} s)`);
  return { ...result, ...(s.description ? { description: s.description } : {}), breaks: s.breaks, verdict, files };
}

/** Nothing is pulled: a missing base image is bootstrapped on request, else the run stops here. */
async function ensureBaseImages(refs: string[], o: UpgradeRunOptions): Promise<void> {
  const missing: string[] = [];
  for (const ref of refs) {
    if (await o.engine.imageExists(ref)) continue;
    if (!o.bootstrapMissing) {
      missing.push(ref);
      continue;
    }
    o.log(`base image ${ref} is missing: bootstrapping it from Debian's mirror`);
    await bootstrapBaseImage(ref, { engine: o.engine, log: (l) => o.log(`  ${l}`), ...(o.signal ? { signal: o.signal } : {}) });
  }
  if (missing.length > 0) {
    throw new EnvironmentError(
      `base image${missing.length > 1 ? "s" : ""} missing and no registry is used: ${missing.join(", ")}`,
      `run \`postfix-matrix base bootstrap ${missing.join(" ")}\`, or pass --bootstrap-missing`,
    );
  }
}
