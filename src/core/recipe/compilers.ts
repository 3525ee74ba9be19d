// INSTALL 4.2, "What compiler to use": the `cc` option names a compiler the deps stage can
// install from the OS's own packages. Pure: a name and an OS in, the package and what the
// built programs' .comment section must show out, or why the OS cannot have it.
import type { Family } from "./family.js";

export interface Compiler {
  /** What `make makefiles CC=` gets (the name as written, or its basename when a path). */
  command: string;
  kind: "gcc" | "clang";
  /** A versioned name (`gcc-14`): the major version the .comment section must show. */
  major?: string;
  /** The package that brings it (besides the family's base build packages). */
  package: string;
}

/** Versioned compilers per Debian/Ubuntu release tag (the unversioned gcc and clang are everywhere). */
const DEBIAN_VERSIONED: Record<string, string[]> = {
  bookworm: ["gcc-11", "gcc-12", "clang-13", "clang-14", "clang-15", "clang-16", "clang-19"],
  trixie: ["gcc-12", "gcc-13", "gcc-14", "clang-17", "clang-18", "clang-19"],
  "22.04": ["gcc-10", "gcc-11", "gcc-12", "clang-13", "clang-14", "clang-15"],
  "24.04": ["gcc-12", "gcc-13", "gcc-14", "clang-16", "clang-17", "clang-18"],
};
const DEBIAN_ALIASES: Record<string, string> = { "12": "bookworm", "13": "trixie", jammy: "22.04", noble: "24.04" };

const PACKAGE: Record<Family, Record<"gcc" | "clang", string>> = {
  debian: { gcc: "gcc", clang: "clang" },
  fedora: { gcc: "gcc", clang: "clang" },
  alpine: { gcc: "gcc", clang: "clang" },
};

/** The compiler a cell asks for, or the reason it cannot be had on `os`. */
export function compilerFor(cc: string | undefined, os: string, family: Family): Compiler | { error: string } {
  const written = cc ?? "gcc";
  const slash = written.lastIndexOf("/");
  const name = written.slice(slash + 1);
  if (slash >= 0 && !/^\/usr\/(local\/)?bin\/$/.test(written.slice(0, slash + 1))) {
    return { error: `cc \`${written}\`: a compiler path must be in /usr/bin (the OS package installs it there)` };
  }
  const m = /^(gcc|clang|cc)(?:-(\d+))?$/.exec(name);
  if (!m) return { error: `unknown compiler \`${written}\`: use gcc or clang, or a versioned gcc-N / clang-N the OS packages` };
  const kind = m[1] === "clang" ? "clang" : "gcc";
  if (!m[2]) return { command: written, kind, package: PACKAGE[family][kind] };
  if (m[1] === "cc") return { error: `unknown compiler \`${written}\`: cc has no versions; use gcc-N or clang-N` };
  const known = family === "debian" ? debianVersioned(os) : [];
  if (!known.includes(name)) {
    const where =
      family === "debian"
        ? known.length
          ? `it has ${known.join(", ")}`
          : "the tool knows no versioned compilers there"
        : "use gcc or clang";
    return { error: `compiler \`${written}\` is not packaged for ${os}: ${where}` };
  }
  return { command: written, kind, major: m[2], package: name };
}

function debianVersioned(os: string): string[] {
  const tag = os.slice(os.lastIndexOf(":") + 1).toLowerCase();
  return DEBIAN_VERSIONED[DEBIAN_ALIASES[tag] ?? tag] ?? [];
}
