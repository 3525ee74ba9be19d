// One upgrade scenario in a running container: the old release runs with mail held and
// deferred in its queue, the new release's build tree is mounted in and installed with
// `make upgrade`, then `postfix reload` or a container restart, then the checks.
// Nothing is ever delivered outward: default_transport and relay_transport are `error`, mail
// goes to a local mailbox only, and SMTP connects to the container's mapped port only.
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { shellWords } from "../../core/recipe/shell.js";
import type { CheckId, CheckOutcome, UpgradeScenario } from "../../core/upgrade/model.js";
import type { Engine } from "../docker/engine.js";
import { startPostfix, type ContainerRegistry, type PostfixContainer } from "../verify/postfix-container.js";
import { one, sleep, token } from "../verify/text.js";
import { TREE, UPGRADE_CHECKS, type CheckContext } from "./checks.js";
import { treeVolume } from "./images.js";

export const UPGRADE_HOSTNAME = "upgrade.postfix-matrix.test";
const MAKE = `${TREE}/.pm-make`;

export interface ScenarioRun {
  checks: CheckOutcome[];
  error?: string;
  upgradeSeconds: number;
  logFile: string;
}

interface Options {
  engine: Engine;
  dir: string;
  log: (line: string) => void;
  registry?: ContainerRegistry;
}

export async function runScenario(s: UpgradeScenario, o: Options): Promise<ScenarioRun> {
  const results = new Map<CheckId, CheckOutcome>();
  const tag = `[${s.name}]`;
  const logFile = path.join(o.dir, "container.log");
  const timing = { upgradeSeconds: 0 };
  const finish = (error?: string): ScenarioRun => {
    const checks = s.checks.map(
      (c) =>
        results.get(c.id) ?? {
          id: c.id,
          title: c.title,
          status: "skip" as const,
          detail: error ? `not run: ${error}` : "not run",
          seconds: 0,
        },
    );
    return { checks, ...(error ? { error } : {}), upgradeSeconds: timing.upgradeSeconds, logFile };
  };
  const volumeName = `pm-upgrade-${s.name}-${randomBytes(4).toString("hex")}`;
  let volume: Awaited<ReturnType<typeof treeVolume>> | undefined;
  let pf: PostfixContainer | undefined;
  try {
    o.log(`${tag} copying the ${s.to.recipe.version} build tree into volume ${volumeName}`);
    volume = await treeVolume(o.engine, s.to.image, volumeName);
    o.log(`${tag} starting ${s.from.image} with the tree mounted at ${TREE}`);
    // Only what keeps verification safe is set at start (and again at a restart, unchanged):
    // the user's settings are made later, on the running system, so a restart cannot fake them.
    pf = await startPostfix(s.from.image, {
      hostname: UPGRADE_HOSTNAME,
      labels: { "org.postfix-matrix.role": "upgrade", "org.postfix-matrix.scenario": s.name },
      binds: [{ source: volume.name, target: TREE }],
      // To read other processes' /proc/<pid>/maps and exe (which libraries the running system uses).
      capabilities: ["SYS_PTRACE"],
      engine: o.engine,
      ...(o.registry ? { registry: o.registry } : {}),
    });
    const x: CheckContext = {
      s,
      pf,
      queueIds: {},
      held: { sender: token("held"), body: token("held-body") },
      deferred: { sender: token("deferred"), body: token("deferred-body") },
    };
    const check = (id: CheckId) => runCheck(x, id, results, (line) => o.log(`${tag} ${line}`));
    const error = await sequence(x, check, o.dir, timing);
    return finish(error);
  } catch (e) {
    return finish((e as Error).message.split("\n")[0] ?? String(e));
  } finally {
    if (pf) {
      try {
        await writeFile(logFile, await pf.logs());
      } catch {
        // The log is a convenience; the checks already say what happened.
      }
      await pf.stop().catch(() => undefined);
    }
    await volume?.remove().catch((e: Error) => o.log(`${tag} could not remove volume ${volumeName}: ${e.message}`));
  }
}

/** before, upgrade, apply, after; returns why it stopped early, if it did. */
async function sequence(
  x: CheckContext,
  check: (id: CheckId) => Promise<boolean>,
  dir: string,
  timing: { upgradeSeconds: number },
): Promise<string | undefined> {
  const { s, pf } = x;
  // ---- before: the old release runs and holds mail ----
  await check("from-running");
  const settings = [...s.settings, ["defer_transports", "local"] as [string, string]];
  const set = await pf.sh(
    `postconf -e ${shellWords(settings.map(([k, v]) => `${k}=${v}`))} && postconf -P ${shellWords(s.masterSettings.map(([k, v]) => `${k}=${v}`))} && postfix reload 2>&1`,
  );
  if (set.code !== 0) return `could not make the user settings: ${one(set.out + set.err, 400)}`;
  await check("mail-queued");

  // ---- the upgrade ----
  const t0 = Date.now();
  await check("runtime-packages");
  x.upgrade = await pf.sh(`cd ${TREE} && ${MAKE} upgrade ${shellWords(s.to.recipe.upgrade)} 2>&1`);
  await writeFile(path.join(dir, "make-upgrade.log"), `${x.upgrade.out}\n${x.upgrade.err}\n`);
  if (!(await check("make-upgrade"))) return "make upgrade failed (full output in make-upgrade.log)";
  const applied = await check("apply");
  timing.upgradeSeconds = (Date.now() - t0) / 1000;
  if (!applied) return `${s.apply} failed: Postfix is not running`;
  // Let master's children from before the reload finish and exit.
  await sleep(2000);

  // ---- after, in the scenario's order ----
  for (const c of s.checks) if (c.phase === "after") await check(c.id);
  return undefined;
}

/** Runs check `id` when the scenario has it; a thrown error is a failed check. */
async function runCheck(x: CheckContext, id: CheckId, results: Map<CheckId, CheckOutcome>, log: (line: string) => void): Promise<boolean> {
  const c = x.s.checks.find((k) => k.id === id);
  if (!c) return true;
  const t0 = Date.now();
  let r: { ok: boolean; detail: string };
  try {
    r = await UPGRADE_CHECKS[id](x);
  } catch (e) {
    r = { ok: false, detail: one((e as Error).message, 400) };
  }
  results.set(id, { id, title: c.title, status: r.ok ? "pass" : "fail", detail: r.detail, seconds: (Date.now() - t0) / 1000 });
  log(`${r.ok ? "pass" : "FAIL"} ${id}: ${r.detail}`);
  return r.ok;
}
