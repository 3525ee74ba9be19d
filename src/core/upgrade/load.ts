// Upgrade file text -> validated UpgradePlan. Pure: the caller reads the file. Each side of a
// scenario becomes a normal cell that goes through the matrix rules (checkCell) and
// buildRecipe, so a side means exactly what the same options mean in a matrix.
import { readYaml } from "../matrix/yaml.js";
import { nameFromFile, readRelease as readMatrixRelease, topLevel } from "../matrix/load.js";
import { SourceError } from "../../errors.js";
import { formatPath, type IssueList, type PathPart } from "../matrix/issues.js";
import type { Cell, Origins, PostfixRelease } from "../matrix/model.js";
import { checkCell, MIN_RELEASE, type CheckedCell } from "../matrix/rules.js";
import { buildOptions, type BuildOptions, type OptionFieldName } from "../matrix/schema.js";
import { slug } from "../matrix/values.js";
import { suggest } from "../matrix/suggest.js";
import { familyOf } from "../recipe/family.js";
import { buildRecipe } from "../recipe/recipe.js";
import { expectedSha256 } from "../source/releases.js";
import { atLeast } from "../version.js";
import { z } from "zod";
import {
  CHECK_IDS,
  MARKER_MASTER_SETTINGS,
  MARKER_SETTINGS,
  checksForScenario,
  directionOf,
  type UpgradePlan,
  type UpgradeScenario,
  type UpgradeSide,
} from "./model.js";
import { upgradeFile, upgradeScenario, type UpgradeScenarioInput } from "./schema.js";

/** A side's options: a matrix option set whose name is optional. */
const sideOptions = z.strictObject({ name: slug.optional(), description: z.string().optional(), ...buildOptions.shape });

/** The oldest release the generated images support (maillog_file, `postfix start-fg`). */
export const MIN_VERSION = MIN_RELEASE;

export function imageRefForSide(planName: string, scenario: string, side: "from" | "to"): string {
  return `postfix-matrix/${planName}:${scenario}-${side === "from" ? "from" : "to-build"}`;
}

export function parseUpgradeFile(text: string, file: string): UpgradePlan {
  const { value, issues } = readYaml(text, file);
  if (!topLevel(value, issues, "upgrade")) throw issues.error();
  if ("axes" in value && !("scenarios" in value)) {
    issues.add(
      ["axes"],
      `this is a matrix file (it has \`axes:\`, no \`scenarios:\`): use \`postfix-matrix expand ${file}\` or \`postfix-matrix run ${file}\``,
    );
    throw issues.error();
  }
  const raw = issues.check(upgradeFile, withoutExtensions(value), []);
  if (!raw) throw issues.error();
  const name = raw.name ?? nameFromFile(file, "upgrade", issues);

  const scenarios: UpgradeScenario[] = [];
  const seen = new Map<string, number>();
  raw.scenarios.forEach((value, i) => {
    const at: PathPart[] = ["scenarios", i];
    const s = issues.check(upgradeScenario, value, at);
    if (!s) return;
    if (seen.has(s.name)) issues.add([...at, "name"], `duplicate scenario name \`${s.name}\` (also scenarios[${seen.get(s.name)}])`);
    seen.set(s.name, i);
    const scenario = readScenario(s, at, name, issues);
    if (scenario) scenarios.push(scenario);
  });
  if (issues.count > 0) throw issues.error();
  return { file, name, ...(raw.description ? { description: raw.description } : {}), scenarios };
}

