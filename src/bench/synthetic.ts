// A synthetic matrix: 2 OS x 2 releases x 25 option sets x (cells / 100) values of an
// option-field axis; 1,000 cells by default.
export function syntheticMatrix(cells = 1000): string {
  const features = ["tls", "pcre", "ldap", "mysql", "pgsql", "sqlite", "lmdb", "cdb", "sasl-cyrus", "eai"];
  const sets = Array.from({ length: 25 }, (_, i) => {
    const f = features.filter((_, j) => (i >> (j % 5)) & 1 || j === i % features.length);
    const dirs = i % 2 === 0 ? `shlib_directory: /usr/lib/postfix/s${i}` : `daemon_directory: /usr/libexec/postfix/s${i}`;
    return `    - { name: set-${i}, shared: ${i % 2 === 0}, dynamicmaps: ${i % 4 === 0}, features: [${f.join(", ")}], compile_directories: { ${dirs} } }`;
  });
  const values = Math.max(1, Math.round(cells / 100));
  return [
    "name: synthetic",
    "axes:",
    "  os: [debian:bookworm, debian:trixie]",
    '  postfix: ["3.10.13", "3.7.11"]',
    "  options:",
    ...sets,
    `  fd_setsize: [${Array.from({ length: values }, (_, i) => 1024 * (i + 1)).join(", ")}]`,
    "",
  ].join("\n");
}
