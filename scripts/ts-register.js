/**
 * Run this repository's TypeScript in Node without a build:
 *   node -r ./scripts/ts-register.js cli/main.ts plan --stack Pulumi.example.yaml
 *
 * - Each `.ts` file is transpiled by esbuild, one file at a time, as `isolatedModules` allows
 *   (tsconfig.json). Types are checked by `npm run typecheck`, not here.
 * - The JavaScript is kept in node_modules/.cache/mta-sts-ts/ (or MTA_STS_TS_CACHE), keyed by
 *   the file's path and bytes and by esbuild's version. A later process reads it instead of transpiling again: a
 *   `mta-sts` process then starts as fast as the compiled `dist/` one. ts-node compiled the whole
 *   CLI again in every process (about 1.5 s for a plan), which the tests pay for each process they
 *   start.
 * - Only `.ts` files are hooked: node_modules load as Node loads them.
 * - `import()` becomes `require()`, as tsc's CommonJS output does, so lazily loaded modules are
 *   TypeScript too.
 * - The output has an inline source map: `NODE_OPTIONS=--enable-source-maps` maps stack traces to
 *   the TypeScript lines (off by default: remapping every stack the Pulumi SDK takes is slow).
 */
"use strict";
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const CACHE_DIR = process.env.MTA_STS_TS_CACHE || path.join(__dirname, "..", "node_modules", ".cache", "mta-sts-ts");
const OPTIONS = { loader: "ts", format: "cjs", target: "node20", sourcemap: "inline", supported: { "dynamic-import": false } };

/** What every cache key starts with: the transpiler and how it is asked to transpile. */
const KEY_PREFIX = `${require("esbuild/package.json").version}\0${JSON.stringify(OPTIONS)}\0`;

let esbuild;
let cacheUsable = true;

function transpile(source, filename) {
  esbuild ??= require("esbuild");
  return esbuild.transformSync(source, { ...OPTIONS, sourcefile: filename }).code;
}

function cached(source, filename) {
  const key = crypto.createHash("sha256").update(`${KEY_PREFIX}${filename}\0`).update(source).digest("hex");
  const file = path.join(CACHE_DIR, `${key}.js`);
  if (cacheUsable) {
    try {
      return fs.readFileSync(file, "utf8");
    } catch {
      // Not cached yet: transpiled below.
    }
  }
  const code = transpile(source, filename);
  if (cacheUsable) {
    try {
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      // Written aside and renamed: processes started side by side never read half a file.
      const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, file);
    } catch {
      // A read-only checkout: transpile in every process, as without a cache.
      cacheUsable = false;
    }
  }
  return code;
}

require.extensions[".ts"] = (module, filename) => {
  module._compile(cached(fs.readFileSync(filename, "utf8"), filename), filename);
};
