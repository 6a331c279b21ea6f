/**
 * jest.config.js maps `@npmcli/arborist` to test/support/lazy-arborist.js: loading the Pulumi
 * SDK no longer loads it, and the first use of an export gets the real one.
 */
const LOADED = Symbol.for("pulumi-mta-sts.test.arborist-loaded");
const loaded = () => (globalThis as Record<symbol, unknown>)[LOADED] === true;

test("the Pulumi SDK loads without loading arborist; the first use of an export loads the real one", async () => {
  await import("@pulumi/pulumi");
  expect(loaded()).toBe(false);

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lazy = require("@npmcli/arborist") as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require("@npmcli/arborist/lib/index.js") as Record<string, unknown>;
  expect(lazy.Arborist).toBe(real);
  expect(loaded()).toBe(true);
});

test("it lists exactly the real module's exports, each the real one (an upgrade that changes them fails here)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const lazy = require("@npmcli/arborist") as Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const real = require("@npmcli/arborist/lib/index.js") as Record<string, unknown>;
  const own = (value: object) => Object.getOwnPropertyNames(value).filter((name) => !["length", "name", "prototype"].includes(name));
  expect(Object.keys(lazy)).toEqual(own(real));
  for (const name of Object.keys(lazy)) expect(lazy[name]).toBe(real[name]);
});
