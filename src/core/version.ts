// Postfix release versions: "3.10.13", "3.7.11", also "3.11-20250101" snapshots and "-RC1".

export const VERSION_PATTERN = /^(\d+)\.(\d+)(?:\.(\d+))?(?:-[A-Za-z0-9]+)?$/;

export type VersionTriple = readonly [number, number, number];

export function parseVersion(version: string): VersionTriple | undefined {
  const m = VERSION_PATTERN.exec(version);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** Compares a release against "major.minor[.patch]"; both must be valid. */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) throw new Error(`not a version: ${x ? b : a}`);
  for (let i = 0; i < 3; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

export const atLeast = (version: string, min: string): boolean => compareVersions(version, min) >= 0;
