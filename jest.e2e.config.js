/** End-to-end lab: network namespace, dnsmasq, nginx, a throw-away CA and Debian's mta-sts-query (root only). */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  testMatch: ["<rootDir>/test/e2e/**/*.e2e.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
