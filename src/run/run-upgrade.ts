// The upgrade runner: base images and sources first (nothing is pulled; a missing base image
// or release stops before any build), then each scenario in turn: both images (in parallel),
// the container run, the verdict against the scenario's declared expectation.
import path from "node:path";
import type { LocalBuildOutcome } from "../core/outcome.js";
import type { Renderer } from "../core/render/dockerfile.js";
import { verdictOf, type ScenarioReport, type ScenarioResult, type UpgradePlan, type UpgradeScenario } from "../core/upgrade/model.js";
import type { Builder, Engine } from "../io/docker/engine.js";
import type { ResolveOptions, ResolvedSource } from "../io/source/resolve.js";
import { ensureBaseImages, resolveSources } from "./prerequisites.js";
import type { ContainerRegistry } from "../io/verify/verify.js";
export type { ScenarioReport };
import { buildSeconds, buildSide } from "../io/upgrade/images.js";
import { runScenario } from "../io/upgrade/scenario.js";

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
  await ensureBaseImages(
    sides.map((x) => x.recipe.baseImage),
    { ...o, bootstrapMissing: Boolean(o.bootstrapMissing), note: o.log },
  );
  const sources = await resolveSources(
    sides.map((x) => x.cell.postfix),
    { sources: o.sources, note: o.log },
  );
  const out: ScenarioReport[] = [];
  for (const s of plan.scenarios) {
    if (o.signal?.aborted) break;
    out.push(await runOne(plan, s, sources, o));
  }
  return out;
}

async function runOne(
  plan: UpgradePlan,
  s: UpgradeScenario,
  sources: Map<string, ResolvedSource>,
  o: UpgradeRunOptions,
): Promise<ScenarioReport> {
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
    from: { version: s.from.recipe.version, image: s.from.image, build: fromBuild.build.kind, seconds: buildSeconds(fromBuild.build) },
    to: { version: s.to.recipe.version, image: s.to.image, build: toBuild.build.kind, seconds: buildSeconds(toBuild.build) },
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
  const failed = (b: LocalBuildOutcome) => (b.kind === "failed" ? b : undefined);
  const failedBuild = failed(fromBuild.build)
    ? (["from", failed(fromBuild.build)!] as const)
    : failed(toBuild.build)
      ? (["to", failed(toBuild.build)!] as const)
      : undefined;
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
    timings: {
      fromBuild: buildSeconds(fromBuild.build),
      toBuild: buildSeconds(toBuild.build),
      upgrade: upgradeSeconds,
      total: (Date.now() - t0) / 1000,
    },
  };
  const verdict = verdictOf(result, s.breaks);
  o.log(`[${s.name}] ${verdict.asExpected ? "as expected" : "NOT AS EXPECTED"}: ${verdict.reason} (${result.timings.total.toFixed(1)} s)`);
  return { ...result, ...(s.description ? { description: s.description } : {}), breaks: s.breaks, verdict, files };
}
