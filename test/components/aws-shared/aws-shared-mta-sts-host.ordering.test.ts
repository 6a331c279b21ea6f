/**
 * Publish before announce (docs/invariants.md), for a domain that joins an existing group of
 * the shared host: under a mock engine in which one upstream resource is slow, the new domain's
 * `_mta-sts` TXT must be registered only after that resource completed. Its `_smtp._tls` record,
 * which has no reason to wait, is the control: registered before the slow resource completes,
 * it shows the delay was in effect.
 *
 * Trap guarded against: in a shared group the distribution, certificate and routing function
 * already exist, so it is tempting to publish the new domain's id as soon as its object is
 * written; but the certificate does not name the new host, the function does not route it and
 * the distribution has no alias for it until they are updated.
 */
import { installMocks, MockEngine } from "../../support/pulumi-mocks";
import { hashedGroup, groupLabel } from "../../../components/aws-shared/grouping";

type Args = import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHostArgs;

const GROUP_COUNT = 2;
const EXISTING = ["alpha.example", "bravo.example", "charlie.example", "delta.example", "echo.example", "foxtrot.example"];
/** A new domain whose group already serves EXISTING domains. */
const ADDED = Array.from({ length: 100 }, (_, i) => `added${i}.example`).find((d) => EXISTING.some((e) => hashedGroup(e, GROUP_COUNT) === hashedGroup(d, GROUP_COUNT)))!;
const GROUP = groupLabel(hashedGroup(ADDED, GROUP_COUNT));

const ARGS: Args = {
  groupCount: GROUP_COUNT,
  domains: [...EXISTING, ADDED].map((domain) => ({
    domain,
    hostedZoneId: "Z123",
    policy: { mode: "testing", mx: [`mx1.${domain}`] },
    tlsRpt: { rua: [`mailto:tlsrpt@${domain}`] },
    verifyLiveMx: false,
  })),
};

async function waitFor(engine: MockEngine, resourceName: string, timeoutMs = 20000): Promise<void> {
  const start = Date.now();
  while (!engine.events.some((e) => e.kind === "completed" && e.name === resourceName)) {
    if (Date.now() - start > timeoutMs) throw new Error(`${resourceName} never completed`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function position(engine: MockEngine, kind: "registered" | "completed", name: string): number {
  const index = engine.events.findIndex((e) => e.kind === kind && e.name === name);
  if (index < 0) throw new Error(`no ${kind} event for ${name}`);
  return index;
}

test("the added domain shares its group with existing domains", () => {
  const members = EXISTING.filter((e) => groupLabel(hashedGroup(e, GROUP_COUNT)) === GROUP);
  expect(members.length).toBeGreaterThan(0);
});

/** [label, slow type, the resource (without the component prefix) that must complete first] */
const SLOW: [string, string, string][] = [
  ["its policy object", "aws:s3/bucketObjectv2:BucketObjectv2", `${ADDED}-policy`],
  ["the group's distribution", "aws:cloudfront/distribution:Distribution", `${GROUP}-cdn`],
  ["the group's certificate validation", "aws:acm/certificateValidation:CertificateValidation", `${GROUP}-cert-validation`],
  ["the group's routing function", "aws:cloudfront/function:Function", `${GROUP}-routing`],
  ["the shared bucket policy", "aws:s3/bucketPolicy:BucketPolicy", "bucket-policy"],
  ["its host record", "aws:route53/record:Record", `${ADDED}-host-cname`],
];

describe.each(SLOW)("when %s completes late", (_label, type, upstream) => {
  let engine: MockEngine;
  let AwsSharedMtaStsHost: typeof import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHost;

  beforeAll(async () => {
    engine = await installMocks({ lateTypes: { [type]: 400 } });
    ({ AwsSharedMtaStsHost } = await import("../../../components/aws-shared/aws-shared-mta-sts-host"));
  });

  test(`the added domain's _mta-sts TXT is registered only after ${upstream} completed`, async () => {
    const name = "late";
    new AwsSharedMtaStsHost(name, ARGS, { transformations: [engine.captureOptions] });
    await waitFor(engine, `${name}-${ADDED}-sts-txt`);
    expect(position(engine, "registered", `${name}-${ADDED}-sts-txt`)).toBeGreaterThan(position(engine, "completed", `${name}-${upstream}`));
    if (type !== "aws:route53/record:Record") {
      // Control: the TLS-RPT record does not wait, so the delay was in effect while the TXT waited.
      expect(position(engine, "registered", `${name}-${ADDED}-tlsrpt-txt`)).toBeLessThan(position(engine, "completed", `${name}-${upstream}`));
    }
  });
});

describe("the captured dependsOn of the added domain's _mta-sts TXT", () => {
  let engine: MockEngine;
  let AwsSharedMtaStsHost: typeof import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHost;

  beforeAll(async () => {
    engine = await installMocks();
    ({ AwsSharedMtaStsHost } = await import("../../../components/aws-shared/aws-shared-mta-sts-host"));
  });

  test("names its object and host record, its group's validation, function and distribution, and the bucket policy", async () => {
    new AwsSharedMtaStsHost("deps", ARGS, { transformations: [engine.captureOptions] });
    await waitFor(engine, `deps-${ADDED}-sts-txt`);
    expect([...(engine.dependsOn.get(`deps-${ADDED}-sts-txt`) ?? [])].sort()).toEqual(
      [`deps-${ADDED}-policy`, `deps-${ADDED}-host-cname`, `deps-${GROUP}-cert-validation`, `deps-${GROUP}-routing`, `deps-${GROUP}-cdn`, "deps-bucket-policy"].sort(),
    );
    // The _smtp._tls record says nothing about the policy, so it need not wait.
    expect(engine.dependsOn.get(`deps-${ADDED}-tlsrpt-txt`)).toEqual([]);
    // The distribution reads the function's ARN and the validated certificate: it is updated after both.
    const cdn = engine.byName(`deps-${GROUP}-cdn`);
    expect(cdn.inputs.defaultCacheBehavior.functionAssociations[0].functionArn).toContain(`deps-${GROUP}-routing`);
    expect(cdn.registeredAt).toBeGreaterThan(engine.byName(`deps-${GROUP}-routing`).registeredAt);
  });
});
