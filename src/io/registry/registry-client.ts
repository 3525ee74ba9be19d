// Just enough of the registry HTTP API (distribution v2) to ask what a tag holds before
// pushing, and whether a recipe is cached: manifests and config blobs, with Basic or Bearer
// token auth. Pushing and pulling themselves go through the engine.
import { EnvironmentError } from "../../errors.js";
import { registryBaseUrl, type Repository } from "../../core/publish/reference.js";
import type { RegistryAuth } from "../docker/transfer-stream.js";

const MANIFEST_TYPES = [
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.index.v1+json",
].join(", ");

/** What a tag holds: the manifest digest and the image's layers and labels. */
export interface RemoteImage {
  digest: string;
  configDigest: string;
  layers: string[];
  labels: Record<string, string>;
}

/** The registry could not be reached or refused us: nothing was pushed (exit 3). */
export class RegistryError extends EnvironmentError {}

export class RegistryClient {
  private readonly base: string;
  private token: string | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly auth: RegistryAuth | undefined,
    private readonly timeoutMs = 15_000,
  ) {
    this.base = registryBaseUrl(repo.registry);
  }

  /** Checks that the registry answers and takes our credentials; throws RegistryError if not. */
  async check(): Promise<void> {
    // The repository scope: a token registry decides per repository.
    const r = await this.request(`/v2/${this.repo.path}/tags/list`);
    if (r.status === 200 || r.status === 404) return;
    throw this.refused(r, "list tags");
  }

  /** The image a tag (or digest) names, or undefined when the registry has no such manifest. */
  async image(reference: string): Promise<RemoteImage | undefined> {
    const r = await this.request(`/v2/${this.repo.path}/manifests/${reference}`, { accept: MANIFEST_TYPES });
    if (r.status === 404) return undefined;
    if (r.status !== 200) throw this.refused(r, `read ${reference}`);
    const manifest = (await r.json()) as { config?: { digest?: string }; manifests?: unknown[] };
    const digest = r.headers.get("docker-content-digest") ?? "";
    if (!manifest.config?.digest) throw new RegistryError(`${this.where()}: ${reference} is an image index, not one image`);
    const blob = await this.request(`/v2/${this.repo.path}/blobs/${manifest.config.digest}`);
    if (blob.status !== 200) throw this.refused(blob, `read the config of ${reference}`);
    const config = (await blob.json()) as { rootfs?: { diff_ids?: string[] }; config?: { Labels?: Record<string, string> | null } };
    return { digest, configDigest: manifest.config.digest, layers: config.rootfs?.diff_ids ?? [], labels: config.config?.Labels ?? {} };
  }

  private where(): string {
    return `registry ${this.repo.registry}`;
  }

  private refused(r: Response, what: string): RegistryError {
    if (r.status === 401 || r.status === 403)
      return new RegistryError(
        `${this.where()} refused ${this.auth ? `the credentials of ${this.auth.username}` : "anonymous access"} (HTTP ${r.status}) to ${what}`,
        this.auth ? `check the password: docker login ${this.repo.registry}` : `log in first: docker login ${this.repo.registry}`,
      );
    return new RegistryError(`${this.where()} answered HTTP ${r.status} to ${what}`);
  }

  private async request(pathPart: string, o: { accept?: string } = {}): Promise<Response> {
    const first = await this.fetch(pathPart, o.accept, this.authorization());
    if (first.status !== 401) return first;
    const challenge = first.headers.get("www-authenticate") ?? "";
    if (!this.auth && !/^bearer/i.test(challenge)) return first;
    if (/^bearer/i.test(challenge)) this.token = await this.bearer(challenge);
    else if (this.token === undefined && this.auth) this.token = "";
    return this.fetch(pathPart, o.accept, this.authorization());
  }

  private authorization(): string | undefined {
    if (this.token) return `Bearer ${this.token}`;
    return this.auth ? `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString("base64")}` : undefined;
  }

  /** The token a Bearer challenge's realm hands out for this repository. */
  private async bearer(challenge: string): Promise<string> {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    if (!params.realm) throw new RegistryError(`${this.where()} asked for a token without saying where to get it`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set("service", params.service);
    url.searchParams.set("scope", params.scope ?? `repository:${this.repo.path}:pull,push`);
    const basic = this.auth ? `Basic ${Buffer.from(`${this.auth.username}:${this.auth.password}`).toString("base64")}` : undefined;
    const r = await this.fetchUrl(url.toString(), undefined, basic);
    if (r.status !== 200) throw this.refused(r, "hand out a token");
    const body = (await r.json()) as { token?: string; access_token?: string };
    return body.token ?? body.access_token ?? "";
  }

  private fetch(pathPart: string, accept: string | undefined, authorization: string | undefined): Promise<Response> {
    return this.fetchUrl(`${this.base}${pathPart}`, accept, authorization);
  }

  private async fetchUrl(url: string, accept: string | undefined, authorization: string | undefined): Promise<Response> {
    const headers: Record<string, string> = {};
    if (accept) headers.accept = accept;
    if (authorization) headers.authorization = authorization;
    try {
      return await fetch(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new RegistryError(
        `${this.where()} is unreachable (${this.base}): ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        "start it, or check the address given to --to / --cache-from",
      );
    }
  }
}
