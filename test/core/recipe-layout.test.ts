// Install layouts in the recipe (src/core/recipe/recipe.ts, through prepareMatrix) and in the
// rendered Dockerfile: a shlib_directory moved at install time (INSTALL 4.4.3) is registered
// with ldconfig, commands outside the usual PATH get an ENV PATH, and -DNO_DB builds move the
// Berkeley DB caches to a type that exists.
import { readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { prepareMatrix, type PreparedCell } from "../../src/core/prepare.js";
import { makeRenderer, type Renderer } from "../../src/core/render/dockerfile.js";
import { loadTemplates } from "../../src/io/fs/templates.js";
import { configIssues, oneCell, prepareOne, REPO } from "./helpers.js";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const setting = (c: PreparedCell, name: string) => c.recipe.settings.find(([k]) => k === name)?.[1];

const layouts = prepareMatrix(readFileSync(path.join(REPO, "matrices/layouts.yaml"), "utf8"), "matrices/layouts.yaml").cells;
const layout = (name: string) => {
  const c = layouts.find((x) => x.cell.optionsName === name);
  if (!c) throw new Error(`test bug: no layouts cell ${name}`);
  return c;
};

describe("ldconfigDirectory", () => {
  it("unset when shared with the default shlib_directory", () => {
    expect(prepareOne({ shared: true }).recipe.ldconfigDirectory).toBeUndefined();
    expect(prepareOne({ shared: false }).recipe.ldconfigDirectory).toBeUndefined();
  });

  it("set when make upgrade moves shlib_directory away from the compiled default /usr/lib/postfix", () => {
    const c = prepareOne({ shared: true, install_directories: { shlib_directory: "/usr/lib/x86_64-linux-gnu/postfix" } });
    expect(c.recipe.ldconfigDirectory).toBe("/usr/lib/x86_64-linux-gnu/postfix");
  });

  it("unset when the install-time directory is the compiled one", () => {
    expect(
      prepareOne({ shared: true, install_directories: { shlib_directory: "/usr/lib/postfix" } }).recipe.ldconfigDirectory,
    ).toBeUndefined();
    expect(
      prepareOne({
        shared: true,
        compile_directories: { shlib_directory: "/opt/lib/postfix" },
        install_directories: { shlib_directory: "/opt/lib/postfix" },
      }).recipe.ldconfigDirectory,
    ).toBeUndefined();
    // MAIL_VERSION on one side, the version spelled out on the other: the same directory.
    expect(
      prepareOne({
        shared: true,
        compile_directories: { shlib_directory: "/usr/lib/postfix/MAIL_VERSION" },
        install_directories: { shlib_directory: "/usr/lib/postfix/3.10.13" },
      }).recipe.ldconfigDirectory,
    ).toBeUndefined();
  });

  it("compares with the compile-time directory, not with the default", () => {
    const c = prepareOne({
      shared: true,
      compile_directories: { shlib_directory: "/opt/lib/postfix" },
      install_directories: { shlib_directory: "/usr/lib/postfix" },
    });
    expect(c.recipe.ldconfigDirectory).toBe("/usr/lib/postfix");
  });

  it("compile-time layouts move nothing at install time", () => {
    expect(prepareOne({ shared: true, layout: "fedora" }).recipe.ldconfigDirectory).toBeUndefined();
    expect(
      prepareOne({ shared: true, layout: "fedora", install_directories: { shlib_directory: "/usr/lib/postfix" } }).recipe.ldconfigDirectory,
    ).toBe("/usr/lib/postfix");
  });

  it("expands MAIL_VERSION with the cell's version", () => {
    const c = prepareOne(
      { shared: true, install_directories: { shlib_directory: "/opt/postfix/lib/MAIL_VERSION" } },
      { version: "3.7.11" },
    );
    expect(c.recipe.ldconfigDirectory).toBe("/opt/postfix/lib/3.7.11");
  });

  it("matrices/layouts.yaml: exactly the two install-time shlib moves", () => {
    const moved = Object.fromEntries(
      layouts.filter((c) => c.recipe.ldconfigDirectory).map((c) => [c.cell.optionsName, c.recipe.ldconfigDirectory]),
    );
    expect(moved).toEqual({
      "install-shlib-moved": "/usr/lib/x86_64-linux-gnu/postfix",
      "install-versioned": "/opt/postfix/lib/3.10.13",
    });
  });
});

describe("path", () => {
  it("unset for the usual command and newaliases directories", () => {
    expect(prepareOne({}).recipe.path).toBeUndefined();
    expect(
      prepareOne({ install_directories: { command_directory: "/usr/local/sbin", newaliases_path: "/usr/local/bin/newaliases" } }).recipe
        .path,
    ).toBeUndefined();
    expect(
      prepareOne({ compile_directories: { command_directory: "/sbin", newaliases_path: "/bin/newaliases" } }).recipe.path,
    ).toBeUndefined();
  });

  it("command_directory outside PATH (install or compile time) comes first", () => {
    expect(prepareOne({ install_directories: { command_directory: "/opt/pf/sbin" } }).recipe.path).toBe(`/opt/pf/sbin:${DEFAULT_PATH}`);
    expect(prepareOne({ compile_directories: { command_directory: "/opt/pf/sbin" } }).recipe.path).toBe(`/opt/pf/sbin:${DEFAULT_PATH}`);
  });

  it("the directory of newaliases_path outside PATH, install or compile time", () => {
    expect(prepareOne({ install_directories: { newaliases_path: "/opt/pf/bin/newaliases" } }).recipe.path).toBe(
      `/opt/pf/bin:${DEFAULT_PATH}`,
    );
    expect(prepareOne({ compile_directories: { newaliases_path: "/opt/pf/bin/newaliases" } }).recipe.path).toBe(
      `/opt/pf/bin:${DEFAULT_PATH}`,
    );
  });

  it("both, command_directory first, each once", () => {
    expect(
      prepareOne({ install_directories: { command_directory: "/opt/pf/sbin", newaliases_path: "/opt/pf/bin/newaliases" } }).recipe.path,
    ).toBe(`/opt/pf/sbin:/opt/pf/bin:${DEFAULT_PATH}`);
    expect(
      prepareOne({ install_directories: { command_directory: "/opt/pf/sbin", newaliases_path: "/opt/pf/sbin/newaliases" } }).recipe.path,
    ).toBe(`/opt/pf/sbin:${DEFAULT_PATH}`);
  });

  it("install-time values win over compile-time ones", () => {
    expect(
      prepareOne({
        compile_directories: { command_directory: "/opt/pf/sbin" },
        install_directories: { command_directory: "/usr/sbin" },
      }).recipe.path,
    ).toBeUndefined();
  });

  it("matrices/layouts.yaml: only the /opt install layout", () => {
    const withPath = layouts.filter((c) => c.recipe.path);
    expect(withPath.map((c) => c.cell.optionsName)).toEqual(["install-opt"]);
    expect(withPath[0]!.recipe.path).toBe(`/opt/postfix/sbin:/opt/postfix/bin:${DEFAULT_PATH}`);
  });
});

describe("settings", () => {
  it("alias_maps and alias_database use the default database type", () => {
    const hash = prepareOne({});
    expect(setting(hash, "alias_maps")).toBe("hash:/etc/aliases");
    expect(setting(hash, "alias_database")).toBe("hash:/etc/aliases");
    const lmdb = prepareOne({ features: ["lmdb"], default_database_type: "lmdb" });
    expect(setting(lmdb, "alias_maps")).toBe("lmdb:/etc/aliases");
    expect(setting(lmdb, "alias_database")).toBe("lmdb:/etc/aliases");
  });

  it("with Berkeley DB the caches keep their defaults", () => {
    const c = prepareOne({ features: ["lmdb"], default_database_type: "lmdb" });
    expect(setting(c, "address_verify_map")).toBeUndefined();
    expect(setting(c, "postscreen_cache_map")).toBeUndefined();
  });

  it("-DNO_DB with lmdb: the btree caches become lmdb ones in data_directory", () => {
    const c = prepareOne({ disable: ["db"], features: ["lmdb"], default_database_type: "lmdb" });
    expect(c.recipe.makefiles.join(" ")).toContain("-DNO_DB");
    expect(setting(c, "address_verify_map")).toBe("lmdb:/var/lib/postfix/verify_cache");
    expect(setting(c, "postscreen_cache_map")).toBe("lmdb:/var/lib/postfix/postscreen_cache");
    expect(setting(c, "alias_maps")).toBe("lmdb:/etc/aliases");
  });

  it("-DNO_DB with lmdb and a compile-time data_directory uses that directory", () => {
    const c = prepareOne({
      disable: ["db"],
      features: ["lmdb"],
      default_database_type: "lmdb",
      compile_directories: { data_directory: "/var/lib/postfix/MAIL_VERSION" },
    });
    expect(setting(c, "address_verify_map")).toBe("lmdb:/var/lib/postfix/3.10.13/verify_cache");
    expect(setting(c, "postscreen_cache_map")).toBe("lmdb:/var/lib/postfix/3.10.13/postscreen_cache");
  });

  // The caches follow main.cf's data_directory, install-time first.
  it("-DNO_DB with lmdb and an install-time data_directory uses that directory", () => {
    const c = prepareOne({
      disable: ["db"],
      features: ["lmdb"],
      default_database_type: "lmdb",
      install_directories: { data_directory: "/srv/pfdata" },
    });
    expect(setting(c, "address_verify_map")).toMatch(/^lmdb:(\/srv\/pfdata|\$data_directory|\$\{data_directory\})\/verify_cache$/);
  });

  it("-DNO_DB with cdb (read-only): the verify cache is in memory, no postscreen cache setting", () => {
    const c = prepareOne({ disable: ["db"], features: ["cdb"], default_database_type: "cdb" });
    expect(c.recipe.settings).toContainEqual(["address_verify_map", ""]);
    expect(setting(c, "postscreen_cache_map")).toBeUndefined();
    expect(setting(c, "alias_maps")).toBe("cdb:/etc/aliases");
    expect(setting(c, "alias_database")).toBe("cdb:/etc/aliases");
  });
});

describe("rendered Dockerfiles", () => {
  let render: Renderer;
  beforeAll(async () => {
    render = makeRenderer(await loadTemplates());
  });

  /** Instructions of the stage `name`: comments dropped, continuation lines joined. */
  function stage(text: string, name: string): string[] {
    const out: { name: string; body: string[] }[] = [];
    let cur = "";
    for (const line of text.split("\n")) {
      if (!cur && (line.startsWith("#") || !line.trim())) continue;
      if (line.endsWith("\\")) {
        cur += `${line.slice(0, -1)} `;
        continue;
      }
      const ins = (cur + line).replace(/\s+/g, " ").trim();
      cur = "";
      const m = /^FROM \S+(?: AS (\S+))?$/.exec(ins);
      if (m) out.push({ name: m[1] ?? "", body: [ins] });
      else out.at(-1)?.body.push(ins);
    }
    const s = out.find((x) => x.name === name);
    if (!s) throw new Error(`no stage ${name}`);
    return s.body;
  }
  const all = (text: string) =>
    text
      .split("\n")
      .filter((l) => l.trim() && !l.startsWith("#"))
      .join("\n");
  const upgradeRun = (body: string[]) => {
    const runs = body.filter((i) => i.startsWith("RUN ") && i.includes("make upgrade"));
    expect(runs).toHaveLength(1);
    return runs[0]!;
  };
  /** Asserts the needles occur in `text` in this order and returns their positions. */
  const inOrder = (text: string, needles: string[]) => {
    let from = 0;
    return needles.map((n) => {
      const at = text.indexOf(n, from);
      expect(at, `${JSON.stringify(n)} after position ${from} in ${text}`).toBeGreaterThanOrEqual(0);
      from = at + n.length;
      return at;
    });
  };

  it("moved shlib: the runtime stage registers the directory before make upgrade, ldconfig after", () => {
    const body = stage(render(layout("install-shlib-moved").recipe), "runtime");
    const run = upgradeRun(body);
    const dir = "/usr/lib/x86_64-linux-gnu/postfix";
    inOrder(run, [
      `mkdir -p ${dir}`,
      `cp -p lib/libpostfix-* ${dir}/`,
      `echo ${dir} > /etc/ld.so.conf.d/postfix.conf`,
      "ldconfig",
      "make upgrade",
      `shlib_directory=${dir}`,
      "&& ldconfig",
      "install -m 0755 bin/smtp-source bin/smtp-sink",
    ]);
    // ldconfig runs right after make upgrade; only the load-test tools' install follows it.
    expect(run).toMatch(/&& ldconfig\W*&& install -m 0755 bin\/smtp-source bin\/smtp-sink "\$\(postconf -xh command_directory\)\/"$/);
  });

  it("no ldconfig work when shlib_directory stays put", () => {
    const run = upgradeRun(stage(render(layout("upstream").recipe), "runtime"));
    expect(run).not.toContain("ldconfig");
    expect(run).not.toContain("ld.so.conf.d");
  });

  it("MAIL_VERSION in a moved shlib_directory is expanded where ldconfig sees it", () => {
    const run = upgradeRun(stage(render(layout("install-versioned").recipe), "runtime"));
    expect(run).toContain("echo /opt/postfix/lib/3.10.13 > /etc/ld.so.conf.d/postfix.conf");
    // make upgrade itself gets the word as written; postfix-install expands it.
    expect(run).toContain("shlib_directory=/opt/postfix/lib/MAIL_VERSION");
  });

  it("/opt layout: ENV PATH is set before make upgrade", () => {
    const recipe = layout("install-opt").recipe;
    const body = stage(render(recipe), "runtime");
    const env = body.indexOf(`ENV PATH=${recipe.path}`);
    const upgrade = body.findIndex((i) => i.includes("make upgrade"));
    expect(recipe.path).toMatch(/^\/opt\/postfix\/sbin:/);
    expect(env).toBeGreaterThanOrEqual(0);
    expect(upgrade).toBeGreaterThan(env);
  });

  it("no ENV PATH for the usual layout", () => {
    expect(render(layout("upstream").recipe)).not.toContain("ENV PATH");
  });

  describe("classic builder", () => {
    it("copies the tree in, deletes it in the make upgrade RUN, and flattens", () => {
      const recipe = layout("install-opt").recipe;
      const text = render(recipe, { builder: "classic" });
      // (The template's comment may mention RUN --mount; no instruction uses it.)
      expect(all(text)).not.toContain("--mount");
      const body = stage(text, "runtime");
      const copy = body.indexOf("COPY --from=build /usr/src/postfix /usr/src/postfix");
      expect(copy).toBeGreaterThanOrEqual(0);
      const run = upgradeRun(body);
      expect(body.indexOf(run)).toBeGreaterThan(copy);
      inOrder(run, ["make upgrade", "rm -rf /usr/src/postfix"]);
      // Flattened: the last stage is a copy of the runtime stage's file system.
      const last = stage(text, "");
      expect(last[0]).toBe("FROM scratch");
      expect(last[1]).toBe("COPY --from=runtime / /");
      expect(last).toContain(`ENV PATH=${recipe.path}`);
      expect(last.at(-1)).toMatch(/^CMD /);
      expect(last.indexOf(`ENV PATH=${recipe.path}`)).toBeLessThan(last.length - 1);
      expect(
        all(text)
          .split("\n")
          .filter((l) => l.startsWith("FROM "))
          .at(-1),
      ).toBe("FROM scratch");
    });

    it("FROM scratch has no environment of its own: the default PATH is set again", () => {
      const text = render(layout("upstream").recipe, { builder: "classic" });
      const last = stage(text, "");
      expect(last.slice(0, 2)).toEqual(["FROM scratch", "COPY --from=runtime / /"]);
      expect(last).toContain(`ENV PATH=${DEFAULT_PATH}`);
      expect(last.at(-1)).toMatch(/^CMD /);
    });

    it("a moved shlib is registered with ldconfig in the same RUN", () => {
      const run = upgradeRun(stage(render(layout("install-shlib-moved").recipe, { builder: "classic" }), "runtime"));
      inOrder(run, ["/etc/ld.so.conf.d/postfix.conf", "ldconfig", "make upgrade", "ldconfig", "rm -rf /usr/src/postfix"]);
    });

    it("BuildKit output does not flatten", () => {
      const text = render(layout("install-opt").recipe);
      expect(all(text)).toContain("RUN --mount=");
      expect(all(text)).not.toContain("FROM scratch");
    });
  });
});

describe("Alpine", () => {
  it("a shlib_directory moved at install time is refused: musl has no ldconfig", () => {
    const issues = configIssues(() =>
      prepareMatrix(
        oneCell({ shared: true, install_directories: { shlib_directory: "/usr/lib/postfix/moved" } }, { os: "alpine:3.21" }),
        "m.yaml",
      ),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]!.message).toMatch(/musl/);
    expect(issues[0]!.message).toMatch(/ldconfig/);
    expect(issues[0]!.path).toMatch(/install_directories/);
  });

  it("the same shlib_directory at compile and install time is fine", () => {
    const c = prepareOne(
      {
        shared: true,
        compile_directories: { shlib_directory: "/usr/lib/postfix/x" },
        install_directories: { shlib_directory: "/usr/lib/postfix/x" },
      },
      { os: "alpine:3.21" },
    );
    expect(c.recipe.ldconfigDirectory).toBeUndefined();
  });
});
