// The image's own security settings, read in the running container: the setgid programs,
// the queue directories that take mail from local users, and the configuration files.
import { shellWords } from "../../core/recipe/shell.js";
import type { PostfixShell } from "./postfix-container.js";
import type { Outcome } from "./probes.js";
import { one } from "./text.js";

export interface FileMode {
  owner: string;
  group: string;
  /** Permission bits with the setuid/setgid/sticky bits, as a number. */
  mode: number;
}

const STAT = "stat -c '%U:%G %a %n'";
const octal = (m: number) => m.toString(8);

/** `stat -c '%U:%G %a %n'` lines by name. */
export function parseStat(out: string): Map<string, FileMode> {
  const files = new Map<string, FileMode>();
  for (const line of out.split("\n")) {
    const m = /^([^:\s]+):(\S+) ([0-7]+) (.+)$/.exec(line.trim());
    if (m) files.set(m[4]!, { owner: m[1]!, group: m[2]!, mode: Number.parseInt(m[3]!, 8) });
  }
  return files;
}

/** stat of `names` inside the directory a postconf parameter names. */
async function statIn(c: PostfixShell, parameter: string, names: readonly string[]) {
  const r = await c.sh(`d=$(postconf -xh ${parameter}) && echo "$d" && cd "$d" && ${STAT} ${shellWords(names)}`);
  const [dir = "", ...rest] = r.out.split("\n");
  const files = parseStat(rest.join("\n"));
  const missing = names.filter((n) => !files.has(n));
  return { dir, files, problem: r.code !== 0 || missing.length ? `${missing.join(" ")}: ${one(r.err || r.out)}` : undefined };
}

const show = (name: string, f: FileMode) => `${name} ${f.owner}:${f.group} ${octal(f.mode)}`;

/** Each program is setgid and owned by `group`. */
export async function setgidPrograms(c: PostfixShell, programs: readonly string[], group: string): Promise<Outcome> {
  const s = await statIn(c, "command_directory", programs);
  if (s.problem) return { ok: false, detail: `in ${s.dir || "command_directory"}: ${s.problem}` };
  const bad = programs.filter((p) => {
    const f = s.files.get(p)!;
    return f.group !== group || (f.mode & 0o2000) === 0;
  });
  const all = programs.map((p) => show(p, s.files.get(p)!)).join(", ");
  return bad.length
    ? { ok: false, detail: `not setgid ${group}: ${bad.map((p) => show(p, s.files.get(p)!)).join(", ")} (in ${s.dir})` }
    : { ok: true, detail: `${all} (in ${s.dir})` };
}

/** No file is writable by its group or by others. */
export async function configNotWritable(c: PostfixShell, files: readonly string[]): Promise<Outcome> {
  const s = await statIn(c, "config_directory", files);
  if (s.problem) return { ok: false, detail: `in ${s.dir || "config_directory"}: ${s.problem}` };
  const bad = files.filter((f) => (s.files.get(f)!.mode & 0o022) !== 0);
  const all = files.map((f) => show(f, s.files.get(f)!)).join(", ");
  return bad.length
    ? { ok: false, detail: `group- or world-writable: ${bad.map((f) => show(f, s.files.get(f)!)).join(", ")} (in ${s.dir})` }
    : { ok: true, detail: `${all} (in ${s.dir})` };
}

/** One record of $meta_directory/postfix-files: name:type:owner:group:permission:flags. */
export interface PostfixFilesRecord {
  name: string;
  owner: string;
  group: string;
  mode: string;
}

export function postfixFilesRecord(text: string, name: string): PostfixFilesRecord | undefined {
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const [n, , owner = "-", group = "-", mode = "-"] = line.trim().split(":");
    if (n === name) return { name: n, owner, group, mode };
  }
  return undefined;
}

const refs = (s: string) => [...s.matchAll(/\$\{?(\w+)\}?/g)].map((m) => m[1]!);
const expand = (s: string, v: Map<string, string>) => s.replace(/\$\{?(\w+)\}?/g, (_, n: string) => v.get(n) ?? `$${n}`);

/**
 * Each queue directory has the owner, group and mode Postfix's own postfix-files gives it
 * (what post-install sets): read from the image, not assumed, so a release that changes them
 * is judged by its own file. A group of "-" there means "not changed", so it is not compared.
 */
export async function queueModes(c: PostfixShell, directories: readonly string[]): Promise<Outcome> {
  const pf = await c.sh(`cat "$(postconf -xh meta_directory)/postfix-files"`);
  if (pf.code !== 0) return { ok: false, detail: `no postfix-files: ${one(pf.err)}` };
  const records = directories.map((d) => postfixFilesRecord(pf.out, `$queue_directory/${d}`));
  const absent = directories.filter((_, i) => !records[i]);
  if (absent.length) return { ok: false, detail: `postfix-files lists no $queue_directory/${absent.join(", ")}` };
  const want = records as PostfixFilesRecord[];
  const names = [...new Set(want.flatMap((r) => [...refs(r.name), ...refs(r.owner), ...refs(r.group)]))];
  const pc = await c.sh(`postconf -x ${shellWords(names)}`);
  const values = new Map([...pc.out.matchAll(/^(\w+) = (.*)$/gm)].map((m) => [m[1]!, m[2]!] as [string, string]));
  const paths = want.map((r) => expand(r.name, values));
  const st = await c.sh(`${STAT} ${shellWords(paths)}`);
  const have = parseStat(st.out);
  const problems: string[] = [];
  const seen: string[] = [];
  want.forEach((r, i) => {
    const f = have.get(paths[i]!);
    const owner = expand(r.owner, values);
    const group = expand(r.group, values);
    const expected = `${owner}:${group} ${r.mode}`;
    if (!f) problems.push(`${paths[i]}: ${one(st.err) || "not found"}`);
    else if (f.owner !== owner || (group !== "-" && f.group !== group) || f.mode !== Number.parseInt(r.mode, 8))
      problems.push(`${show(paths[i]!, f)} (postfix-files: ${expected})`);
    else seen.push(show(paths[i]!, f));
  });
  return problems.length ? { ok: false, detail: problems.join("; ") } : { ok: true, detail: `${seen.join(", ")}, as postfix-files says` };
}
