/** The version of this package, for `mta-sts --version`, read from its package.json. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const PACKAGE_NAME = "pulumi-mta-sts";

/**
 * The `version` of the nearest package.json above this module that is ours: `cli/` when run
 * from the sources, `dist/cli/` when built (both under the package root).
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === PACKAGE_NAME && typeof manifest.version === "string") return manifest.version;
    } catch {
      // No package.json here (or not ours): look further up.
    }
    if (dirname(dir) === dir) return "unknown";
  }
}
