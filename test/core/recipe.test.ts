// buildRecipe through prepareMatrix: what `make makefiles`/`make upgrade` get, and what the
// image is then expected to show. Expectations follow Postfix's INSTALL and *_README files.
import { describe, expect, it } from "vitest";
import { prepareMatrix } from "../../src/core/prepare.js";
import { checksFor } from "../../src/core/verify/checks.js";
import { defaultMatrixText, prepareOne, yamlOf } from "./helpers.js";

const word = (words: string[], name: string) => words.find((w) => w.startsWith(`${name}=`));
const ccargs = (words: string[]) => (word(words, "CCARGS") ?? "CCARGS=").slice("CCARGS=".length).split(" ").filter(Boolean);

describe("default.yaml cells", () => {
  const cells = prepareMatrix(defaultMatrixText(), "matrices/default.yaml").cells;
  const defaults = cells.filter((c) => c.cell.optionsName === "defaults");
  const shared = cells.filter((c) => c.cell.optionsName === "shared-tls-pcre");

  it("has four of each set, each imaged under the matrix name", () => {
    expect(defaults).toHaveLength(4);
    expect(shared).toHaveLength(4);
    for (const c of cells) expect(c.image).toBe(`postfix-matrix/default:${c.cell.id}`);
  });

  it.each(defaults.map((c) => [c.cell.id, c] as const))("%s: plain make makefiles", (_id, { recipe, cell }) => {
    expect(word(recipe.makefiles, "CCARGS")).toBeUndefined();
    expect(word(recipe.makefiles, "AUXLIBS")).toBeUndefined();
    expect(recipe.makefiles).toEqual([]);
    expect(recipe.upgrade).toEqual([]);
    expect(recipe.expect.absentMapTypes).toContain("pcre");
    // Linux builds Berkeley DB support by default.
    expect(recipe.expect.mapTypes).toEqual(expect.arrayContaining(["hash", "btree"]));
    expect(recipe.expect.plugins).toEqual({});
    expect(recipe.expect.shlibDirectory).toBeUndefined();
    expect(recipe.expect.tls).toBe(false);
    expect(recipe.expect.mailVersion).toBe(cell.postfix.version);
    expect(recipe.tarball).toBe(`postfix-${cell.postfix.version}.tar.gz`);
    expect(recipe.baseImage).toBe(cell.os);
    expect(recipe.buildPackages).toEqual(expect.arrayContaining(["gcc", "make", "libc6-dev", "libdb-dev"]));
    // Known before the compile: Berkeley DB and NIS, as each release names them.
    expect(recipe.runtimeDerived).toBe(true);
    expect(recipe.runtimePackages).toEqual(cell.os === "debian:bookworm" ? ["libdb5.3", "libnsl2"] : ["libdb5.3t64", "libnsl2"]);
  });

  it.each(shared.map((c) => [c.cell.id, c] as const))("%s: TLS, PCRE plugin, shared", (_id, { recipe }) => {
    expect(recipe.makefiles).toContain("CCARGS=-DUSE_TLS");
    expect(recipe.makefiles).toContain("AUXLIBS=-lssl -lcrypto");
    expect(recipe.makefiles).toContain("shared=yes");
    expect(recipe.makefiles).toContain("dynamicmaps=yes");
    expect(recipe.expect.mapTypes).toContain("pcre");
    expect(recipe.expect.absentMapTypes).not.toContain("pcre");
    expect(recipe.expect.plugins).toEqual({ pcre: "postfix-pcre.so" });
    expect(recipe.expect.tls).toBe(true);
    expect(recipe.expect.shlibDirectory).toBeDefined();
    expect(recipe.buildPackages).toEqual(expect.arrayContaining(["libssl-dev", "libpcre2-dev"]));
    expect(recipe.runtimePackages).toContain("openssl");
  });

  it("lists of packages are sorted and unique", () => {
    for (const { recipe } of cells) {
      expect(recipe.buildPackages).toEqual([...new Set(recipe.buildPackages)].sort());
      expect(recipe.runtimePackages).toEqual([...new Set(recipe.runtimePackages)].sort());
    }
  });
});

