// Install layouts that distro maintainers know, as compile-time directory defaults.
// A cell's own compile_directories override single fields.
import type { LayoutName } from "./vocabulary.js";

export const LAYOUT_DIRECTORIES: Record<LayoutName, Record<string, string>> = {
  upstream: {},
  debian: {
    daemon_directory: "/usr/lib/postfix/sbin",
    shlib_directory: "/usr/lib/postfix",
    manpage_directory: "/usr/share/man",
  },
  fedora: {
    daemon_directory: "/usr/libexec/postfix",
    shlib_directory: "/usr/lib64/postfix",
    manpage_directory: "/usr/share/man",
  },
};
