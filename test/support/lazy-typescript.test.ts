/**
 * jest.config.js maps `typescript` to test/support/lazy-typescript.js: loading the Pulumi SDK
 * no longer loads the compiler, and the first use of it gets the real one.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

const LOADED = Symbol.for("pulumi-mta-sts.test.typescript-loaded");
const loaded = () => (globalThis as Record<symbol, unknown>)[LOADED] === true;

test("the Pulumi SDK loads without loading the compiler; its first use loads the real one", async () => {
  await import("@pulumi/pulumi");
  expect(loaded()).toBe(false);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof import("typescript");
  const installed = JSON.parse(readFileSync(path.join(__dirname, "..", "..", "node_modules", "typescript", "package.json"), "utf8")).version;
  expect(ts.version).toBe(installed);
  expect(loaded()).toBe(true);
  expect(ts.transpileModule("const x: number = 1;", { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText).toContain("const x = 1;");
  expect(Object.keys(ts)).toContain("createProgram");
});