describe("map features", () => {
  it.each([
    ["ldap", "LDAP", "-lldap"],
    ["mysql", "MYSQL", "-lmysqlclient"],
    ["pgsql", "PGSQL", "-lpq"],
    ["sqlite", "SQLITE", "-lsqlite3"],
    ["lmdb", "LMDB", "-llmdb"],
    ["cdb", "CDB", "-lcdb"],
    ["mongodb", "MONGODB", "-lmongoc-1.0"],
  ])("%s: -DHAS_%s and its own AUXLIBS_%s", (feature, NAME, lib) => {
    const { recipe } = prepareOne({ features: [feature] });
    expect(ccargs(recipe.makefiles)).toContain(`-DHAS_${NAME}`);
    expect(word(recipe.makefiles, `AUXLIBS_${NAME}`)?.split("=")[1]?.split(" ")).toContain(lib);
    // Map libraries are not linked into everything.
    expect(word(recipe.makefiles, "AUXLIBS")).toBeUndefined();
    expect(recipe.expect.mapTypes).toContain(feature);
    expect(recipe.expect.absentMapTypes).not.toContain(feature);
    expect(recipe.expect.plugins).toEqual({});
  });

  it("with dynamicmaps each map feature is a plugin; Berkeley DB stays built in", () => {
    const { recipe } = prepareOne({ dynamicmaps: true, features: ["mysql", "pgsql", "pcre"] });
    expect(recipe.expect.plugins).toEqual({ mysql: "postfix-mysql.so", pgsql: "postfix-pgsql.so", pcre: "postfix-pcre.so" });
    expect(recipe.expect.mapTypes).toEqual(expect.arrayContaining(["hash", "btree"]));
    expect(recipe.expect.plugins).not.toHaveProperty("hash");
  });

  it("several map features each get their AUXLIBS_ word, in a stable order", () => {
    const a = prepareOne({ features: ["mysql", "ldap", "tls"] }).recipe;
    const b = prepareOne({ features: ["tls", "ldap", "mysql"] }).recipe;
    expect(a.makefiles).toEqual(b.makefiles);
    expect(a.makefiles.filter((w) => w.startsWith("AUXLIBS_"))).toHaveLength(2);
    expect(word(a.makefiles, "AUXLIBS")).toBe("AUXLIBS=-lssl -lcrypto");
  });

  it.each([
    ["3.7.11", "libpcre2-dev"],
    ["3.10.13", "libpcre2-dev"],
    ["3.6.18", "libpcre3-dev"],
  ])("pcre on %s builds against %s", (version, pkg) => {
    const { recipe } = prepareOne({ features: ["pcre"] }, { version, sha256: "f".repeat(64) });
    expect(recipe.buildPackages).toContain(pkg);
    expect(ccargs(recipe.makefiles)).toEqual([]); // makedefs finds pcre itself
  });

  it("eai needs pkg-config to find ICU", () => {
    expect(prepareOne({ features: ["eai"] }).recipe.buildPackages).toEqual(expect.arrayContaining(["libicu-dev", "pkgconf"]));
  });
});

describe("SASL", () => {
  it("dovecot only: USE_SASL_AUTH and smtpd_sasl_type dovecot", () => {
    const { recipe } = prepareOne({ features: ["sasl-dovecot"] });
    expect(ccargs(recipe.makefiles)).toEqual(["-DUSE_SASL_AUTH"]);
    expect(recipe.settings).toContainEqual(["smtpd_sasl_type", "dovecot"]);
    expect(recipe.expect.saslServerTypes).toEqual(["dovecot"]);
  });

  it("cyrus and dovecot: USE_SASL_AUTH once, cyrus stays the default type", () => {
    const { recipe } = prepareOne({ features: ["sasl-dovecot", "sasl-cyrus"] });
    const args = ccargs(recipe.makefiles);
    expect(args.filter((a) => a === "-DUSE_SASL_AUTH")).toHaveLength(1);
    expect(args).toContain("-DUSE_CYRUS_SASL");
    expect(word(recipe.makefiles, "AUXLIBS")).toBe("AUXLIBS=-lsasl2");
    expect(recipe.settings.find(([k]) => k === "smtpd_sasl_type")).toBeUndefined();
    expect(recipe.expect.saslServerTypes).toEqual(["cyrus", "dovecot"]);
  });
});

