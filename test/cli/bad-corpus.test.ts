// The bad-input corpus (test/fixtures/bad/): every file is refused with exit 2 and one line
// per problem naming the file, the line and the field path, in words, never a stack trace.
// The line a problem must point at carries a `# <-` comment in the file (line 1 otherwise).
// near-misses/ holds files that look like bad ones and must be accepted.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cli } from "./run-cli.js";

const DIR = "test/fixtures/bad";

/** file -> [field path ("" for a problem with the file itself), what the message says]. */
const CORPUS: Record<string, [string, RegExp]> = {
  // YAML: aliases, merge keys, keys plain objects cannot hold, depth, tags, syntax
  "yaml-alias-undefined.yaml": ["axes.options[0]", /alias `\*plain` refers to no anchor: define `&plain`/],
  "yaml-alias-before-anchor.yaml": ["axes.options[0]", /alias `\*later` refers to no anchor/],
  "yaml-billion-laughs.yaml": ["e[7]", /more than 100,000 values once its aliases are expanded/],
  "yaml-alias-cycle.yaml": ["axes.self", /alias `\*top` is inside the value it refers to/],
  "yaml-merge-key.yaml": ["axes.options[1]", /YAML merge keys \(`<<`\) are not supported/],
  "yaml-proto-exclude.yaml": ["exclude[0]", /the key `__proto__` is not allowed/],
  "yaml-proto-top.yaml": ["", /the key `__proto__` is not allowed/],
  "yaml-deep-flow.yaml": ["", /nested more than 64 levels deep/],
  "yaml-deep-block.yaml": ["", /nested more than 64 levels deep/],
  "yaml-empty.yaml": ["", /the file is empty \(or only comments\): a matrix needs `axes:`/],
  "yaml-comments-only.yaml": ["", /the file is empty \(or only comments\)/],
  "yaml-top-list.yaml": ["", /must be a mapping \(`key: value` lines\), not a list/],
  "yaml-top-scalar.yaml": ["", /must be a mapping .*not the value `default`/],
  "yaml-two-documents.yaml": ["", /more than one YAML document/],
  "yaml-unclosed-flow.yaml": ["", /Flow sequence .* end with a \]/],
  "yaml-duplicate-key.yaml": ["", /Map keys must be unique/],
  "yaml-tab-indent.yaml": ["", /Tabs are not allowed as indentation/],
  "yaml-tag-binary.yaml": ["defaults.ccargs", /YAML tag `!!binary` is not supported/],
  "yaml-tag-custom.yaml": ["axes.os[0]", /YAML tag `!docker` is not supported/],
  "yaml-key-collection.yaml": ["defaults", /a mapping or list as a key/],
  "yaml-key-empty.yaml": ["defaults", /a key without a name/],
  // Size: counted before expanding
  "size-ten-axes.yaml": ["axes", /the axes make 10,000,000,000 cells \(os 10 x postfix 10 x .*\), more than the limit of 100,000/],
  "size-million-cells.yaml": ["axes", /the axes make 1,000,000 cells \(os 10 x postfix 10 x fd_setsize 100 x ccargs 100\)/],
  // Names taken from the file name follow the name rules
  "...yaml": ["name", /no `name:`, and its file name `\.\.\.yaml` does not make one .*add `name:`/],
  ".yaml": ["name", /its file name `\.yaml` does not make one/],
  "has space.yaml": ["name", /its file name `has space\.yaml` does not make one/],
  "$(id).yaml": ["name", /its file name `\$\(id\)\.yaml` does not make one/],
  "UPPER_.yaml": ["name", /its file name `UPPER_\.yaml` does not make one/],
  "name-explicit-dots.yaml": ["name", /an image repository name/],
  "name-explicit-slash.yaml": ["name", /an image repository name/],
  "name-explicit-trailing-underscore.yaml": ["name", /joined by single \. or _/],
  // Compiler-driver options that run programs or load code, in every flags field
  "flags-wrapper-ccargs.yaml": ["defaults.ccargs", /`-wrapper`: it makes gcc run the given program for every compile/],
  "flags-quoted-wrapper.yaml": ["defaults.ccargs", /`-wrapper`/],
  "flags-fplugin-opt.yaml": ["defaults.opt", /`-fplugin=\/tmp\/evil\.so`: it loads a plugin/],
  "flags-prefix-debug.yaml": ["defaults.debug", /`-B\/tmp\/evil\/`: it sets where gcc and clang take the programs/],
  "flags-specs-warn.yaml": ["defaults.warn", /`-specs=\/tmp\/evil\.specs`: it reads a spec file/],
  "flags-response-file-auxlibs.yaml": ["defaults.auxlibs", /`@\/tmp\/more-options`: it reads more options from a file/],
  "flags-linker-plugin-rpath.yaml": ["defaults.shlib_rpath", /`-plugin`: it loads a plugin into the compiler or the linker/],
  "flags-xclang-load-shlib-cflags.yaml": ["defaults.shlib_cflags", /`-load`: it loads a shared object/],
  "flags-fuse-ld-path.yaml": ["defaults.auxlibs", /`-fuse-ld=\/tmp\/ld`: it runs that program as the linker/],
  "flags-clang-config.yaml": ["defaults.ccargs", /clang configuration file/],
  "flags-gcc-toolchain.yaml": ["defaults.ccargs", /take its tools from another directory/],
  "flags-pass-plugin.yaml": ["defaults.ccargs", /`-fpass-plugin=\/tmp\/p\.so`/],
  "flags-in-include.yaml": ["include[0].ccargs", /`-wrapper`/],
  "flags-on-axis.yaml": ["axes.ccargs[1]", /`-fplugin=\/tmp\/p\.so`/],
  // Shapes: what was "Invalid input" or "expected object, received null"
  "shape-postfix-boolean.yaml": ["axes.postfix[0]", /must be a Postfix release: a string such as "3\.10\.13", or \{version: .*not true/],
  "shape-postfix-null.yaml": ["axes.postfix[0]", /must be a Postfix release.*not empty/],
  "shape-postfix-object-typo.yaml": ["axes.postfix[0].versoin", /unknown option `versoin` \(did you mean `version`\?\)/],
  "shape-html-directory.yaml": ["defaults.compile_directories.html_directory", /must be an absolute path .*\(or `no`\)/],
  "shape-axis-not-list.yaml": ["axes.os", /must be a list .*not the string "debian:bookworm"/],
  "shape-no-axes.yaml": ["axes", /missing `axes`/],
  "shape-fd-setsize-small.yaml": ["defaults.fd_setsize", /must be at least 64 \(is the number 10\)/],
  "shape-shared-string.yaml": ["defaults.shared", /must be true or false, not the string "yes"/],
  "shape-features-string.yaml": ["defaults.features", /must be a list .*not the string "tls"/],
  // Matrix semantics
  "matrix-unknown-axis.yaml": ["axes.featurs", /unknown axis `featurs`.*did you mean `features`/],
  "matrix-exclude-empty.yaml": ["exclude[0]", /an empty exclude entry matches every cell/],
  "matrix-excludes-everything.yaml": ["exclude", /expands to no cells/],
  "matrix-include-needs-os.yaml": ["include[0]", /needs both `os` and `postfix`/],
  "matrix-duplicate-cell-ids.yaml": ["axes", /two cells would be named debian-bookworm-3\.10\.13-ccargs-da/],
  "matrix-unknown-option-set.yaml": ["include[0].options", /no option set named `plian`.*did you mean `plain`/],
  "matrix-is-upgrade-file.yaml": ["scenarios", /this is an upgrade file .*`postfix-matrix upgrade --dry-run /],
  "matrix-unknown-top-key.yaml": ["exlude", /unknown option `exlude` \(did you mean `exclude`\?\)/],
  // Cross-field rules and OS families: each on the line of the option that breaks it
  "rule-dynamicmaps-shared-false.yaml": ["axes.options[0].shared", /dynamicmaps=yes needs shared=yes/],
  "rule-feature-and-disable.yaml": ["axes.options[0].disable", /feature `pcre` is asked for and also disabled/],
  "rule-shlib-without-shared.yaml": ["axes.options[0].compile_directories", /shlib_directory is set but shared=no/],
  "rule-nodb-without-default.yaml": ["axes.options[0].disable", /leaves default_database_type=hash/],
  "rule-lmdb-default-without-feature.yaml": ["axes.options[0].default_database_type", /needs feature lmdb/],
  "rule-hash-with-nodb.yaml": ["axes.options[0].default_database_type", /hash is Berkeley DB, which `disable: \[db\]` removes/],
  "rule-release-too-old.yaml": ["axes.postfix[1]", /Postfix 3\.3\.9 is too old/],
  "rule-feature-too-new.yaml": ["axes.options[0].features", /MongoDB needs Postfix >= 3\.9/],
  "family-alpine-bdb.yaml": ["axes.options[0].features", /Alpine has no Berkeley DB: drop feature `bdb`/],
  "family-alpine-cdb.yaml": ["axes.options[0].features", /Alpine has no tinycdb package/],
  "family-alpine-hash.yaml": ["axes.options[0].default_database_type", /default_database_type=hash cannot work/],
  "family-alpine-moved-shlib.yaml": ["axes.options[0].install_directories", /musl has no ldconfig/],
  "family-el-unnumbered.yaml": ["axes.os[0]", /cannot tell which Enterprise Linux release `almalinux:latest` is/],
  "family-el10-bdb.yaml": ["axes.options[0].features", /Enterprise Linux 10 has no Berkeley DB/],
  "family-unknown-os.yaml": ["axes.os[1]", /no recipe for the OS `gentoo\/stage3:latest`/],
  // Upgrade files, through `upgrade --dry-run`
  "upgrade-different-os.yaml": ["scenarios[0].to.os", /installs the new build into the running old container/],
  "upgrade-missing-os.yaml": ["scenarios[0]", /missing `os`/],
  "upgrade-identical-sides.yaml": ["scenarios[0].to", /describe the same build/],
  "upgrade-too-old.yaml": ["scenarios[0].from.postfix", /3\.3\.9 is too old for upgrade scenarios/],
  "upgrade-non-debian.yaml": ["scenarios[0].os", /only Debian-family images are supported \(not `alpine:3\.21`\)/],
  "upgrade-breaks-unknown.yaml": ["scenarios[0].breaks[0]", /unknown check `running-librarys`/],
  "upgrade-breaks-with-pass.yaml": ["scenarios[0].breaks", /it needs `expect: fail`/],
  "upgrade-settings-reserved.yaml": ["scenarios[0].settings.relay_transport", /is set by the scenario itself/],
  "upgrade-settings-bad-name.yaml": [
    "scenarios[0].settings.Relay-Host",
    /`Relay-Host` is not a valid key here: must be a main\.cf parameter name/,
  ],
  "upgrade-config-directory-differs.yaml": [
    "scenarios[0].to.options.compile_directories.config_directory",
    /config_directory differs between sides/,
  ],
  "upgrade-duplicate-names.yaml": ["scenarios[1].name", /duplicate scenario name `s`/],
  "upgrade-unquoted-version.yaml": ["scenarios[0].from.postfix", /write Postfix versions as strings \("3\.1" was read as a number/],
  "upgrade-unknown-release.yaml": ["scenarios[0].from.postfix", /unknown Postfix version 3\.7\.99.*sha256/],
  "upgrade-postfix-boolean.yaml": ["scenarios[0].from.postfix", /must be a Postfix release.*not true/],
  "upgrade-alias-undefined.yaml": ["scenarios[0].from.options", /alias `\*versioned` refers to no anchor/],
  "upgrade-merge-key.yaml": ["scenarios[0].to.options", /YAML merge keys \(`<<`\) are not supported/],
  "upgrade-flags-wrapper.yaml": ["scenarios[0].to.options.ccargs", /`-wrapper`/],
  "upgrade-empty.yaml": ["", /the file is empty \(or only comments\): an upgrade file needs `scenarios:`/],
  "upgrade-no-scenarios.yaml": ["scenarios", /needs at least one scenario/],
  "upgrade-is-matrix.yaml": ["axes", /this is a matrix file .*`postfix-matrix expand /],
  "upgrade-proto-key.yaml": ["scenarios[0].settings", /the key `__proto__` is not allowed/],
  "Upgrade Tests.yaml": ["name", /its file name `Upgrade Tests\.yaml` does not make one \(the upgrade name/],
};

const isUpgrade = (file: string) => /^upgrade/i.test(file);
const command = (file: string) => (isUpgrade(file) ? ["upgrade", "--dry-run"] : ["expand"]);

/** The line marked `# <-`, else 1 (empty files, names, a problem with the whole file). */
function expectedLine(text: string): number {
  const i = text.split("\n").findIndex((l) => l.includes("# <-"));
  return i < 0 ? 1 : i + 1;
}

/** What every refusal has in common: exit 2, nothing on stdout, one located line per problem. */
function expectRefusal(r: { code: number; stdout: string; stderr: string }, file: string) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  expect(r.stderr.startsWith("postfix-matrix: ")).toBe(true);
  const lines = r.stderr
    .replace(/^postfix-matrix: /, "")
    .trimEnd()
    .split("\n");
  for (const l of lines) {
    if (l.startsWith("... and ")) continue;
    expect(l.startsWith(`${file}:`), l).toBe(true);
    expect(l.slice(file.length), l).toMatch(/^:\d+: /);
  }
  return lines;
}

