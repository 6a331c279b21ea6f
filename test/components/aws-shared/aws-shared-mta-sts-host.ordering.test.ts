/**
 * Publish before announce (docs/invariants.md), for a domain that joins an existing group of the shared host, and for
 * one pinned into a group of a new slice: under a mock engine in which one upstream resource is
 * slow, the new domain's `_mta-sts` TXT must be registered only after that resource completed.
 * Its `_smtp._tls` record, which has no reason to wait, is the control: registered before the
 * slow resource completes, it shows the delay was in effect.
 *
 * Trap guarded against: in a shared group the distribution, certificate and routing function
 * already exist, so it is tempting to publish the new domain's id as soon as its object is
 * written; but the certificate does not name the new host and the distribution has no alias for
 * it until they are updated. In a new slice, the distribution also waits for the slice's origin
 * access control (without it S3 refuses CloudFront), cache policy and routing function.
 */
import { installMocks, MockEngine, waitForCompleted } from "../../support/pulumi-mocks";
import { hashedGroup, groupLabel } from "../../../components/aws-shared/grouping";

type Args = import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHostArgs;

const GROUP_COUNT = 2;
/** Two are enough: what is proven is that the added domain's group already exists, not how full it is. */
const EXISTING = ["alpha.example", "bravo.example"];
/** A new domain whose group already serves EXISTING domains. */
const ADDED = Array.from({ length: 100 }, (_, i) => `added${i}.example`).find((d) => EXISTING.some((e) => hashedGroup(e, GROUP_COUNT) === hashedGroup(d, GROUP_COUNT)))!;
const GROUP = groupLabel(hashedGroup(ADDED, GROUP_COUNT));

/** A domain pinned to a group of the second slice (g100 to g199), alone there. */
const FAR = "far.example";
const FAR_GROUP = "g123";

const ARGS: Args = {
  groupCount: GROUP_COUNT,
  domains: [...EXISTING, ADDED, FAR].map((domain) => ({
    domain,
    hostedZoneId: "Z123",
    policy: { mode: "testing", mx: [`mx1.${domain}`] },
    tlsRpt: { rua: [`mailto:tlsrpt@${domain}`] },
    verifyLiveMx: false,
    ...(domain === FAR ? { group: 123 } : {}),
  })),
};

const waitFor = (engine: MockEngine, resourceName: string) => waitForCompleted(engine, resourceName, 20000);

function position(engine: MockEngine, kind: "registered" | "completed", name: string): number {
  const index = engine.events.findIndex((e) => e.kind === kind && e.name === name);
  if (index < 0) throw new Error(`no ${kind} event for ${name}`);
  return index;
}

test("the added domain shares its group with existing domains", () => {
  const members = EXISTING.filter((e) => groupLabel(hashedGroup(e, GROUP_COUNT)) === GROUP);
  expect(members.length).toBeGreaterThan(0);
});

/** [label, domain, its type, the slow resource (without the component prefix) that must complete first] */
const SLOW: [string, string, string, string][] = [
  ["its policy object", ADDED, "aws:s3/bucketObjectv2:BucketObjectv2", `${ADDED}-policy`],
  ["the group's distribution", ADDED, "aws:cloudfront/distribution:Distribution", `${GROUP}-cdn`],
  ["the group's certificate validation", ADDED, "aws:acm/certificateValidation:CertificateValidation", `${GROUP}-cert-validation`],
  ["the slice's routing function", ADDED, "aws:cloudfront/function:Function", "routing"],
  ["the shared bucket policy", ADDED, "aws:s3/bucketPolicy:BucketPolicy", "bucket-policy"],
  ["its host record", ADDED, "aws:route53/record:Record", `${ADDED}-host-cname`],
  ["the new slice's routing function", FAR, "aws:cloudfront/function:Function", "s1-routing"],
  ["the new slice's origin access control", FAR, "aws:cloudfront/originAccessControl:OriginAccessControl", "s1-oac"],
  ["the new slice's cache policy", FAR, "aws:cloudfront/cachePolicy:CachePolicy", "s1-cache"],
  ["the new group's distribution", FAR, "aws:cloudfront/distribution:Distribution", `${FAR_GROUP}-cdn`],
];

