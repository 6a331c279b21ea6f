/**
 * A process the tests start loads the Pulumi SDK without the TypeScript compiler and npm's
 * arborist (test/support/lazy-sdk-deps.js, preloaded through NODE_OPTIONS by jest.config.js),
 * and anything but the SDK that asks for them gets the real modules.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");

/** Run `script` in a child process with this test's environment, as the tests start theirs. */
function inChild(script: string): unknown {
  const run = spawnSync(process.execPath, ["-e", script], { cwd: root, encoding: "utf8", timeout: 30_000 });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout);
}

const FLAGS = `const flag = (name) => globalThis[Symbol.for("pulumi-mta-sts.test." + name + "-loaded")] === true;`;

test("a process the tests start loads the SDK without the compiler or arborist, and gets the real ones on first use", () => {
  const script = `${FLAGS}
    const pulumi = require("@pulumi/pulumi");
    const before = { typescript: flag("typescript"), arborist: flag("arborist"), sdk: typeof pulumi.ComponentResource };
    const shim = require(require.resolve("@pulumi/pulumi/typescript-shim"));
    const after = { version: shim.version, typescript: flag("typescript") };
    process.stdout.write(JSON.stringify({ before, after }));`;
  const installed = require(path.join(root, "node_modules", "typescript", "package.json")).version;
  expect(inChild(script)).toEqual({ before: { typescript: false, arborist: false, sdk: "function" }, after: { version: installed, typescript: true } });
});

test("a module outside the SDK that requires them gets the real modules, not the stand-ins", () => {
  const script = `${FLAGS}
    const ts = require("typescript");
    const arborist = require("@npmcli/arborist");
    process.stdout.write(JSON.stringify({ realCompiler: ts === require("typescript/lib/typescript.js"), realArborist: arborist === require("@npmcli/arborist/lib/index.js"), flagged: flag("typescript") || flag("arborist") }));`;
  expect(inChild(script)).toEqual({ realCompiler: true, realArborist: true, flagged: false });
});
