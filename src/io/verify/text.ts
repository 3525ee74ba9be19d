// Text and timing helpers shared by the image checks and the upgrade checks.
import { randomBytes } from "node:crypto";

/** Whitespace folded to single spaces and cut to `max` characters: a check's one-line detail. */
export const one = (s: string, max = 300): string => s.replace(/\s+/g, " ").trim().slice(0, max);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A unique word to find one mail by (in its sender or body): `pm-<kind>-<hex>`. */
export const token = (kind: string): string => `pm-${kind}-${randomBytes(6).toString("hex")}`;
