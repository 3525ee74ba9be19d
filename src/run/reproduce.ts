// `reproduce`: a cell built again without any cache, and its installed Postfix files
// compared byte for byte (by sha256) with the first build's.
import { randomBytes } from "node:crypto";
import { rebuildDockerfile } from "../core/publish/rebuild.js";
import { compareDigests, parseDigests, type ReproduceOutcome } from "../core/publish/reproduce-report.js";
import type { PreparedCell } from "../core/prepare.js";
import { imageLabels, recipeHash } from "../core/recipe/identity.js";
import { buildContext } from "../io/docker/context.js";
import type { Builder, Engine } from "../io/docker/engine.js";
import type { ResolvedSource } from "../io/source/resolve.js";

/** Every file Postfix installed: its directories, plus the sendmail-compatible commands. */
const LIST_FILES = [
  "set -eu",
  'dirs="$(postconf -hx daemon_directory command_directory meta_directory)"',
  'shlib="$(postconf -hx shlib_directory)"',
  '[ "$shlib" = no ] || dirs="$dirs $shlib"',
  '{ for d in $dirs; do find "$d" -type f; done',
  '  for f in $(postconf -hx sendmail_path newaliases_path mailq_path); do [ -f "$f" ] && echo "$f"; done; } \\',
  '  | sort -u | while read -r f; do sha256sum "$f"; done',
].join("\n");

export async function installedDigests(engine: Engine, image: string): Promise<Map<string, string>> {
  const r = await engine.runHelper({ image, cmd: ["sh", "-c", LIST_FILES], labels: { "org.postfix-matrix.role": "reproduce" } });
  if (r.exitCode !== 0) throw new Error(`listing the installed files of ${image} failed (exit ${r.exitCode}): ${r.output.slice(-400)}`);
  const digests = parseDigests(r.output);
  if (digests.size === 0) throw new Error(`no installed Postfix files found in ${image}`);
  return digests;
}

/** `firstImage`: the first build's image id (the tag may name another image by the time the rebuild ends). */
export async function reproduceCell(
  c: PreparedCell,
  firstImage: string,
  dockerfile: string,
  source: ResolvedSource,
  o: { engine: Engine; builder: Builder; labels: Record<string, string>; signal?: AbortSignal },
): Promise<ReproduceOutcome> {
  const rebuilt = `${c.image}-reproduce`;
  const t0 = Date.now();
  try {
    const hash = recipeHash(dockerfile, source.sha256);
    // Every step run again (a fresh build argument in each stage), not the no-cache flag: see rebuild.ts.
    const fresh = rebuildDockerfile(dockerfile, randomBytes(8).toString("hex"));
    await o.engine.build({
      context: buildContext(fresh, [{ name: c.recipe.tarball, path: source.path }]),
      tag: rebuilt,
      builder: o.builder,
      labels: { ...o.labels, ...imageLabels({ hash, cellId: c.cell.id, version: c.recipe.version, role: "reproduce" }) },
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const seconds = (Date.now() - t0) / 1000;
    const [first, second] = [await installedDigests(o.engine, firstImage), await installedDigests(o.engine, rebuilt)];
    return { kind: "compared", files: first.size, differing: compareDigests(first, second), seconds };
  } catch (e) {
    return { kind: "failed", message: (e as Error).message };
  } finally {
    await o.engine.removeImage(rebuilt);
  }
}
