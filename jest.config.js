/** Unit and component tests: pure model, Pulumi mocks, local servers on random ports. */
const path = require("node:path");

// The processes the tests start (and the ones those start) load the Pulumi SDK without the two
// modules it needs only for serialising functions, as the test files themselves do through
// moduleNameMapper below (test/support/lazy-sdk-deps.js). Set here, before jest starts its
// workers, so that they and every process they start inherit it.
process.env.NODE_OPTIONS = [process.env.NODE_OPTIONS, `--require ${JSON.stringify(path.join(__dirname, "test", "support", "lazy-sdk-deps.js"))}`].filter(Boolean).join(" ");

module.exports = {
  // Node, with the Pulumi SDK's bookkeeping stack traces left unmapped (test/support/test-environment.ts).
  testEnvironment: "<rootDir>/test/support/test-environment.ts",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  // The TypeScript compiler and npm's arborist, each loaded on its first use: the Pulumi SDK
  // requires them on load for what no test here does (serialising functions), and jest loads
  // the SDK again for every test file.
  moduleNameMapper: require("./test/support/sdk-stand-ins").moduleNameMapper,
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/e2e/"],
  testTimeout: 60000,
  // One worker per core: jest's default leaves a core to its main thread, which only waits, so on
  // a 2-core machine it ran one test file at a time (366 s there, 257 s with both cores).
  maxWorkers: "100%",
  // The TLS-RPT receiver Worker is bundled first, so its tests run the bundle the component uploads.
  globalSetup: "<rootDir>/scripts/build-receiver-bundle.js",
};
