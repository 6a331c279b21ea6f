/** The README section under a `## ` heading, up to the next `## ` heading (for docs tests). */
import * as fs from "node:fs";
import * as path from "node:path";

export function readmeSection(heading: string): string {
  const text = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "${heading}"`);
  const next = text.indexOf("\n## ", start + heading.length);
  return text.slice(start, next < 0 ? undefined : next + 1);
}
