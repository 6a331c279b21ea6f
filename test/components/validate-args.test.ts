/**
 * The components refuse what the first-hour report found the stack config accepting, with the
 * same rules (they live in the model): a policy senders refuse for its size, names DNS cannot
 * hold, Cloudflare ids that are not ids. Each throws one MtaStsConfigError before anything is
 * declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { installMocks, MockEngine, settle } from "../support/pulumi-mocks";

let engine: MockEngine;
let aws: typeof import("../../components/aws/aws-mta-sts");
let cloudflare: typeof import("../../components/cloudflare/cloudflare-mta-sts");
let shared: typeof import("../../components/aws-shared/aws-shared-mta-sts-host");

beforeAll(async () => {
  engine = await installMocks();
  aws = await import("../../components/aws/aws-mta-sts");
  cloudflare = await import("../../components/cloudflare/cloudflare-mta-sts");
  shared = await import("../../components/aws-shared/aws-shared-mta-sts-host");
});
beforeEach(() => engine.reset());

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const policy = { mode: "testing" as const, mx: ["mx1.example.com"], maxAgeSeconds: 1209600 };
const longDomain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(53)}.example`;
const manyMx = Array.from({ length: 3500 }, (_, i) => `mx${i}.mailhosts.example.com`);

/** The MtaStsConfigError `declare` throws, after checking that nothing reached the engine. */
async function refused(declare: () => unknown): Promise<{ path: string; message: string }[]> {
  let error: any;
  try {
    declare();
  } catch (err) {
    error = err;
  }
  expect(error?.name).toBe("MtaStsConfigError");
  await settle();
  expect(engine.resources).toHaveLength(0);
  return error.issues;
}

describe("what senders or DNS refuse", () => {
  test("AwsMtaSts refuses 3,500 mx entries at policy.mx: the policy would be over 64 KiB (RFC 8461 §3.3)", async () => {
    const issues = await refused(() => new aws.AwsMtaSts("big", { domain: "example.com", hostedZoneId: "Z1", policy: { ...policy, mx: manyMx }, verifyLiveMx: false }));
    expect(issues).toEqual([{ path: "policy.mx", message: expect.stringMatching(/policy of \d+ bytes, over the 65536 senders read/) }]);
  });

  test("CloudflareMtaSts refuses a 253-octet domain: _mta-sts.<domain> would not fit DNS", async () => {
    const issues = await refused(() => new cloudflare.CloudflareMtaSts("long", { domain: longDomain, zoneId: ZONE, accountId: ACCOUNT, policy, verifyLiveMx: false }));
    expect(issues).toEqual([{ path: "domain", message: expect.stringMatching(/_mta-sts\.<domain> would be 262.*over DNS's 253/) }]);
  });

  test("AwsSharedMtaStsHost refuses them per domain, with the domain's path", async () => {
    const issues = await refused(
      () =>
        new shared.AwsSharedMtaStsHost("host", {
          domains: [
            { domain: "example.com", hostedZoneId: "Z1", policy, verifyLiveMx: false },
            { domain: "example.net", hostedZoneId: "Z2", policy: { ...policy, mx: manyMx }, verifyLiveMx: false },
          ],
        }),
    );
    expect(issues.map((i) => i.path)).toEqual(["domains[1].policy.mx"]);
  });
});

describe("Cloudflare ids are 32 hex characters", () => {
  test("CloudflareMtaSts refuses zoneId: my-zone and an account id read as a number, and says to quote it", async () => {
    const issues = await refused(() => new cloudflare.CloudflareMtaSts("ids", { domain: "example.org", zoneId: "my-zone", accountId: 1.2345678901234568e31 as unknown as string, policy, verifyLiveMx: false }));
    expect(issues).toEqual([
      { path: "zoneId", message: expect.stringMatching(/"my-zone" is not a Cloudflare zone id: it must be 32 hex characters/) },
      { path: "accountId", message: expect.stringMatching(/read as a number.*quote it/) },
    ]);
  });

  test("AwsMtaSts refuses a cloudflareZoneId that is not an id", async () => {
    const issues = await refused(() => new aws.AwsMtaSts("ids", { domain: "example.com", cloudflareZoneId: "zone1", policy, verifyLiveMx: false }));
    expect(issues).toEqual([{ path: "cloudflareZoneId", message: expect.stringMatching(/"zone1" is not a Cloudflare zone id/) }]);
  });

  test("an id given as an Output is not judged: only plain values can be", async () => {
    new cloudflare.CloudflareMtaSts("later", { domain: "example.org", zoneId: pulumi.output("not-known-yet"), accountId: pulumi.output(ACCOUNT), policy, verifyLiveMx: false });
    await settle(100);
    expect(engine.resources.map((r) => r.name)).toContain("later-script");
  });
});

describe("__proto__ in args is an unknown field, not a prototype", () => {
  // Args that arrive deserialised (another language's program, JSON) carry it as an own key.
  test.each([
    ["AwsMtaSts", () => new aws.AwsMtaSts("proto", JSON.parse(`{"domain": "example.com", "hostedZoneId": "Z1", "policy": {"mode": "testing", "mx": ["mx1.example.com"]}, "__proto__": {"verifyLiveMx": false}}`))],
    ["CloudflareMtaSts", () => new cloudflare.CloudflareMtaSts("proto", JSON.parse(`{"domain": "example.org", "zoneId": "${ZONE}", "accountId": "${ACCOUNT}", "policy": {"mode": "testing", "mx": ["mx1.example.com"], "__proto__": {"mode": "none"}}}`))],
  ])("%s refuses it", async (_, declare) => {
    const issues = await refused(declare);
    expect(issues).toEqual([{ path: expect.stringMatching(/(^|\.)__proto__$/), message: expect.stringMatching(/^unknown field/) }]);
  });
});

describe("one Worker per domain", () => {
  test("shop.acme-example.org and shop-acme.example.org upload two scripts, each bound to its own domain", async () => {
    new cloudflare.CloudflareMtaSts("a", { domain: "shop.acme-example.org", zoneId: ZONE, accountId: ACCOUNT, policy, verifyLiveMx: false });
    new cloudflare.CloudflareMtaSts("b", { domain: "shop-acme.example.org", zoneId: ZONE, accountId: ACCOUNT, policy, verifyLiveMx: false });
    await settle(200);
    const scripts = engine.byType("cloudflare:index/workersScript:WorkersScript").map((r) => r.inputs.scriptName);
    expect(scripts.sort()).toEqual(["mta-sts-shop--acme-example-org", "mta-sts-shop-acme--example-org"]);
    const bindings = engine.byType("cloudflare:index/workersCustomDomain:WorkersCustomDomain").map((r) => `${r.inputs.hostname} → ${r.inputs.service}`);
    expect(bindings.sort()).toEqual(["mta-sts.shop-acme.example.org → mta-sts-shop--acme-example-org", "mta-sts.shop.acme-example.org → mta-sts-shop-acme--example-org"]);
  });
});
