// The words of the INSTALL options beyond the build surface: role (INSTALL 8, send-only),
// chroot (INSTALL 11), plugin packaging (INSTALL 4.4.4), and the log levels the log hygiene
// check refuses (INSTALL 7).

export const ROLES = ["mta", "send-only"] as const;
export type Role = (typeof ROLES)[number];

export const PLUGIN_LAYOUTS = ["together", "split"] as const;
export type PluginLayout = (typeof PLUGIN_LAYOUTS)[number];

/**
 * The default master.cf services that can run chrooted, as `service/type`, each with the
 * program it runs (its process name). Not here, as in Postfix's own examples: local, virtual,
 * pipe, proxymap, proxywrite, spawn and postlog, which need the whole file system.
 */
export const CHROOT_PROGRAMS = {
  "smtp/inet": "smtpd",
  "pickup/unix": "pickup",
  "cleanup/unix": "cleanup",
  "qmgr/unix": "qmgr",
  "tlsmgr/unix": "tlsmgr",
  "rewrite/unix": "trivial-rewrite",
  "bounce/unix": "bounce",
  "defer/unix": "bounce",
  "trace/unix": "bounce",
  "verify/unix": "verify",
  "flush/unix": "flush",
  "smtp/unix": "smtp",
  "relay/unix": "smtp",
  "showq/unix": "showq",
  "error/unix": "error",
  "retry/unix": "error",
  "discard/unix": "discard",
  "lmtp/unix": "lmtp",
  "anvil/unix": "anvil",
  "scache/unix": "scache",
} as const;
export type ChrootService = keyof typeof CHROOT_PROGRAMS;
export const CHROOT_SERVICES = Object.keys(CHROOT_PROGRAMS) as ChrootService[];

/** The log levels that fail the log hygiene check unless a cell expects the line. */
export const LOG_LEVELS = ["warning", "error", "fatal", "panic"] as const;
export const LOG_LEVELS_NOTE = `log lines at ${LOG_LEVELS.join(", ")} fail the log hygiene check`;
