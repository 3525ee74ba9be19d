// What a report.json read back must hold to be merged: the shape jsonReport writes, checked
// field by field where the summary and the JUnit read it; anything else passes through.
import { z } from "zod";
import type { CellResult } from "../outcome.js";
import { REPORT_SCHEMA_VERSION } from "./machine.js";

const seconds = z.number().nonnegative();
const check = z.looseObject({ name: z.string(), status: z.enum(["pass", "fail"]), detail: z.string() });

const build = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("built"), imageId: z.string(), seconds, size: z.number() }),
  z.looseObject({ kind: z.literal("cached"), imageId: z.string(), size: z.number() }),
  z.looseObject({ kind: z.literal("pulled"), imageId: z.string(), size: z.number(), ref: z.string(), seconds }),
  z.looseObject({ kind: z.literal("failed"), message: z.string(), step: z.string().optional(), lastLines: z.array(z.string()), seconds }),
]);

const verify = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("verified"), result: z.looseObject({ checks: z.array(check), startupSeconds: seconds, seconds }) }),
  z.looseObject({ kind: z.literal("error"), message: z.string() }),
  z.looseObject({ kind: z.literal("skipped"), reason: z.string() }),
]);

const push = z.discriminatedUnion("kind", [
  z.looseObject({ kind: z.literal("pushed"), ref: z.string(), digest: z.string(), unchanged: z.boolean().optional() }),
  z.looseObject({ kind: z.literal("skipped"), reason: z.string() }),
  z.looseObject({ kind: z.literal("failed"), message: z.string() }),
]);

const cell = z.looseObject({
  id: z.string().min(1),
  image: z.string(),
  values: z.record(z.string(), z.string()),
  build,
  verify,
  logFile: z.string(),
  dockerfile: z.string(),
  push: push.optional(),
  engine: z.string().optional(),
  movedFrom: z.array(z.string()).optional(),
});

export const reportSchema = z.looseObject({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  matrix: z.string().min(1),
  file: z.string(),
  startedAt: z.iso.datetime(),
  seconds,
  cells: z.array(cell),
});

export interface ParsedReport {
  matrix: string;
  file: string;
  startedAt: string;
  seconds: number;
  cells: CellResult[];
}
