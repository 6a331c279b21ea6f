/**
 * `typescript` as the test files see it (jest.config.js maps it here, and
 * test/support/lazy-sdk-deps.js hands it to the SDK in the processes the tests start): the
 * compiler, loaded on its first use instead of when it is first required.
 *
 * The Pulumi SDK requires it when it is loaded, for serialising functions, which no component of
 * this project does; it is the largest module the SDK loads (about 0.45 s), and jest loads the SDK
 * again for each test file. A test that does use the compiler (the component schema, which Pulumi
 * infers from the TypeScript types) gets the real one on its first property access.
 */
"use strict";
/** Set once the compiler is loaded (test/support/lazy-typescript.test.ts reads it). */
const LOADED = Symbol.for("pulumi-mta-sts.test.typescript-loaded");
let compiler;
function load() {
  if (!compiler) {
    // The package's own file: the name "typescript" would be mapped back to this module.
    compiler = require("typescript/lib/typescript.js");
    globalThis[LOADED] = true;
  }
  return compiler;
}

module.exports = new Proxy(
  {},
  {
    get: (_, key) => load()[key],
    set: (_, key, value) => Reflect.set(load(), key, value),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    // Reported configurable: the proxy's own target is empty, and a proxy may not report a
    // property its target lacks as non-configurable.
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  },
);
