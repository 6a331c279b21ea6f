/**
 * docs/invariants.md stays true to the code: every test file it names exists, every invariant
 * names at least one, and every comment that cites `docs/invariants.md: <name>` names an
 * invariant the file has.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const doc = readFileSync(path.join(root, "docs", "invariants.md"), "utf8");
const sections = doc.split(/^## /m).slice(1).map((s) => ({ name: s.split("\n")[0].trim(), body: s }));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return entry === "node_modules" ? [] : sourceFiles(full);
    return full.endsWith(".ts") ? [full] : [];
  });
}

test("every invariant names the test files that defend it, and each exists", () => {
  expect(sections.length).toBeGreaterThan(0);
  for (const { name, body } of sections) {
    const files = [...body.matchAll(/`(test\/[\w./-]+\.(?:test|e2e)\.ts)`/g)].map((m) => m[1]);
    expect({ name, files: files.length > 0 }).toEqual({ name, files: true });
    for (const file of files) expect({ name, file, exists: existsSync(path.join(root, file)) }).toEqual({ name, file, exists: true });
  }
});

test("every `docs/invariants.md: <name>` in the code names an invariant of the file", () => {
  const names = new Set(sections.map((s) => s.name.toLowerCase()));
  const cited: string[] = [];
  for (const file of ["components", "cli", "policies", "test", "bench"].flatMap((d) => sourceFiles(path.join(root, d)))) {
    // A citation may wrap onto the next comment line.
    const text = readFileSync(file, "utf8").replace(/\n\s*(\*|\/\/)\s*/g, " ");
    for (const m of text.matchAll(/docs\/invariants\.md: ([a-z' ]+?)(?=[).;:,]|\s*$)/gim)) cited.push(m[1].trim().toLowerCase());
  }
  expect(cited.length).toBeGreaterThan(0);
  for (const name of cited) expect({ name, known: names.has(name) }).toEqual({ name, known: true });
});
