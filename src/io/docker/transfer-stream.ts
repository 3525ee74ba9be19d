// The push and pull streams of the Engine API: JSON progress lines, an `error`/`errorDetail`
// line when the registry refused (never swallowed), and for a push the digest it made.

export interface RegistryAuth {
  username: string;
  password: string;
  serveraddress: string;
}

/** Thrown for an `error` line; `auth` when the registry refused the credentials. */
export class TransferFailed extends Error {
  constructor(
    message: string,
    readonly auth: boolean,
  ) {
    super(message);
  }
}

const AUTH_WORDS = /unauthorized|authentication required|no basic auth credentials|denied|401/i;

/** Reads a push or pull stream's lines; returns the pushed digest, when the stream told it. */
export function readTransfer(lines: readonly string[]): { digest?: string } {
  let digest: string | undefined;
  for (const raw of lines) {
    if (!raw.trim()) continue;
    let line: { error?: string; errorDetail?: { message?: string }; aux?: { Digest?: string }; status?: string };
    try {
      line = JSON.parse(raw);
    } catch {
      throw new TransferFailed(`the engine sent a line that is not JSON: ${raw.slice(0, 200)}`, false);
    }
    const error = line.errorDetail?.message ?? line.error;
    if (error) throw new TransferFailed(error, AUTH_WORDS.test(error));
    if (line.aux?.Digest) digest = line.aux.Digest;
    const m = line.status && /digest: (sha256:[0-9a-f]{64})/.exec(line.status);
    if (m) digest ??= m[1];
  }
  return digest ? { digest } : {};
}
