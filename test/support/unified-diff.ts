/**
 * The unified diff (no context lines) between two texts, as `git diff --no-index` prints it, for
 * tests that must show a file changed in exactly the intended lines. Only the hunks are kept
 * (`@@ -12,0 +13 @@` and the `-`/`+` lines); a `\r` at a line end is shown as `␍`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function unifiedDiff(before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), `mta-sts-diff-${process.pid}-`));
  try {
    writeFileSync(join(dir, "before"), before);
    writeFileSync(join(dir, "after"), after);
    let out: string;
    try {
      out = execFileSync("git", ["-c", "core.autocrlf=false", "diff", "--no-index", "--no-color", "--no-ext-diff", "--unified=0", "before", "after"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 10000,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
      });
    } catch (err) {
      // Exit status 1 means "the files differ"; anything else is a real failure.
      const e = err as { status?: number; stdout?: string };
      if (e.status !== 1 || e.stdout === undefined) throw err;
      out = e.stdout;
    }
    return out
      .split("\n")
      .filter((line) => /^(@@|[-+](?![-+]{2} ))/.test(line))
      .map((line) => (line.startsWith("@@") ? line.replace(/^(@@ [^@]* @@).*$/, "$1") : line).replace(/\r$/, "␍"))
      .join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