describe("switches and expert flags", () => {
  it.each([["nis"], ["ipv6"], ["epoll"], ["posix_getpw_r"], ["snprintf"]])("disable %s -> -DNO_<NAME>", (sw) => {
    const args = ccargs(prepareOne({ disable: [sw] }).recipe.makefiles);
    expect(args).toContain(`-DNO_${sw.toUpperCase()}`);
  });

  it("disable nis drops the NIS development package", () => {
    expect(prepareOne({}).recipe.buildPackages).toContain("libnsl-dev");
    expect(prepareOne({ disable: ["nis"] }).recipe.buildPackages).not.toContain("libnsl-dev");
  });

  it("disable db drops Berkeley DB: no package, hash and btree expected absent", () => {
    const { recipe } = prepareOne({ disable: ["db"], features: ["cdb"] });
    expect(recipe.buildPackages).not.toContain("libdb-dev");
    expect(recipe.expect.mapTypes).not.toContain("hash");
    expect(recipe.expect.absentMapTypes).toEqual(expect.arrayContaining(["hash", "btree"]));
    expect(ccargs(recipe.makefiles)).toContain("-DNO_DB");
  });

  it("fd_setsize -> -DFD_SETSIZE", () => {
    expect(ccargs(prepareOne({ fd_setsize: 4096 }).recipe.makefiles)).toContain("-DFD_SETSIZE=4096");
  });

  it("the user's ccargs and auxlibs come after what the recipe derives", () => {
    const { recipe } = prepareOne({ features: ["tls"], ccargs: "-DMY_FLAG -I/opt/x", auxlibs: "-L/opt/x/lib -lx" });
    expect(word(recipe.makefiles, "CCARGS")).toBe("CCARGS=-DUSE_TLS -DMY_FLAG -I/opt/x");
    expect(word(recipe.makefiles, "AUXLIBS")).toBe("AUXLIBS=-lssl -lcrypto -L/opt/x/lib -lx");
  });

  it.each([
    ["cc", "clang-16", "CC"],
    ["opt", "-O2 -g", "OPT"],
    ["debug", "-g3", "DEBUG"],
    ["warn", "-Wall", "WARN"],
    ["shlib_suffix", ".so.1", "SHLIB_SUFFIX"],
  ])("%s -> %s word", (field, value, NAME) => {
    const opts = field === "shlib_suffix" ? { shared: true, [field]: value } : { [field]: value };
    expect(prepareOne(opts).recipe.makefiles).toContain(`${NAME}=${value}`);
  });
});

describe("directories", () => {
  const o = {
    shared: true,
    compile_directories: { config_directory: "/etc/pf", readme_directory: "/usr/share/doc/postfix-MAIL_VERSION" },
    install_directories: { html_directory: "no", data_directory: "/var/lib/pf", shlib_directory: "/usr/lib/postfix/MAIL_VERSION" },
    install_opts: ["-keep-build-mtime"],
  };

  it("compile_directories go to make makefiles, install_directories to make upgrade", () => {
    const { recipe } = prepareOne(o);
    for (const [k, v] of Object.entries(o.compile_directories)) {
      expect(recipe.makefiles).toContain(`${k}=${v}`);
      expect(recipe.upgrade.some((w) => w.startsWith(`${k}=`))).toBe(false);
    }
    for (const [k, v] of Object.entries(o.install_directories)) {
      expect(recipe.upgrade).toContain(`${k}=${v}`);
      expect(recipe.makefiles.some((w) => w.startsWith(`${k}=`))).toBe(false);
    }
    expect(recipe.upgrade).toContain("POSTFIX_INSTALL_OPTS=-keep-build-mtime");
  });

  it("expected parameters have a trailing MAIL_VERSION replaced by the release", () => {
    const { recipe } = prepareOne(o, { version: "3.9.6", sha256: "e".repeat(64) });
    expect(recipe.expect.parameters).toEqual({
      config_directory: "/etc/pf",
      readme_directory: "/usr/share/doc/postfix-3.9.6",
      html_directory: "no",
      data_directory: "/var/lib/pf",
      shlib_directory: "/usr/lib/postfix/3.9.6",
    });
    expect(recipe.expect.shlibDirectory).toBe("/usr/lib/postfix/3.9.6");
    // The words passed to make keep MAIL_VERSION: makedefs replaces it itself.
    expect(recipe.makefiles).toContain("readme_directory=/usr/share/doc/postfix-MAIL_VERSION");
  });

  it("the install-time value of a directory is what the image must show", () => {
    const { recipe } = prepareOne({
      compile_directories: { config_directory: "/etc/a" },
      install_directories: { config_directory: "/etc/b" },
    });
    expect(recipe.expect.parameters.config_directory).toBe("/etc/b");
  });

  it("a layout's directories are make makefiles words and expected parameters", () => {
    const { recipe } = prepareOne({ layout: "debian", shared: true });
    expect(recipe.makefiles).toContain("daemon_directory=/usr/lib/postfix/sbin");
    expect(recipe.expect.parameters.daemon_directory).toBe("/usr/lib/postfix/sbin");
    expect(recipe.expect.shlibDirectory).toBe("/usr/lib/postfix");
  });
});

