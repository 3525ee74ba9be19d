// Value checks for fields that end up in `make` and shell lines. Everything a matrix gives
// is later single-quoted for the shell; these rules reject what quoting cannot make safe
// (`$` and backquotes are expanded by make itself, control characters break lines).
import { z } from "zod";
import { refusedDriverOption } from "./driver-options.js";

// C0 and C1 controls and the Unicode line breaks: none belongs in one line of a Dockerfile.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Free-form compiler/linker flags (CCARGS, AUXLIBS, OPT, ...): anything but control chars, `$`, backquote. */
export const flagsText = z.string().superRefine((s, ctx) => {
  const bad = (message: string) => ctx.addIssue({ code: "custom", message });
  if (CONTROL.test(s)) return bad("must be one line without control characters (newline, tab)");
  if (/[$`]/.test(s)) return bad("must not contain `$` or a backquote: make and the shell would expand them");
  // Postfix's Makefiles hand these values to sh unquoted at every compile: `;` or `|` there
  // would run commands, `#` would start a Makefile comment.
  const meta = /[;|&#<>(){}!*?[\]~]/.exec(s);
  if (meta) return bad(`must not contain \`${meta[0]}\`: Postfix's Makefiles pass this value to sh unquoted during the build`);
  const refused = refusedDriverOption(s);
  if (refused) bad(`must not contain \`${refused.option.slice(0, 60)}\`: it ${refused.why}`);
});

/** One line of text that is never given to a shell (a log pattern, a reason). */
export const logText = z.string().regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$/, "must be one line without control characters");

/** A command name or absolute path such as `gcc`, `clang-16` or `/usr/bin/gcc-12`. */
export const commandName = z
  .string()
  .regex(/^\/?[A-Za-z0-9_][A-Za-z0-9._+/-]*$/, "must be a command name or path (letters, digits, . _ + - /)");

const MAIL_VERSION = "MAIL_VERSION";

/** An absolute path; `MAIL_VERSION` may end it (makedefs replaces it with the release). */
export const installPath = z
  .string()
  .regex(/^\/[A-Za-z0-9._+/-]*$/, "must be an absolute path of letters, digits and . _ + - / only")
  .refine(
    (s) => !s.slice(0, s.endsWith(MAIL_VERSION) ? -MAIL_VERSION.length : undefined).includes(MAIL_VERSION),
    "MAIL_VERSION is allowed only at the end of a value",
  )
  .refine((s) => !s.split("/").includes(".."), "must not contain `..`");

/** A matrix or upgrade file's name: one path component of a Docker repository name. */
export const repositoryName = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(
    /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/,
    "must be lower-case letters and digits, joined by single . or _ or by - (an image repository name such as `default` or `my-matrix`)",
  );

export const slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be lower-case letters, digits, . _ - (at most 63, starting with a letter or digit)");

/** A container image reference as `docker import`/`FROM` take it, without a digest. */
export const imageRef = z
  .string()
  .max(255, "must be an image reference such as debian:bookworm (at most 255 characters)")
  .regex(
    /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/,
    "must be an image reference such as debian:bookworm",
  );
