// Which package world a base image belongs to. Decided by the image name, since nothing
// can be pulled to look inside it before the build.
export type Family = "debian" | "fedora" | "alpine";

const FAMILY_OF_REPO: Record<string, Family> = {
  debian: "debian",
  ubuntu: "debian",
  fedora: "fedora",
  rockylinux: "fedora",
  almalinux: "fedora",
  centos: "fedora",
  "redhat/ubi9": "fedora",
  "redhat/ubi10": "fedora",
  oraclelinux: "fedora",
  alpine: "alpine",
};

export function familyOf(imageRef: string): Family | undefined {
  const repo = imageRef.split(":")[0]!.replace(/^(docker\.io\/)?(library\/)?/, "");
  return FAMILY_OF_REPO[repo] ?? FAMILY_OF_REPO[repo.split("/").pop()!];
}

export const KNOWN_FAMILIES = Object.keys(FAMILY_OF_REPO);