describe("checks", () => {
  it("follow from the recipe", () => {
    const plain = checksFor(prepareOne({}).recipe).map((c) => c.name);
    const full = checksFor(
      prepareOne({
        dynamicmaps: true,
        features: ["tls", "pcre", "sasl-cyrus"],
        compile_directories: { config_directory: "/etc/pf" },
      }).recipe,
    );
    const names = full.map((c) => c.name);
    for (const always of ["postfix check", "mail_version", "map types", "no toolchain", "mail delivery", "relay refused"]) {
      expect(plain).toContain(always);
      expect(names).toContain(always);
    }
    for (const extra of ["STARTTLS", "dynamicmaps plugins", "shlib resolution", "SASL server types", "config_directory"]) {
      expect(plain).not.toContain(extra);
      expect(names).toContain(extra);
    }
    expect(full.find((c) => c.name === "config_directory")!.probe).toEqual({
      kind: "postconf",
      parameter: "config_directory",
      expect: "/etc/pf",
    });
  });
});

describe("keys", () => {
  const two = (a: Record<string, unknown>, b: Record<string, unknown>, os: [string, string] = ["debian:bookworm", "debian:bookworm"]) => {
    const text = yamlOf({
      axes: {
        os: [...new Set(os)],
        postfix: ["3.10.13"],
        options: [
          { name: "a", ...a },
          { name: "b", ...b },
        ],
      },
    });
    const cells = prepareMatrix(text, "m.yaml").cells;
    const pick = (o: string, s: string) => cells.find((c) => c.cell.os === o && c.cell.optionsName === s)!.recipe.keys;
    return [pick(os[0], "a"), pick(os[1], "b")] as const;
  };

  it("cells differing only in install_directories share deps and compile keys, not install", () => {
    const [a, b] = two({ features: ["tls"] }, { features: ["tls"], install_directories: { config_directory: "/etc/pf" } });
    expect(a.deps).toBe(b.deps);
    expect(a.compile).toBe(b.compile);
    expect(a.install).not.toBe(b.install);
  });

  it("cells with different features have different deps keys", () => {
    const [a, b] = two({ features: ["tls"] }, { features: ["ldap"] });
    expect(a.deps).not.toBe(b.deps);
    expect(a.compile).not.toBe(b.compile);
  });

  it("cells differing only in ccargs share deps, not compile", () => {
    const [a, b] = two({ ccargs: "-DA" }, { ccargs: "-DB" });
    expect(a.deps).toBe(b.deps);
    expect(a.compile).not.toBe(b.compile);
    expect(a.install).not.toBe(b.install);
  });

  it("the same options on another base image share nothing", () => {
    const [a, b] = two({}, {}, ["debian:bookworm", "debian:trixie"]);
    expect(a.deps).not.toBe(b.deps);
    expect(a.compile).not.toBe(b.compile);
  });

  it("identical options under different set names share every key", () => {
    const [a, b] = two({ pie: true }, { pie: true });
    expect(a).toEqual(b);
  });

  it("are stable across runs", () => {
    const once = prepareMatrix(defaultMatrixText(), "x.yaml").cells.map((c) => c.recipe.keys);
    const again = prepareMatrix(defaultMatrixText(), "x.yaml").cells.map((c) => c.recipe.keys);
    expect(again).toEqual(once);
    for (const k of once) for (const v of Object.values(k)) expect(v).toMatch(/^[0-9a-f]{16}$/);
  });
});
