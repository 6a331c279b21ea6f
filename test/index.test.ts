/**
 * index.ts as `pulumi preview`/`up` runs it: a bad stack config stops the program with every
 * problem and its path before a single resource is declared (docs/invariants.md: bad input never
 * reaches the cloud), as a RunError, which the Pulumi CLI prints without a stack trace.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { route53TxtValue } from "../components/dns/txt-values";
import { installMocks, isolateModules, settle, valueOf } from "./support/pulumi-mocks";

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
  isolateModules(() => {
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
  expect(message).toContain('defaults.tlsRpt.rua[0]: "ftp://reports.example.com" uses the scheme "ftp:", which is neither mailto: nor https:');
  expect(message).not.toContain("domains[0].tlsRpt");
  expect(engine.resources).toHaveLength(0);
});

test("with mta-sts:sharedAwsHost, each domain's stack outputs are the values its records and policy object carry", async () => {
  const engine = await installMocks();
  engine.reset();
  const domains = ["example.com", "example.net", "example.org"].map((domain, i) => ({
    domain,
    host: "aws",
    dns: "route53",
    hostedZoneId: `Z${i}`,
    policy: { mode: i % 2 ? "testing" : "enforce", mx: [`mx1.${domain}`] },
    ...(i < 2 ? { tlsRpt: { rua: [`mailto:tls@${domain}`] } } : {}),
    group: i % 2,
  }));
  pulumi.runtime.setAllConfig({
    "mta-sts:domains": JSON.stringify(domains),
    "mta-sts:sharedAwsHost": JSON.stringify({ groupSize: 10, groupCount: 2 }),
    "mta-sts:skipLiveChecks": "true",
  });
  let program: { domains: Record<string, Record<string, pulumi.Input<string | undefined>>> } | undefined;
  isolateModules(() => {
    program = require("../index");
  });
  await settle(200);
  for (const { domain, tlsRpt } of domains) {
    const out = program!.domains[domain];
    expect(out.host).toBe("aws-shared");
    const sts = engine.byName(`aws-shared-${domain}-sts-txt`);
    const policy = engine.byName(`aws-shared-${domain}-policy`);
    const stsRecord = await valueOf(out.stsRecord);
    // As written to Route 53 (split into character-strings only when over 255 octets).
    expect(sts.inputs.records).toEqual([route53TxtValue(stsRecord!)]);
    const id = createHash("sha256").update(policy.inputs.content).digest("hex").slice(0, 32);
    expect(stsRecord).toBe(`v=STSv1; id=${id}`);
    expect(await valueOf(out.policyId)).toBe(id);
    expect(await valueOf(out.policyUrl)).toBe(`https://mta-sts.${domain}/.well-known/mta-sts.txt`);
    const tlsRptRecord = await valueOf(out.tlsRptRecord);
    if (tlsRpt) expect(engine.byName(`aws-shared-${domain}-tlsrpt-txt`).inputs.records).toEqual([route53TxtValue(tlsRptRecord!)]);
    else expect(tlsRptRecord).toBeUndefined();
  }
});

/** Run index.ts on this config; the RunError it throws, if any. */
function runIndex(config: Record<string, string>): unknown {
  pulumi.runtime.setAllConfig(config);
  let thrown: unknown;
  jest.isolateModules(() => {
    try {
      require("../index");
    } catch (err) {
      thrown = err;
    }
  });
  return thrown;
}

test("a misspelt top-level key (mta-sts:sharedAWSHost) stops the program with a did-you-mean, instead of 300 distributions", async () => {
  const engine = await installMocks();
  engine.reset();
  const thrown = runIndex({
    "mta-sts:domains": JSON.stringify([{ domain: "example.com", hostedZoneId: "Z1", policy: { mode: "testing", mx: ["mx1.example.com"] } }]),
    "mta-sts:sharedAWSHost": JSON.stringify({ groupSize: 10 }),
    "mta-sts:skiplivechecks": "true",
    "aws:region": "eu-west-1",
  });
  expect(pulumi.RunError.isInstance(thrown)).toBe(true);
  const message = (thrown as Error).message;
  expect(message).toContain('mta-sts:sharedAWSHost: unknown key; did you mean "mta-sts:sharedAwsHost"?');
  expect(message).toContain('mta-sts:skiplivechecks: unknown key; did you mean "mta-sts:skipLiveChecks"?');
  expect(message).not.toContain("aws:region");
  await settle();
  expect(engine.resources).toHaveLength(0);
});

test("a skipLiveChecks that is not true or false is a config error, not a stack trace", async () => {
  await installMocks();
  const thrown = runIndex({
    "mta-sts:domains": JSON.stringify([{ domain: "example.com", hostedZoneId: "Z1", policy: { mode: "testing", mx: ["mx1.example.com"] } }]),
    "mta-sts:skipLiveChecks": "yes",
  });
  expect(pulumi.RunError.isInstance(thrown)).toBe(true);
  expect((thrown as Error).message).toContain('skipLiveChecks: must be true or false, not "yes"');
});

test("each warning is logged once, by the domain's component, naming the domain; the one-week default warns nowhere", async () => {
  const engine = await installMocks();
  engine.reset();
  // The program runs in a module registry of its own (isolateModules), so its SDK is another
  // instance: the mock engine's log is seen where it prints, on console.warn.
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  try {
    const thrown = runIndex({
      "mta-sts:domains": JSON.stringify([
        { domain: "example.com", hostedZoneId: "Z1", policy: { mode: "enforce", mx: ["mx1.example.com"] } },
        { domain: "example.org", hostedZoneId: "Z2", policy: { mode: "testing", mx: ["mx1.example.org"], maxAgeSeconds: 3600 } },
      ]),
      "mta-sts:skipLiveChecks": "true",
    });
    expect(thrown).toBeUndefined();
    await settle(200);
    expect(warn.mock.calls.map(([message]) => message)).toEqual([
      "warning: [runtime] example.org: policy.maxAgeSeconds: 3600 s is under one day: senders refetch constantly and lose the policy quickly when the policy host is down; use at least 86400 s",
    ]);
    // The domain that left max_age out is published with the default all the same.
    expect(engine.byName("example-com-policy").inputs.content).toContain("max_age: 604800\r\n");
  } finally {
    warn.mockRestore();
  }
});
