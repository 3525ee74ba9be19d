// What an image's history and labels give away. Every image keeps, per layer, the
// instruction that made it (`docker history`) and its labels: anyone who pulls the image
// reads them. The rule, kept to what really leaks:
// - build arguments: RUN lines record every ARG in scope as `RUN |N NAME=value ...`, so a
//   value passed with --build-arg stays in the image. Only the template's own ARGs with their
//   constant defaults (TEMPLATE_ARGS) may appear; any other name fails, its value not shown.
// - source: a layer only holds the source if something put it there: COPY/ADD of the tarball
//   or tree (or to /usr/src), a WORKDIR in /usr/src, or a RUN that unpacks or fetches a
//   tarball. A RUN that merely `cd`s into /usr/src/postfix is expected: there the tree is a
//   BuildKit bind mount (`--mount` is not recorded in history and leaves nothing in the
//   layer), and the "no toolchain" check proves no tree is left on disk.
// - secrets: the words PASSWORD/PASSWD, SECRET, TOKEN or PRIVATE KEY anywhere in the history
//   or the labels (and a literal --build-arg), since none of the tool's own lines has them.
import type { Engine, HistoryEntry } from "../docker/engine.js";
import type { Outcome } from "./probes.js";
import { one } from "./text.js";

export interface ImageFacts {
  history: HistoryEntry[];
  labels: Record<string, string>;
}

/** One history entry as an instruction: keyword, the build args it records, the rest. */
export interface HistoryStep {
  instruction: string;
  args: string[];
  text: string;
}

export function parseStep(createdBy: string): HistoryStep {
  let t = createdBy.trim().replace(/\s*# buildkit$/, "");
  // The classic builder writes `/bin/sh -c #(nop)  CMD [...]` for non-RUN steps and a RUN
  // as its bare command (`|1 A=b /bin/sh -c ...` or `/bin/sh -c ...`).
  const nop = /^\/bin\/sh -c #\(nop\)\s*(.*)$/s.exec(t);
  if (nop) t = nop[1]!;
  else if (/^(\|\d+ |\/bin\/sh -c )/.test(t)) t = `RUN ${t}`;
  const m = /^([A-Z]+)\s+(.*)$/s.exec(t);
  // The base image's own entry (an import) has no instruction.
  if (!m) return { instruction: "", args: [], text: t };
  const instruction = m[1]!;
  let rest = m[2]!;
  let args: string[] = [];
  const recorded = instruction === "RUN" ? /^\|(\d+)\s+(.*)$/s.exec(rest) : null;
  if (recorded) {
    const words = recorded[2]!.split(" ");
    args = words.slice(0, Number(recorded[1]));
    rest = words.slice(Number(recorded[1])).join(" ");
  } else if (instruction === "ARG") {
    args = rest.split(/\s+/).filter(Boolean);
  }
  return { instruction, args, text: rest };
}

const SOURCE_PATH = /\/usr\/src(?![\w-])|\.(?:tar(?:\.[a-z0-9]+)?|tgz)\b/i;
const TARBALL = /\.(?:tar(?:\.[a-z0-9]+)?|tgz)\b/i;
const SECRET = /(?<![a-z])(password|passwd|secret|token|private key)(?![a-z])/i;

/** Whether a recorded build argument (`NAME=value`, or a bare `NAME` of an ARG) is the template's own. */
function argAllowed(arg: string, allowed: readonly string[]): boolean {
  return arg.includes("=") ? allowed.includes(arg) : allowed.some((a) => a.split("=")[0] === arg);
}

function stepLeaks(step: HistoryStep, allowed: readonly string[]): string[] {
  const out: string[] = [];
  const what = step.instruction || "base";
  for (const a of step.args) if (!argAllowed(a, allowed)) out.push(`build argument ${a.split("=")[0]} in ${what} (value not shown)`);
  if ((what === "COPY" || what === "ADD") && (SOURCE_PATH.test(step.text) || /postfix-\d/.test(step.text)))
    out.push(`${what} puts source into the image: ${one(step.text, 120)}`);
  if (what === "WORKDIR" && /^\/usr\/src(?![\w-])/.test(step.text)) out.push(`WORKDIR in the source tree: ${step.text}`);
  if (what === "RUN" && TARBALL.test(step.text)) out.push(`RUN handles a source tarball: ${one(step.text, 120)}`);
  return out;
}

function secretIn(where: string, text: string): string[] {
  const m = SECRET.exec(text);
  const out = m ? [`${where} mentions ${m[1]!.toUpperCase()}`] : [];
  if (text.includes("--build-arg")) out.push(`${where} mentions --build-arg`);
  return out;
}

/** Every leak found, one line each (never a secret's value). */
export function imageLeaks(facts: ImageFacts, allowedArgs: readonly string[]): string[] {
  const out: string[] = [];
  facts.history.forEach((e, i) => {
    const step = parseStep(e.createdBy);
    out.push(...stepLeaks(step, allowedArgs));
    out.push(...secretIn(`history entry ${i + 1} (${step.instruction || "base"})`, `${e.createdBy}\n${e.comment}`));
  });
  for (const [k, v] of Object.entries(facts.labels)) {
    out.push(...secretIn(`label ${k}`, `${k}=${v}`));
    if (SOURCE_PATH.test(`${k}=${v}`)) out.push(`label ${k} names a source path`);
  }
  return out;
}

export function judgeImage(facts: ImageFacts, allowedArgs: readonly string[]): Outcome {
  const leaks = imageLeaks(facts, allowedArgs);
  if (leaks.length) return { ok: false, detail: leaks.join("; ") };
  const used = [...new Set(facts.history.flatMap((e) => parseStep(e.createdBy).args))];
  return {
    ok: true,
    detail:
      `${facts.history.length} history entries, ${Object.keys(facts.labels).length} labels: ` +
      `build args ${used.join(" ") || "none"}, no source copied in, no secret words`,
  };
}

/** Reads an image's history and labels once, when a check first asks. */
export function imageFacts(engine: Pick<Engine, "imageHistory" | "inspectImage">, image: string): () => Promise<ImageFacts> {
  let facts: Promise<ImageFacts> | undefined;
  const read = async (): Promise<ImageFacts> => {
    const [history, info] = await Promise.all([engine.imageHistory(image), engine.inspectImage(image)]);
    if (!info) throw new Error(`image ${image} not found`);
    return { history, labels: info.labels };
  };
  return () => {
    facts ??= read();
    return facts;
  };
}
