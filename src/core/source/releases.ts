// Known Postfix releases and the sha256 of their upstream tarball. Pure.
// Upstream's postfix-<version>.tar.gz is byte-identical to Debian's
// postfix_<version>.orig.tar.gz, so one checksum covers every origin.

import { SourceError } from "../../errors.js";

/** sha256 of postfix-<version>.tar.gz, by version. Only releases we have checked. */
export const KNOWN_RELEASES: Readonly<Record<string, string>> = Object.freeze({
  "3.7.11": "8451fb343692b23cba105b6a194a27a6f32ff21bd2c3bb2fed5ac50d0631deda",
  "3.10.13": "de6526fb11bbf20fcfa5aa4b67e88cc6b246cad614a9bcb4b006f457ba3788bc",
});

/**
 * Each known release's MAIL_RELEASE_DATE (src/global/mail_version.h): SOURCE_DATE_EPOCH
 * defaults to its midnight UTC, so a rebuild of the same release stamps the same date.
 */
export const RELEASE_DATES: Readonly<Record<string, string>> = Object.freeze({
  "3.7.11": "2024-03-04",
  "3.10.13": "2026-08-09",
});

/** SOURCE_DATE_EPOCH of a known release (seconds), or undefined. */
export function releaseEpoch(version: string): number | undefined {
  const d = Object.hasOwn(RELEASE_DATES, version) ? RELEASE_DATES[version] : undefined;
  return d ? Date.parse(`${d}T00:00:00Z`) / 1000 : undefined;
}

/** 3.10.13, 3.11, 3.10-RC1, 3.11-20250101: digits and dots, one optional alphanumeric suffix. */
const VERSION_RE = /^\d+\.\d+(?:\.\d+)?(?:-[A-Za-z0-9]+)?$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

export function isValidVersion(version: string): boolean {
  return VERSION_RE.test(version);
}

/** Throws unless `version` is safe to put into a path, URL or command argument. */
export function assertValidVersion(version: string): void {
  if (typeof version !== "string" || !VERSION_RE.test(version)) {
    throw new SourceError(`invalid Postfix version ${JSON.stringify(version)}: expected something like 3.10.13`);
  }
}

/** Lower-cases and checks a sha256 hex string; throws SourceError when it is not one. */
export function normalizeSha256(sha256: string, what = "sha256"): string {
  const s = typeof sha256 === "string" ? sha256.trim().toLowerCase() : "";
  if (!SHA256_RE.test(s)) {
    throw new SourceError(`${what} ${JSON.stringify(sha256)} is not a 64-digit hex sha256`);
  }
  return s;
}

/** The file name of an upstream release tarball. */
export function tarballName(version: string): string {
  assertValidVersion(version);
  return `postfix-${version}.tar.gz`;
}

export function knownSha256(version: string): string | undefined {
  return Object.hasOwn(KNOWN_RELEASES, version) ? KNOWN_RELEASES[version] : undefined;
}

/**
 * The sha256 a release must have: the one given in the matrix, else the shipped one.
 * Both given and different, or neither known: SourceError (nothing gets built).
 */
export function expectedSha256(req: { version: string; sha256?: string | undefined }): string {
  assertValidVersion(req.version);
  const known = knownSha256(req.version);
  const given = req.sha256 === undefined ? undefined : normalizeSha256(req.sha256, `sha256 for Postfix ${req.version}`);
  if (given !== undefined && known !== undefined && given !== known) {
    throw new SourceError(
      `sha256 given for Postfix ${req.version} (${given}) differs from the known release checksum (${known})`,
      "remove `sha256:` from the matrix, or fix it",
    );
  }
  const sha = given ?? known;
  if (sha === undefined) {
    throw new SourceError(
      `unknown Postfix version ${req.version}: no checksum known; give \`sha256:\` for it in the matrix`,
      `known versions: ${Object.keys(KNOWN_RELEASES).join(", ")}`,
    );
  }
  return sha;
}
