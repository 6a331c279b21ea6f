/**
 * index.ts as `pulumi preview`/`up` runs it: a bad stack config stops the program with every
 * problem and its path before a single resource is declared (DESIGN.md invariant 3), as a
 * RunError, which the Pulumi CLI prints without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks } from "./support/pulumi-mocks";

test("a bad stack config throws a RunError listing every problem and declares nothing", async () => {
  const engine = await installMocks();
  pulumi.runtime.setAllConfig({
    "mta-sts:domains": JSON.stringify([
      { domain: "example.com", policy: { mode: "enforce", mx: ["mx1.example.com"], maxage: 5 } },
      { domain: "example.net", policy: { mode: "testing", mx: ["*"] } },
    ]),
    "mta-sts:defaults": JSON.stringify({ tlsRpt: { rua: ["ftp://reports.example.com"] } }),
  });
  let thrown: unknown;
  jest.isolateModules(() => {
    try {
      require("../index");
    } catch (err) {
      thrown = err;
    }
  });
  expect(pulumi.RunError.isInstance(thrown)).toBe(true);
  const message = (thrown as Error).message;
  expect(message).toContain("nothing was declared");
  expect(message).toContain('domains[0].policy.maxage: unknown field; did you mean "maxAgeSeconds"?');
  expect(message).toContain("domains[1].policy.mx[0]:");
  // A bad default is reported once, where it is written, not once per domain.
  expect(message).toContain('defaults.tlsRpt.rua[0]: "ftp://reports.example.com" is neither mailto: nor https:');
  expect(message).not.toContain("domains[0].tlsRpt");
  expect(engine.resources).toHaveLength(0);
});
