// Compiler-driver options that make gcc or clang run another program or load code, refused
// in every flags field (CCARGS, AUXLIBS, OPT, ...). The metacharacter filter cannot catch
// them: `-wrapper /bin/sh,-c,...` is plain words, and gcc then runs that for every compile.

interface Rule {
  test: RegExp;
  /** "word": only a whole argument; "part": also each comma-separated part (-Wl,a,b). */
  scope: "word" | "part";
  why: string;
}

const RULES: Rule[] = [
  { test: /^--?wrapper/, scope: "part", why: "makes gcc run the given program for every compile" },
  { test: /^-f(?:pass-)?plugin/, scope: "part", why: "loads a plugin (code run inside the compiler)" },
  { test: /^-iplugindir/, scope: "part", why: "chooses where compiler plugins are loaded from" },
  { test: /^--?(?:add-)?plugin/, scope: "part", why: "loads a plugin into the compiler or the linker" },
  { test: /^--?load/, scope: "part", why: "loads a shared object into the compiler (clang -Xclang -load)" },
  { test: /^--?specs/, scope: "part", why: "reads a spec file, which can run any program" },
  { test: /^@/, scope: "part", why: "reads more options from a file (a response file) that this check cannot see" },
  {
    test: /^-B/,
    scope: "word",
    why: "sets where gcc and clang take the programs they run (cc1, as, ld) from; for the linker's -Bstatic write -Wl,-Bstatic",
  },
  { test: /^--prefix/, scope: "word", why: "sets where gcc takes the programs it runs from (the long form of -B)" },
  { test: /^-fuse-ld=.*\//, scope: "word", why: "runs that program as the linker" },
  { test: /^--ld-path/, scope: "word", why: "runs that program as the linker" },
  { test: /^--?config/, scope: "word", why: "reads a clang configuration file, which can add any option" },
  { test: /^--?gcc-(?:toolchain|install-dir)|^-ccc-/, scope: "word", why: "makes clang take its tools from another directory" },
];

/**
 * The first refused option in a flags value, with the reason. Quotes and backslashes are
 * removed first: Postfix's Makefiles hand the value to sh more than once, so `-wr''apper`
 * would reach gcc as `-wrapper`.
 */
export function refusedDriverOption(value: string): { option: string; why: string } | undefined {
  const words = value
    .replace(/['"\\]/g, "")
    .split(/\s+/)
    .filter(Boolean);
  for (const word of words) {
    for (const rule of RULES) {
      const parts = rule.scope === "word" ? [word] : [word, ...word.split(",").slice(1)];
      const hit = parts.find((p) => rule.test.test(p));
      if (hit) return { option: hit, why: rule.why };
    }
  }
  return undefined;
}
