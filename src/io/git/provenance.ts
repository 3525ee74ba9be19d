// Where a matrix comes from, for the OCI labels: the commit and the public URL of the git
// checkout it is in. Not a checkout, or no git: no `.revision`/`.source` labels, no error.
import path from "node:path";
import { publicSourceUrl } from "../../core/publish/oci-labels.js";
import { runCapture } from "../exec/exec.js";

export async function gitProvenance(file: string): Promise<{ revision?: string; source?: string }> {
  const cwd = path.dirname(path.resolve(file));
  const git = async (...args: string[]) => {
    const r = await runCapture("git", ["-C", cwd, ...args]);
    return r.code === 0 ? r.stdout.trim() : undefined;
  };
  const revision = await git("rev-parse", "--verify", "HEAD");
  if (!revision || !/^[0-9a-f]{40,64}$/.test(revision)) return {};
  // A checkout with uncommitted changes in the matrix is not that commit: say so.
  const dirty = (await git("status", "--porcelain", "--", path.resolve(file))) ? "-dirty" : "";
  const remote = await git("remote", "get-url", "origin");
  const source = remote ? publicSourceUrl(remote) : undefined;
  return { revision: `${revision}${dirty}`, ...(source ? { source } : {}) };
}