describe.each(SLOW)("when %s completes late", (_label, domain, type, upstream) => {
  let engine: MockEngine;
  let AwsSharedMtaStsHost: typeof import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHost;

  const name = "late";
  beforeAll(async () => {
    // Only that one resource is slow (not every resource of its type, which for a host record
    // would also slow the TXT records themselves and the validation records before it).
    engine = await installMocks({ lateNames: { [`${name}-${upstream}`]: 400 } });
    ({ AwsSharedMtaStsHost } = await import("../../../components/aws-shared/aws-shared-mta-sts-host"));
  });

  test(`${domain}'s _mta-sts TXT is registered only after ${upstream} completed`, async () => {
    new AwsSharedMtaStsHost(name, ARGS, { transformations: [engine.captureOptions] });
    await waitFor(engine, `${name}-${domain}-sts-txt`);
    expect(engine.byName(`${name}-${upstream}`).type).toBe(type);
    expect(position(engine, "registered", `${name}-${domain}-sts-txt`)).toBeGreaterThan(position(engine, "completed", `${name}-${upstream}`));
    // Control: the TLS-RPT record does not wait, so the delay was in effect while the TXT waited.
    expect(position(engine, "registered", `${name}-${domain}-tlsrpt-txt`)).toBeLessThan(position(engine, "completed", `${name}-${upstream}`));
  });
});

describe("the captured dependsOn of the added domain's _mta-sts TXT", () => {
  let engine: MockEngine;
  let AwsSharedMtaStsHost: typeof import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHost;

  beforeAll(async () => {
    engine = await installMocks();
    ({ AwsSharedMtaStsHost } = await import("../../../components/aws-shared/aws-shared-mta-sts-host"));
  });

  test("names its object and host record, its group's validation and distribution, its slice's function, and the bucket policy", async () => {
    new AwsSharedMtaStsHost("deps", ARGS, { transformations: [engine.captureOptions] });
    await waitFor(engine, `deps-${FAR}-sts-txt`);
    expect([...(engine.dependsOn.get(`deps-${ADDED}-sts-txt`) ?? [])].sort()).toEqual(
      [`deps-${ADDED}-policy`, `deps-${ADDED}-host-cname`, `deps-${GROUP}-cert-validation`, "deps-routing", `deps-${GROUP}-cdn`, "deps-bucket-policy"].sort(),
    );
    expect([...(engine.dependsOn.get(`deps-${FAR}-sts-txt`) ?? [])].sort()).toEqual(
      [`deps-${FAR}-policy`, `deps-${FAR}-host-cname`, `deps-${FAR_GROUP}-cert-validation`, "deps-s1-routing", `deps-${FAR_GROUP}-cdn`, "deps-bucket-policy"].sort(),
    );
    // The _smtp._tls record says nothing about the policy, so it need not wait.
    expect(engine.dependsOn.get(`deps-${ADDED}-tlsrpt-txt`)).toEqual([]);
    // The distribution reads the slice's function ARN, origin access control and cache policy, and
    // the validated certificate: it is updated after all of them.
    const cdn = engine.byName(`deps-${FAR_GROUP}-cdn`);
    expect(cdn.inputs.defaultCacheBehavior.functionAssociations[0].functionArn).toContain("deps-s1-routing");
    for (const upstream of ["deps-s1-routing", "deps-s1-oac", "deps-s1-cache", `deps-${FAR_GROUP}-cert-validation`]) {
      expect([upstream, cdn.registeredAt > engine.byName(upstream).registeredAt]).toEqual([upstream, true]);
    }
  });
});
