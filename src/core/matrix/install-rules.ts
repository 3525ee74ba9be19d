// Cross-field rules of the INSTALL options beyond the build: role, chroot, plugin packaging,
// expected log lines. Pure; checkCell calls it and folds the result into the cell.
import { CHROOT_SERVICES, type ChrootService, type PluginLayout, type Role } from "./install-vocabulary.js";
import type { BuildOptions } from "./schema.js";

export interface InstallOptions {
  role: Role;
  /** The master.cf services that run chrooted (empty: none). */
  chroot: ChrootService[];
  plugins: PluginLayout;
  expect_log: { match: string; reason: string }[];
}

export function installOptions(
  o: BuildOptions,
  dynamicmaps: boolean,
  fail: (field: keyof BuildOptions, message: string) => void,
): InstallOptions {
  const role = o.role ?? "mta";
  let chroot: ChrootService[] = o.chroot === true ? [...CHROOT_SERVICES] : o.chroot ? [...new Set(o.chroot)] : [];
  if (role === "send-only") {
    // A send-only host has no smtp inet service to chroot (INSTALL 8 comments it out).
    if (Array.isArray(o.chroot) && o.chroot.includes("smtp/inet"))
      fail("chroot", "`role: send-only` comments out the smtp inet service, so `smtp/inet` cannot be chrooted: drop it from chroot");
    chroot = chroot.filter((s) => s !== "smtp/inet");
  }
  const plugins = o.plugins ?? "together";
  if (plugins === "split" && !dynamicmaps)
    fail("plugins", "`plugins: split` packages dynamicmaps plugins, so it needs `dynamicmaps: true` (and a feature that is a map type)");
  return { role, chroot, plugins, expect_log: o.expect_log ?? [] };
}
