/**
 * End-to-end: what runs real processes of this project. The network-namespace lab in test/e2e
 * (dnsmasq, nginx, a throw-away CA and Debian's mta-sts-query; root only), the `mta-sts plan`
 * suites that run the CLI as a reviewer does (test/cli/*.e2e.ts) and the promotion workflow
 * against a local git repository (test/examples/github/*.e2e.ts), the component schema other
 * languages get (test/PulumiPlugin.e2e.ts) and the policy pack under Pulumi's own policy runner
 * (test/policies/index.e2e.ts); those need no root.
 */
module.exports = {
  // Node, with the Pulumi SDK's bookkeeping stack traces left unmapped (test/support/test-environment.ts).
  testEnvironment: "<rootDir>/test/support/test-environment.ts",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  // As in jest.config.js: the TypeScript compiler and npm's arborist are loaded on first use.
  moduleNameMapper: require("./test/support/sdk-stand-ins").moduleNameMapper,
  testMatch: ["<rootDir>/test/**/*.e2e.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
