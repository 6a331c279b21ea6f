/**
 * What makes `npx mta-sts` work in a clone and `npm pack` carry `dist/` (the e2e suite runs both
 * for real in a fresh clone: test/e2e/fresh-clone.e2e.ts). These fail at once when one of the
 * pieces is dropped from package.json.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = join(__dirname, "..");
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

test("npm ci, npm pack and an install from git build dist/ (prepare runs the build)", () => {
  expect(manifest.scripts.prepare).toBe("npm run build");
  expect(manifest.files).toContain("dist");
  expect(manifest.main).toBe("dist/components/index.js");
});

test("the mta-sts command is the compiled cli/main.ts, a node script", () => {
  expect(manifest.bin).toEqual({ "mta-sts": "dist/cli/main.js" });
  expect(readFileSync(join(root, "cli", "main.ts"), "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
  // tsc writes files without the executable bit; the build sets it, so the linked command runs.
  expect(manifest.scripts.build).toMatch(/chmodSync\('dist\/cli\/main\.js', 0o755\)/);
});

test("the package links its own bin into node_modules/.bin, where npx finds it", () => {
  expect(manifest.devDependencies["pulumi-mta-sts"]).toBe("file:.");
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  expect(lock.packages["node_modules/pulumi-mta-sts"]).toEqual({ resolved: "", link: true });
});

test("npm start plans the bundled example, naming it (plan requires --stack)", () => {
  expect(manifest.scripts.start).toMatch(/cli\/main\.ts plan --stack Pulumi\.example\.yaml$/);
});
