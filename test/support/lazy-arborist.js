/**
 * `@npmcli/arborist` as the test files see it (jest.config.js maps it here, and
 * test/support/lazy-sdk-deps.js hands it to the SDK in the processes the tests start): loaded on
 * the first use of one of its exports instead of when it is first required.
 *
 * The Pulumi SDK requires it when it is loaded, to find the packages a serialised function needs,
 * which no component of this project does; it is about a third of what loading the SDK costs under
 * jest, which loads the SDK again for each test file.
 *
 * The SDK reads it as a namespace (`__importStar`), which copies every export at once unless the
 * module says it is one already (`__esModule`): so this module says so, lists the real module's
 * exports as getters, and test/support/lazy-arborist.test.ts holds the list to the real one.
 */
"use strict";
/** Set once the real module is loaded (read by the test). */
const LOADED = Symbol.for("pulumi-mta-sts.test.arborist-loaded");
const EXPORTS = ["Arborist", "Node", "Link", "Edge", "Shrinkwrap"];

let real;
function load() {
  if (!real) {
    // The package's own file: the name "@npmcli/arborist" would be mapped back to this module.
    real = require("@npmcli/arborist/lib/index.js");
    globalThis[LOADED] = true;
  }
  return real;
}

module.exports = Object.defineProperties(
  {},
  {
    __esModule: { value: true },
    ...Object.fromEntries(EXPORTS.map((name) => [name, { enumerable: true, get: () => load()[name] }])),
  },
);
