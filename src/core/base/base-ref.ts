// Pure: which base image references can be bootstrapped offline with debootstrap, and
// what goes into such an image (its APT sources, the debootstrap command line).
// No registry is reachable here, so `debian:<suite>` images are built from the
// machine's Debian mirror instead of being pulled.

import { ConfigError } from "../../errors.js";

export interface DebianBaseRef {
  distro: "debian";
  /** The Debian suite debootstrap installs, e.g. `bookworm` (also for the alias `debian:12`). */
  suite: string;
  /** The image reference to create, e.g. `debian:bookworm` or `postfix-matrix-test/debian:12`. */
  ref: string;
  /** Repository part of `ref`, e.g. `debian`. */
  repo: string;
  /** Tag part of `ref`, as written by the user, e.g. `bookworm` or `12`. */
  tag: string;
}

interface SuiteInfo {
  suite: string;
  /** Has `<suite>-updates` and `<suite>-security` pockets (every suite but unstable). */
  pockets: boolean;
  /** debootstrap script to name explicitly, for suites older debootstraps lack a script for. */
  script?: string;
}

/** Tags accepted after `debian:`, in the order the error message lists them. */
const SUITES: ReadonlyMap<string, SuiteInfo> = new Map<string, SuiteInfo>([
  ["bookworm", { suite: "bookworm", pockets: true }],
  ["trixie", { suite: "trixie", pockets: true }],
  // Debian 12's debootstrap (1.0.128) has no `forky` script; all current suites share `sid`'s.
  ["forky", { suite: "forky", pockets: true, script: "sid" }],
  ["testing", { suite: "testing", pockets: true }],
  ["sid", { suite: "sid", pockets: false }],
  ["unstable", { suite: "unstable", pockets: false }],
  ["12", { suite: "bookworm", pockets: true }],
  ["13", { suite: "trixie", pockets: true }],
  ["14", { suite: "forky", pockets: true, script: "sid" }],
]);

export const SUPPORTED_BASE_REFS: readonly string[] = [...SUITES.keys()].map((t) => `debian:${t}`);

/** Keyring that debootstrap installs into every Debian image (package debian-archive-keyring). */
export const IMAGE_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

/** A repository path component as Docker accepts it. */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * Parse `debian:<suite>` (optionally under a local namespace such as
 * `postfix-matrix-test/debian:bookworm`, for tests) into what debootstrap needs.
 * Anything else — other distributions, digests, registry hosts, missing tags,
 * unknown suites — is a ConfigError naming the supported references.
 */
export function parseBaseRef(input: string): DebianBaseRef {
  const ref = input.trim();
  const fail = (hint?: string): never => {
    throw new ConfigError(
      [
        {
          file: "<command line>",
          path: "ref",
          message:
            `cannot bootstrap ${ref === "" ? '""' : ref}: only Debian suites can be bootstrapped offline ` +
            `(debootstrap); supported: ${SUPPORTED_BASE_REFS.join(", ")}`,
        },
      ],
      hint,
    );
  };
  if (ref === "") return fail();
  if (ref.includes("@")) return fail("a digest names a registry image; use a tag, e.g. debian:bookworm");

  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon <= slash) return fail("give the suite as the tag, e.g. debian:bookworm");
  const repo = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  const parts = repo.split("/");
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    return fail("a registry host cannot be reached here; use a local name, e.g. debian:bookworm");
  }
  if (!parts.every((p) => COMPONENT.test(p)) || parts[parts.length - 1] !== "debian") return fail();
  const info = SUITES.get(tag);
  if (!info) return fail();
  return { distro: "debian", suite: info.suite, ref, repo, tag };
}

function suiteInfo(suite: string): SuiteInfo {
  return SUITES.get(suite) ?? { suite, pockets: !["sid", "unstable", "experimental"].includes(suite) };
}

export interface ImageMirrors {
  /** Debian main archive URI, from the machine's APT configuration. */
  archive: string;
  /** Debian security archive URI; without one the image gets no security stanza. */
  security?: string | undefined;
}

/**
 * The deb822 `/etc/apt/sources.list.d/debian.sources` for inside the image, in the
 * layout of Debian's own container images: the main archive with `<suite>` and
 * `<suite>-updates`, and the security archive with `<suite>-security`. Unstable has
 * neither pocket. Signed by the keyring debootstrap installed into the image (not
 * whatever path the machine uses).
 */
export function buildImageSources(suite: string, mirrors: ImageMirrors): string {
  const info = suiteInfo(suite);
  const stanza = (uri: string, suites: string[]) =>
    `${["Types: deb", `URIs: ${uri}`, `Suites: ${suites.join(" ")}`, "Components: main", `Signed-By: ${IMAGE_KEYRING}`].join("\n")}\n`;
  const stanzas = [stanza(mirrors.archive, info.pockets ? [suite, `${suite}-updates`] : [suite])];
  if (info.pockets && mirrors.security !== undefined) {
    stanzas.push(stanza(mirrors.security, [`${suite}-security`]));
  }
  return stanzas.join("\n");
}

/**
 * Arguments for `debootstrap` (without the program name). minbase: dpkg, apt and the
 * Essential set, like Debian's official images. The keyring is debootstrap's default.
 */
export function debootstrapArgv(suite: string, target: string, mirror: string): string[] {
  const script = suiteInfo(suite).script;
  return ["--variant=minbase", suite, target, mirror, ...(script ? [script] : [])];
}
