/**
 * Publish before announce (docs/invariants.md), under a mock engine in which one upstream
 * resource is slow. The SDK registers a resource only when its `dependsOn` and the Outputs it
 * reads have resolved, so the `_mta-sts` TXT record must be registered after the slow resource
 * completed. The `_smtp._tls` record, which has no reason to wait, is the control: it is
 * registered before the slow resource completes, which shows the delay is real and that a TXT
 * record without the dependency would be published too early.
 *
 * Trap guarded against: TXT and policy updated in parallel, so senders fetch the old policy under
 * the new id (or hit a host with no valid certificate yet).
 */
import { installMocks, MockEngine, waitForCompleted } from "../../support/pulumi-mocks";

type Args = import("../../../components/aws/aws-mta-sts").AwsMtaStsArgs;

const ARGS: Args = {
  domain: "example.com",
  hostedZoneId: "Z123",
  policy: { mode: "testing", mx: ["mx1.example.com", "*.mail.example.com"], maxAgeSeconds: 604800 },
  tlsRpt: { rua: ["mailto:tlsrpt@example.com"] },
  verifyLiveMx: false,
};

const waitFor = (engine: MockEngine, resourceName: string) => waitForCompleted(engine, resourceName, 10000);

function position(engine: MockEngine, kind: "registered" | "completed", name: string): number {
  const index = engine.events.findIndex((e) => e.kind === kind && e.name === name);
  if (index < 0) throw new Error(`no ${kind} event for ${name}`);
  return index;
}

const SLOW: [string, string, string][] = [
  ["the policy object", "aws:s3/bucketObjectv2:BucketObjectv2", "policy"],
  ["the CloudFront distribution", "aws:cloudfront/distribution:Distribution", "cdn"],
  ["the certificate validation", "aws:acm/certificateValidation:CertificateValidation", "cert-validation"],
  ["the bucket policy", "aws:s3/bucketPolicy:BucketPolicy", "bucket-policy"],
];

describe.each(SLOW)("when %s completes late", (_label, type, role) => {
  let engine: MockEngine;
  let AwsMtaSts: typeof import("../../../components/aws/aws-mta-sts").AwsMtaSts;

  beforeAll(async () => {
    engine = await installMocks({ lateTypes: { [type]: 400 } });
    ({ AwsMtaSts } = await import("../../../components/aws/aws-mta-sts"));
  });

  test(`the _mta-sts TXT is registered only after ${role} completed`, async () => {
    const name = `late-${role}`;
    new AwsMtaSts(name, ARGS, { transformations: [engine.captureOptions] });
    await waitFor(engine, `${name}-sts-txt`);
    expect(position(engine, "registered", `${name}-sts-txt`)).toBeGreaterThan(position(engine, "completed", `${name}-${role}`));
    // Control: the TLS-RPT record does not wait, so the delay was in effect while the TXT waited.
    expect(position(engine, "registered", `${name}-tlsrpt-txt`)).toBeLessThan(position(engine, "completed", `${name}-${role}`));
  });
});

describe("the captured dependsOn of the _mta-sts TXT", () => {
  let engine: MockEngine;
  let AwsMtaSts: typeof import("../../../components/aws/aws-mta-sts").AwsMtaSts;

  beforeAll(async () => {
    engine = await installMocks();
    ({ AwsMtaSts } = await import("../../../components/aws/aws-mta-sts"));
  });

  test("names the object, bucket policy, certificate validation, distribution and both host records (Route 53)", async () => {
    new AwsMtaSts("deps", ARGS, { transformations: [engine.captureOptions] });
    await waitFor(engine, "deps-sts-txt");
    expect([...(engine.dependsOn.get("deps-sts-txt") ?? [])].sort()).toEqual(
      ["deps-policy", "deps-bucket-policy", "deps-cert-validation", "deps-cdn", "deps-host-a", "deps-host-aaaa"].sort(),
    );
    // The _smtp._tls record says nothing about the policy, so it need not wait.
    expect(engine.dependsOn.get("deps-tlsrpt-txt")).toEqual([]);
  });

  test("names the host CNAME instead of alias records when the records are at Cloudflare", async () => {
    const { hostedZoneId: _omitted, ...rest } = ARGS;
    new AwsMtaSts("cfdeps", { ...rest, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00" }, { transformations: [engine.captureOptions] });
    await waitFor(engine, "cfdeps-sts-txt");
    expect([...(engine.dependsOn.get("cfdeps-sts-txt") ?? [])].sort()).toEqual(
      ["cfdeps-policy", "cfdeps-bucket-policy", "cfdeps-cert-validation", "cfdeps-cdn", "cfdeps-host-cname"].sort(),
    );
  });
});
