// --to, --cache-from, --cache-to, --tag-template: checked before anything is built (exit 2),
// then the registry is asked once whether it answers and takes our credentials (exit 3).
import { ConfigError, UsageError } from "../errors.js";
import type { PreparedMatrix } from "../core/prepare.js";
import { parseRepository, type Repository, repositoryName } from "../core/publish/reference.js";
import { DEFAULT_TAG_TEMPLATE, renderTags } from "../core/publish/tag-template.js";
import { releaseEpoch } from "../core/source/releases.js";
import { credentialsFor } from "../io/registry/credentials.js";
import { RegistryClient } from "../io/registry/registry-client.js";
import type { RegistryAuth } from "../io/docker/transfer-stream.js";

export interface PublishFlags {
  push?: boolean;
  to?: string;
  tagTemplate?: string;
  cacheFrom?: string;
  cacheTo?: string;
  force?: boolean;
}

export interface RegistryTarget {
  repository: Repository;
  name: string;
  client: RegistryClient;
  auth?: RegistryAuth;
}

export function repositoryFlag(flag: string, text: string): Repository {
  const r = parseRepository(text);
  if ("error" in r) throw new UsageError(`${flag} ${JSON.stringify(text.slice(0, 120))} ${r.error}`);
  return r;
}

/** Every cell's tag, or a ConfigError naming each problem. */
export function tagsFor(p: PreparedMatrix, template = DEFAULT_TAG_TEMPLATE): Map<string, string> {
  const r = renderTags(template, p.matrix.name, p.cells);
  if ("errors" in r) throw new ConfigError(r.errors.map((message) => ({ file: p.matrix.file, path: "", message })));
  return r.tags;
}

/** The flags checked together: --push needs --to, --tag-template and --force need a push. */
export function checkPublishFlags(o: PublishFlags, pushing: boolean): void {
  if (o.push && !o.to) throw new UsageError("--push needs --to REGISTRY/REPOSITORY");
  if (o.to) repositoryFlag("--to", o.to);
  if (o.cacheFrom) repositoryFlag("--cache-from", o.cacheFrom);
  if (o.cacheTo) repositoryFlag("--cache-to", o.cacheTo);
  if (!pushing && o.to && !o.push) throw new UsageError("--to names where --push sends images: add --push");
  if (!pushing && !o.push && (o.tagTemplate || o.force)) throw new UsageError("--tag-template and --force are for --push");
}

export async function registryTarget(flag: string, text: string): Promise<RegistryTarget> {
  const repository = repositoryFlag(flag, text);
  const auth = await credentialsFor(repository.registry);
  const client = new RegistryClient(repository, auth);
  return { repository, name: repositoryName(repository), client, ...(auth ? { auth } : {}) };
}

/** SOURCE_DATE_EPOCH from the environment, when set: whole seconds, or a usage error. */
export function sourceDateEpochFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === "") return undefined;
  if (!/^[0-9]{1,12}$/.test(v)) throw new UsageError(`SOURCE_DATE_EPOCH=${JSON.stringify(v.slice(0, 40))} is not whole seconds since 1970`);
  return Number(v);
}

/** The date a cell's image says it was made: SOURCE_DATE_EPOCH, else its release date. */
export const epochFor = (version: string, fromEnv: number | undefined) => fromEnv ?? releaseEpoch(version);