describe("bad-input corpus", () => {
  const files = readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name)
    .sort();

  it("has at least 60 files, each with an expectation, and no expectation without a file", () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
    expect(files.filter((f) => !(f in CORPUS))).toEqual([]);
    expect(Object.keys(CORPUS).filter((f) => !files.includes(f))).toEqual([]);
  });

  it.each(Object.entries(CORPUS))("%s: exit 2 at the marked line", async (name, [field, message]) => {
    const file = path.join(DIR, name);
    const r = await cli(...command(name), file);
    const lines = expectRefusal(r, file);
    const at = `${file}:${expectedLine(readFileSync(file, "utf8"))}: ${field ? `${field}: ` : ""}`;
    const hit = lines.find((l) => l.startsWith(at) && message.test(l));
    expect(hit, `no line starting with ${JSON.stringify(at)} matching ${message}; got:\n${r.stderr}`).toBeDefined();
  });
});

describe("near misses are accepted", () => {
  const dir = path.join(DIR, "near-misses");
  it.each(readdirSync(dir).sort())("%s: exit 0", async (name) => {
    const r = await cli("expand", path.join(dir, name));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+ cells$/m);
  });

  it("a derived name that follows the rules names the images", async () => {
    const r = await cli("expand", path.join(dir, "my-matrix.yaml"));
    expect(r.stdout).toContain("postfix-matrix/my-matrix:debian-bookworm-3.10.13");
  });
});

describe("generate with a bad derived name", () => {
  const parent = mkdtempSync(path.join(tmpdir(), "pm-generate-"));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it.each(["...yaml", ".yaml"])("%s writes nothing, inside or outside --out", async (name) => {
    const out = path.join(parent, "out");
    const r = await cli("generate", "--out", out, path.join(DIR, name));
    expectRefusal(r, path.join(DIR, name));
    expect(readdirSync(parent)).toEqual([]);
  });
});