function readScenario(s: UpgradeScenarioInput, at: PathPart[], planName: string, issues: IssueList): UpgradeScenario | undefined {
  const before = issues.count;
  const os = scenarioOs(s, at, issues);
  const sides: Partial<Record<"from" | "to", UpgradeSide>> = {};
  for (const side of ["from", "to"] as const) {
    const read = readSide(s, side, [...at, side], os, planName, issues);
    if (read) sides[side] = read;
  }
  const from = sides.from;
  const to = sides.to;
  if (!from || !to) return undefined;

  const fromConf = from.cell.options.compile_directories.config_directory ?? "/etc/postfix";
  const toConf = to.cell.options.compile_directories.config_directory ?? "/etc/postfix";
  if (fromConf !== toConf) {
    issues.add(
      [...at, "to", "options", "compile_directories", "config_directory"],
      `config_directory differs between sides (${fromConf} -> ${toConf}): \`make upgrade\` looks for the existing main.cf in the new build's config_directory and would not find the running system's configuration`,
    );
  }
  if (from.recipe.keys.install === to.recipe.keys.install) {
    issues.add([...at, "to"], "`from` and `to` describe the same build: nothing would change");
  }
  const apply = s.apply ?? "reload";
  const expect = s.expect ?? "pass";
  const checks = checksForScenario({ from, to, apply });
  const breaks = s.breaks ?? [];
  if (breaks.length > 0 && expect === "pass")
    issues.add([...at, "breaks"], "`breaks` lists checks expected to fail: it needs `expect: fail`");
  breaks.forEach((b, j) => {
    if (checks.some((c) => c.id === b)) return;
    const known = (CHECK_IDS as readonly string[]).includes(b);
    const near = suggest(
      b,
      checks.map((c) => c.id),
    );
    issues.add(
      [...at, "breaks", j],
      known
        ? `check \`${b}\` does not run in this scenario (its checks: ${checks.map((c) => c.id).join(", ")})`
        : `unknown check \`${b}\`${near ? ` (did you mean \`${near}\`?)` : ""}`,
    );
  });
  const reserved = new Set(["myhostname", "default_transport", "relay_transport", "defer_transports", "maillog_file"]);
  for (const k of Object.keys(s.settings ?? {})) {
    if (reserved.has(k))
      issues.add([...at, "settings", k], `\`${k}\` is set by the scenario itself (verification containers never deliver outward)`);
  }
  if (issues.count > before) return undefined;
  const settings = new Map<string, string>(MARKER_SETTINGS);
  for (const [k, v] of Object.entries(s.settings ?? {})) settings.set(k, v);
  return {
    name: s.name,
    ...(s.description ? { description: s.description } : {}),
    path: formatPath(at),
    os: from.cell.os,
    from,
    to,
    apply,
    expect,
    breaks,
    direction: directionOf(from.recipe.version, to.recipe.version),
    settings: [...settings],
    masterSettings: MARKER_MASTER_SETTINGS,
    checks,
  };
}

/** One OS for both sides: the new release is installed into the running old container. */
function scenarioOs(s: UpgradeScenarioInput, at: PathPart[], issues: IssueList): string | undefined {
  const fromOs = s.from.os ?? s.os;
  const toOs = s.to.os ?? s.os;
  if (!fromOs || !toOs) {
    issues.add(
      !s.os && !s.from.os ? at : [...at, s.from.os ? "to" : "from"],
      "missing `os` (give it once for the scenario, e.g. `os: debian:bookworm`)",
    );
  } else {
    if (s.os && s.from.os && s.from.os !== s.os)
      issues.add([...at, "from", "os"], `\`${s.from.os}\` differs from the scenario's os \`${s.os}\``);
    if (s.os && s.to.os && s.to.os !== s.os) issues.add([...at, "to", "os"], `\`${s.to.os}\` differs from the scenario's os \`${s.os}\``);
    if (fromOs !== toOs) {
      issues.add(
        [...at, "to", "os"],
        `the new release builds on \`${toOs}\` but the old one runs on \`${fromOs}\`: \`make upgrade\` installs the new build into the running old container, so its binaries must match that container's libc and libraries; use one os for both sides`,
      );
    }
  }
  const os = fromOs ?? toOs;
  if (os && familyOf(os) !== "debian") {
    issues.add(
      s.os ? [...at, "os"] : at,
      `upgrade scenarios install the new release's runtime packages with apt-get in the running container: only Debian-family images are supported (not \`${os}\`)`,
    );
    return undefined;
  }
  return os;
}

/** One side as a checked matrix cell and its recipe; undefined (with issues) when it is not one. */
function readSide(
  s: UpgradeScenarioInput,
  side: "from" | "to",
  sideAt: PathPart[],
  os: string | undefined,
  planName: string,
  issues: IssueList,
): UpgradeSide | undefined {
  const release = readRelease(s[side].postfix, [...sideAt, "postfix"], issues);
  const options = s[side].options === undefined ? {} : issues.check(sideOptions, s[side].options, [...sideAt, "options"]);
  if (!release || !options || !os) return undefined;
  if (!atLeast(release.version, MIN_VERSION)) {
    issues.add(
      [...sideAt, "postfix"],
      `Postfix ${release.version} is too old for upgrade scenarios: the images need >= ${MIN_VERSION} (maillog_file, \`postfix start-fg\`)`,
    );
    return undefined;
  }
  try {
    expectedSha256(release);
  } catch (e) {
    if (!(e instanceof SourceError)) throw e;
    issues.add([...sideAt, "postfix"], `${e.message}; give it as {version: "${release.version}", sha256: ...}`);
    return undefined;
  }
  const { name: _n, description: _d, ...opts } = options;
  const cell = toCell(`${s.name}-${side}`, os, release, opts, side, sideAt);
  const checked = checkCell(cell.cell, issues.file);
  for (const issue of checked.issues) issues.add(cell.pathOf(issue.path), issue.message);
  return checked.cell && sideOf(checked.cell, imageRefForSide(planName, s.name, side));
}

/** Top-level `x-...` keys hold YAML anchors to share option sets between sides (as in compose files). */
function withoutExtensions(value: unknown): unknown {
  if (!value || typeof value !== "object" || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith("x-")));
}

function readRelease(v: unknown, path: PathPart[], issues: IssueList): PostfixRelease | undefined {
  if (v === undefined) {
    issues.add(path, 'missing `postfix` (the release, e.g. "3.10.13")');
    return undefined;
  }
  return readMatrixRelease(v, path, issues);
}

/** A side as a matrix cell; `pathOf` maps checkCell's field paths back to file paths. */
function toCell(id: string, os: string, postfix: PostfixRelease, options: BuildOptions, side: string, sideAt: PathPart[]) {
  const origins: Origins = {};
  const back = new Map<string, PathPart[]>();
  for (const k of Object.keys(options) as OptionFieldName[]) {
    const parts = [...sideAt, "options", k];
    origins[k] = formatPath(parts);
    back.set(origins[k], parts);
  }
  const cell: Cell = {
    id,
    values: { os, postfix: postfix.version, options: side },
    os,
    postfix,
    optionsName: side,
    options,
    origins,
    at: { os: formatPath([...sideAt.slice(0, -1), "os"]), postfix: formatPath([...sideAt, "postfix"]) },
  };
  back.set(cell.at.postfix, [...sideAt, "postfix"]);
  return { cell, pathOf: (p: string): PathPart[] => back.get(p) ?? [...sideAt, "options"] };
}

function sideOf(cell: CheckedCell, image: string): UpgradeSide {
  const recipe = buildRecipe(cell, "debian");
  const o = cell.options;
  const shlibSetting = o.shared
    ? (o.install_directories.shlib_directory ?? o.compile_directories.shlib_directory ?? "/usr/lib/postfix")
    : undefined;
  return {
    cell,
    recipe,
    image,
    ...(recipe.expect.shlibDirectory ? { shlibDirectory: recipe.expect.shlibDirectory } : {}),
    ...(shlibSetting ? { shlibSetting } : {}),
  };
}
