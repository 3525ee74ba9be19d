// The matrix file's shape. Parsing stops at shape; cross-field rules live in rules.ts.
import { z } from "zod";
import { VERSION_PATTERN } from "../version.js";
import { commandName, flagsText, imageRef, installPath, logText, repositoryName, slug } from "./values.js";
import { CHROOT_SERVICES, type ChrootService, LOG_LEVELS_NOTE, PLUGIN_LAYOUTS, ROLES } from "./install-vocabulary.js";
import { DATABASE_TYPES, FEATURE_NAMES, INSTALL_DIRECTORY_NAMES, LAYOUTS, NO_ALLOWED, NO_SWITCHES, PATH_NAMES } from "./vocabulary.js";

// Not a z.union: a union's failure reads "Invalid input"; this one says what the path lacks.
const pathOrNo = (name: string) =>
  NO_ALLOWED.has(name)
    ? z.string().superRefine((s, ctx) => {
        if (s === "no") return;
        const r = installPath.safeParse(s);
        if (!r.success)
          ctx.addIssue({ code: "custom", message: `${r.error.issues[0]?.message ?? "must be an absolute path"} (or \`no\`)` });
      })
    : name === "openssl_path"
      ? commandName
      : installPath;

const directories = (names: readonly string[]) =>
  z.strictObject(Object.fromEntries(names.map((n) => [n, pathOrNo(n).optional()])) as Record<string, z.ZodOptional<z.ZodType<string>>>);

/** Build options: what one cell asks of `make makefiles` and `make upgrade`. */
export const optionFields = {
  shared: z.boolean(),
  dynamicmaps: z.boolean(),
  pie: z.boolean(),
  features: z.array(z.enum(FEATURE_NAMES)),
  /** -DNO_<NAME> switches. */
  disable: z.array(z.enum(NO_SWITCHES)),
  fd_setsize: z
    .number()
    .int()
    .min(64)
    .max(1 << 20),
  cc: commandName,
  opt: flagsText,
  debug: flagsText,
  warn: flagsText,
  shlib_cflags: flagsText,
  shlib_rpath: flagsText,
  shlib_suffix: z.string().regex(/^\.[A-Za-z0-9._-]+$/, "must look like .so"),
  install_opts: z.array(z.enum(["-keep-build-mtime"])),
  /** Expert escape hatches, appended after what the recipe derives. */
  ccargs: flagsText,
  auxlibs: flagsText,
  layout: z.enum(LAYOUTS),
  default_database_type: z.enum(DATABASE_TYPES),
  compile_directories: directories(PATH_NAMES),
  install_directories: directories(INSTALL_DIRECTORY_NAMES),
  /** INSTALL 8: `send-only` comments out the smtp inet service. */
  role: z.enum(ROLES),
  /** INSTALL 11: chroot every service that can be (`true`) or the ones named (`service/type`). */
  chroot: z.custom<boolean | ChrootService[]>().superRefine((v, ctx) => {
    if (typeof v === "boolean") return;
    if (!Array.isArray(v) || v.length === 0) {
      ctx.addIssue({ code: "custom", message: "must be true, false or a non-empty list of services such as smtp/inet" });
      return;
    }
    v.forEach((s: unknown, i) => {
      if (!(CHROOT_SERVICES as readonly unknown[]).includes(s))
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `\`${String(s).slice(0, 60)}\` is not a default master.cf service that can run chrooted (service/type: ${CHROOT_SERVICES.slice(0, 4).join(", ")}, ...)`,
        });
    });
  }),
  /** INSTALL 4.4.4: `split` gives each dynamicmaps plugin its own dynamicmaps.cf.d and postfix-files.d files. */
  plugins: z.enum(PLUGIN_LAYOUTS),
  /** Log lines the log hygiene check accepts for this cell, each with the reason. */
  expect_log: z.array(
    z.strictObject({
      match: logText.min(3, "must be at least 3 characters").max(200, "must be at most 200 characters"),
      reason: logText.min(1, `say why the line is expected (${LOG_LEVELS_NOTE})`).max(300, "must be at most 300 characters"),
    }),
  ),
} as const;
export type OptionFieldName = keyof typeof optionFields;
export const OPTION_FIELD_NAMES = Object.keys(optionFields) as OptionFieldName[];

const optionShape = Object.fromEntries(Object.entries(optionFields).map(([k, v]) => [k, (v as z.ZodType).optional()])) as {
  [K in OptionFieldName]: z.ZodOptional<(typeof optionFields)[K]>;
};

export const buildOptions = z.strictObject(optionShape);
export type BuildOptions = z.infer<typeof buildOptions>;

export const optionSet = z.strictObject({ name: slug, description: z.string().optional(), ...optionShape });
export type OptionSet = z.infer<typeof optionSet>;

/** A release is a string or {version, sha256}; load.ts picks the form (a union says only "Invalid input"). */
export const releaseVersion = z.string().regex(VERSION_PATTERN, "must be a Postfix release such as 3.10.13");
export const releaseWithChecksum = z.strictObject({
  version: releaseVersion,
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lower-case hex digits"),
});
export type PostfixReleaseInput = string | z.infer<typeof releaseWithChecksum>;

export const osTarget = imageRef;

/** The file as written; `axes` values are checked per axis in load.ts. */
export const matrixFile = z.strictObject({
  name: repositoryName.optional(),
  description: z.string().optional(),
  /** Checked on its own in load.ts, so that its mistakes don't hide the others. */
  defaults: z.unknown().optional(),
  axes: z.record(z.string(), z.array(z.unknown()).min(1, "an axis needs at least one value")),
  include: z.array(z.record(z.string(), z.unknown())).optional(),
  exclude: z.array(z.record(z.string(), z.unknown())).optional(),
});
export type MatrixFileInput = z.infer<typeof matrixFile>;
