// --push and push: verified cells only, each under its tag and its recipe's cache tag, with
// its verification result as a label so a fresh engine that pulls it need not verify again.
// Every tag is checked before anything is pushed: a tag holding other content stops the
// whole push (unless --force), so nothing is half done.
import pLimit from "p-limit";
import type { CellResult, PushOutcome, VerifyResult } from "../core/outcome.js";
import { cellPassed } from "../core/outcome.js";
import type { PreparedCell } from "../core/prepare.js";
import { cacheTag } from "../core/publish/tag-template.js";
import { type Repository, repositoryName } from "../core/publish/reference.js";
import { VERIFICATION_LABEL } from "../core/publish/oci-labels.js";
import { RECIPE_LABEL } from "../core/recipe/identity.js";
import { checksFor } from "../core/verify/checks.js";
import { checksKey } from "../core/verify/checks-key.js";
import { buildContext } from "../io/docker/context.js";
import type { Engine } from "../io/docker/engine.js";
import type { RegistryAuth } from "../io/docker/transfer-stream.js";
import type { RemoteImage } from "../io/registry/registry-client.js";

/** What push needs to know of a registry (RegistryClient, or a fake). */
export interface RegistryView {
  check(): Promise<void>;
  image(reference: string): Promise<RemoteImage | undefined>;
}

export interface PushTarget {
  repository: Repository;
  /** Cell id -> tag; absent for a cache-only push (--cache-to). */
  tags?: Map<string, string>;
  force: boolean;
  auth?: RegistryAuth;
}

export interface PushRun {
  results: CellResult[];
  /** Tags that hold other content: nothing was pushed. */
  refused: string[];
}

const sameContent = (remote: RemoteImage, layers: readonly string[] | undefined) =>
  layers !== undefined && remote.layers.length === layers.length && remote.layers.every((l, i) => l === layers[i]);

/** Why a cell is not pushed, or undefined when it may be. */
function notPushable(r: CellResult): string | undefined {
  if (r.build.kind === "failed") return "build failed";
  if (r.verify.kind === "skipped") return `not verified (${r.verify.reason})`;
  if (r.verify.kind === "error") return "verification could not run";
  if (!cellPassed(r)) return "verification failed";
  return undefined;
}

export async function pushCells(
  results: readonly CellResult[],
  cells: readonly PreparedCell[],
  o: { engine: Engine; registry: RegistryView; target: PushTarget; log: (line: string) => void },
): Promise<PushRun> {
  const byId = new Map(cells.map((c) => [c.cell.id, c]));
  const repo = repositoryName(o.target.repository);
  const plans = new Map<string, { tag?: string; remote?: RemoteImage }>();
  const out = results.map((r): CellResult => {
    const why = notPushable(r);
    if (why) return { ...r, push: { kind: "skipped", reason: why } };
    plans.set(r.id, o.target.tags ? { tag: o.target.tags.get(r.id)! } : {});
    return r;
  });
  // Every tag looked at first: a conflict anywhere means nothing is pushed.
  const refused: string[] = [];
  for (const r of out) {
    const plan = plans.get(r.id);
    if (!plan?.tag) continue;
    plan.remote = await o.registry.image(plan.tag);
    const local = await o.engine.inspectImage(r.image);
    if (plan.remote && !sameContent(plan.remote, local?.layers) && !o.target.force)
      refused.push(`${repo}:${plan.tag} holds other content (${plan.remote.digest}) than cell ${r.id}`);
  }
  if (refused.length > 0) {
    const reason = "nothing pushed: a tag holds other content (see above; --force replaces it)";
    return { results: out.map((r) => (plans.has(r.id) ? { ...r, push: { kind: "skipped", reason } } : r)), refused };
  }
  const limit = pLimit(2);
  const pushed = await Promise.all(
    out.map((r) => {
      const plan = plans.get(r.id);
      return plan ? limit(async () => ({ ...r, push: await pushOne(r, byId.get(r.id)!, plan, repo, o) })) : r;
    }),
  );
  return { results: pushed, refused };
}

async function pushOne(
  r: CellResult,
  c: PreparedCell,
  plan: { tag?: string; remote?: RemoteImage },
  repo: string,
  o: { engine: Engine; target: PushTarget; log: (line: string) => void },
): Promise<PushOutcome> {
  try {
    const local = await o.engine.inspectImage(r.image);
    const hash = local?.labels[RECIPE_LABEL];
    if (!local || !hash) return { kind: "failed", message: `the image ${r.image} is gone or has no recipe label` };
    const tagRef = plan.tag ? `${repo}:${plan.tag}` : undefined;
    if (plan.remote && tagRef && sameContent(plan.remote, local.layers)) {
      o.log(`${r.id}: ${tagRef} already holds this image (${plan.remote.digest})`);
      return { kind: "pushed", ref: tagRef, digest: plan.remote.digest, unchanged: true };
    }
    const cacheRef = `${repo}:${cacheTag(hash)}`;
    await labelVerified(r, c, cacheRef, o.engine);
    const cache = await o.engine.push(cacheRef, o.target.auth);
    if (!tagRef) return { kind: "pushed", ref: cacheRef, digest: cache.digest };
    await o.engine.tag(cacheRef, tagRef);
    const { digest } = await o.engine.push(tagRef, o.target.auth);
    o.log(`${r.id}: pushed ${tagRef}@${digest}`);
    return { kind: "pushed", ref: tagRef, digest };
  } catch (e) {
    return { kind: "failed", message: `push failed: ${(e as Error).message}` };
  }
}

/**
 * What the label keeps of a verification: each check's name and status and the timings.
 * Not the details: they quote what the checks looked for (the history check names the words
 * it refuses), and an image's labels must not carry such text.
 */
function carried(v: VerifyResult): VerifyResult {
  return {
    checks: v.checks.map((c) => ({ name: c.name, status: c.status, detail: "passed before the push (carried in the image label)" })),
    startupSeconds: v.startupSeconds,
    seconds: v.seconds,
    ...(v.throughput ? { throughput: v.throughput } : {}),
  };
}

/**
 * The image as pushed: the verified one plus a label with its verification result (same
 * layers, a config of its own). The image the ref named before is removed when unused.
 */
async function labelVerified(r: CellResult, c: PreparedCell, ref: string, engine: Engine): Promise<void> {
  if (r.verify.kind !== "verified") throw new Error("not verified");
  const label = JSON.stringify({ checks: checksKey(checksFor(c.recipe)), result: carried(r.verify.result) });
  const before = await engine.inspectImage(ref);
  await engine.build({
    context: buildContext(`FROM ${r.image}\n`, []),
    tag: ref,
    builder: "classic",
    labels: { [VERIFICATION_LABEL]: label },
  });
  const after = await engine.inspectImage(ref);
  if (before && before.id !== after?.id) await engine.removeUnusedImage(before.id);
}
