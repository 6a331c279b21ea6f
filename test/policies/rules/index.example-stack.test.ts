/**
 * The policy pack against what our own components declare for the example stack
 * (Pulumi.example.yaml: AWS with Route 53, AWS with Cloudflare DNS, a Cloudflare Worker, Cloudflare
 * Pages, a domain being retired), captured under Pulumi mocks by the offline plan engine and run
 * through the pack's policies as the policy runtime would run them at preview.
 */
import type { PlannedResource } from "../../../cli/plan-engine";
import { RULES, RuleResource, UNKNOWN } from "../../../policies/rules";
import { asRuleResources, captureExampleStack } from "../../support/policy-resources";
import { runPack } from "../../support/policy-pack";

let planned: PlannedResource[];
beforeAll(async () => {
  planned = await captureExampleStack();
}, 60000);

const byName = (resources: RuleResource[], name: string) => {
  const found = resources.find((r) => r.name === name);
  if (!found) throw new Error(`no resource named ${name}`);
  return found as { -readonly [K in keyof RuleResource]: RuleResource[K] };
};

describe("the example stack passes every rule", () => {
  test("the capture holds every kind of resource the rules look at", () => {
    const types = new Set(planned.map((p) => p.type));
    for (const type of ["aws:route53/record:Record", "cloudflare:index/dnsRecord:DnsRecord", "aws:s3/bucketObjectv2:BucketObjectv2", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "aws:cloudfront/distribution:Distribution", "cloudflare:index/workersCustomDomain:WorkersCustomDomain", "cloudflare:index/pagesDomain:PagesDomain", "command:local:Command"]) {
      expect(types).toContain(type);
    }
    expect(planned.filter((p) => p.name.endsWith("-sts-txt"))).toHaveLength(5);
  });

  test("no rule reports a violation, and none is left unable to judge at preview", async () => {
    const run = await runPack(asRuleResources(planned));
    expect(run).toEqual({ violations: [], cannotRun: [] });
  });

  test("every rule of the catalogue is in the pack run", async () => {
    // A rule that is not wired would pass the test above by never running.
    const resources = asRuleResources(planned);
    const txt = byName(resources, "example-com-sts-txt");
    txt.props = { ...txt.props, records: ["v=STSv1; id=bad-id"] };
    byName(resources, "example-com-sts-txt").dependencies = [];
    const pab = byName(resources, "example-com-bucket-public-access");
    pab.props = { ...pab.props, restrictPublicBuckets: false };
    const object = byName(resources, "example-com-policy");
    object.props = { ...object.props, contentType: "application/octet-stream" };
    const cdn = byName(resources, "example-com-cdn");
    cdn.props = { ...cdn.props, viewerCertificate: { ...cdn.props.viewerCertificate, minimumProtocolVersion: "TLSv1.2_2019" }, defaultCacheBehavior: { ...cdn.props.defaultCacheBehavior, cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" } };
    const extra = { ...byName(resources, "example-net-sts-txt"), name: "hand-written-sts", urn: "urn:pulumi:plan::mta-sts::cloudflare:index/dnsRecord:DnsRecord::hand-written-sts" };
    const orphan = { ...byName(resources, "example-com-sts-txt"), name: "orphan-sts", urn: "urn:x::orphan-sts", props: { name: "_mta-sts.elsewhere.example", type: "TXT", records: ["v=STSv1; id=a1"] }, parent: undefined, dependencies: [] };
    const script = byName(resources, "xn----bcher--kva-example-script");
    const twin = { ...script, name: "twin-script", urn: "urn:pulumi:plan::mta-sts::cloudflare:index/workersScript:WorkersScript::twin-script" };
    const run = await runPack([...resources, extra, orphan, twin], { "mta-sts-enforce-max-age": { minEnforceMaxAgeSeconds: 2592001 } });
    expect(new Set(run.violations.map((v) => v.policy))).toEqual(new Set(RULES.map((r) => r.name)));
  });
});

describe("the stack rule fails when the example's ordering is broken", () => {
  test("an AWS _mta-sts record that no longer waits for the policy object is a violation naming both", async () => {
    const resources = asRuleResources(planned);
    const txt = byName(resources, "example-com-sts-txt");
    txt.dependencies = txt.dependencies!.filter((d) => d.name !== "example-com-policy");
    const run = await runPack(resources, {}, ["mta-sts-publish-before-announce"]);
    expect(run.violations).toEqual([
      {
        policy: "mta-sts-publish-before-announce",
        urn: txt.urn,
        message: expect.stringMatching(/^_mta-sts.example.com TXT "example-com-sts-txt" .* does not wait for "example-com-policy" \(aws:s3\/bucketObjectv2:BucketObjectv2\)/),
      },
    ]);
  });

  test("a Cloudflare Worker _mta-sts record with no dependencies is a violation naming the custom domain and the script", async () => {
    const resources = asRuleResources(planned);
    byName(resources, "xn----bcher--kva-example-sts-txt").dependencies = [];
    const run = await runPack(resources, {}, ["mta-sts-publish-before-announce"]);
    expect(run.violations).toHaveLength(1);
    expect(run.violations[0].message).toMatch(/does not wait for "xn----bcher--kva-example-domain" .*"xn----bcher--kva-example-script"/);
  });

  test("a Pages _mta-sts record that does not wait for the deploy command is a violation", async () => {
    const resources = asRuleResources(planned);
    const txt = byName(resources, "example-org-sts-txt");
    txt.dependencies = txt.dependencies!.filter((d) => d.name !== "example-org-deploy");
    const run = await runPack(resources, {}, ["mta-sts-publish-before-announce"]);
    expect(run.violations.map((v) => v.message)).toEqual([expect.stringMatching(/does not wait for "example-org-deploy"/)]);
  });
});

describe("what the pack reads from the example", () => {
  test("the max-age rule sees the S3 and the Worker policies in enforce mode", async () => {
    const run = await runPack(asRuleResources(planned), { "mta-sts-enforce-max-age": { minEnforceMaxAgeSeconds: 2592001 } }, ["mta-sts-enforce-max-age"]);
    expect(run.violations.map((v) => v.urn!.split("::").pop()).sort()).toEqual(["example-net-policy", "xn----bcher--kva-example-script"]);
  });

  test("a TXT value unknown at preview reaches Pulumi's can't-run advisory with the reason, not a pass", async () => {
    const resources = asRuleResources(planned);
    const txt = byName(resources, "example-com-sts-txt");
    txt.props = { ...txt.props, records: [UNKNOWN] };
    const run = await runPack(resources, {}, ["mta-sts-txt-record-valid"]);
    expect(run.violations).toEqual([]);
    expect(run.cannotRun).toEqual([{ policy: "mta-sts-txt-record-valid", message: expect.stringMatching(/_mta-sts.example.com TXT "example-com-sts-txt".*checked at `pulumi up`/) }]);
  });
});
