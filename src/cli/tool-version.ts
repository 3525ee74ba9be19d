// The tool's own version, from its package.json (two folders up from src/cli and dist/cli).
import { readFileSync } from "node:fs";

export function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
