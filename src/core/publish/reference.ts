// Registry references as Docker reads them (distribution's reference grammar), checked
// before anything is built: a repository to push to, and the tags made for each cell.

/** `127.0.0.1:5000/postfix-matrix`: where images go, split into registry host and path. */
export interface Repository {
  /** `host[:port]` as written; Docker Hub is `docker.io`. */
  registry: string;
  /** The path inside the registry, e.g. `team/postfix`. */
  path: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/;
const IPV6_HOST = /^\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?$/;
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** Docker refuses names over 255 characters (the registry and path, without the tag). */
const MAX_NAME = 255;

/** Why `text` is not a repository to push to, or the repository. */
export function parseRepository(text: string): Repository | { error: string } {
  if (text.length === 0) return { error: "is empty; give one such as 127.0.0.1:5000/postfix-matrix" };
  if (text.length > MAX_NAME) return { error: `is ${text.length} characters; Docker allows at most ${MAX_NAME}` };
  if (text.includes("@")) return { error: "names a digest; give the repository only (tags come from --tag-template)" };
  const slash = text.indexOf("/");
  const first = slash < 0 ? "" : text.slice(0, slash);
  // As Docker decides: the first part is a registry when it has a dot, a port, or is localhost.
  const hasRegistry = slash > 0 && (first.includes(".") || first.includes(":") || first === "localhost" || first.startsWith("["));
  const registry = hasRegistry ? first : "docker.io";
  const path = hasRegistry ? text.slice(slash + 1) : text;
  if (hasRegistry && !HOST.test(registry) && !IPV6_HOST.test(registry))
    return { error: `has \`${registry}\`, which is not a registry host[:port]` };
  const last = path.split("/").at(-1) ?? "";
  if (last.includes(":")) return { error: "has a tag; give the repository only (tags come from --tag-template)" };
  const bad = path.split("/").find((c) => !COMPONENT.test(c));
  if (bad !== undefined)
    return {
      error: `has the path part \`${bad}\`: each part is lower-case letters and digits, separated by \`.\`, \`_\`, \`__\` or \`-\``,
    };
  return { registry, path };
}

export const repositoryName = (r: Repository): string => (r.registry === "docker.io" ? r.path : `${r.registry}/${r.path}`);

/** Loopback registries speak plain HTTP (as the Docker engine allows for 127.0.0.0/8); others HTTPS. */
export function registryBaseUrl(registry: string): string {
  const host = registry.replace(/:[0-9]+$/, "").replace(/^\[|\]$/g, "");
  const loopback = host === "localhost" || /^127\./.test(host) || host === "::1";
  if (registry === "docker.io") return "https://registry-1.docker.io";
  return `${loopback ? "http" : "https"}://${registry}`;
}
