/**
 * AWS's default quotas (aws-quotas.ts) and what a stack uses of them.
 *
 * Traps guarded against: a quota figure copied from an old page (the distributions quota was 200
 * once and is 500 now); counting distributions and certificate names but not the Origin Access
 * Controls, CloudFront Functions and cache policies that stop a design first (100 isolated
 * domains; a shared host with one of each stopped at 100 groups); a bucket policy that grows
 * past S3's fixed 20 KB.
 */
import {
  ACM_CERTIFICATES,
  ACM_NAMES_PER_CERTIFICATE,
  ACM_QUOTAS_PAGE,
  AWS_DEFAULT_QUOTAS,
  CLOUDFRONT_DISTRIBUTIONS_PER_ACCOUNT,
  CLOUDFRONT_QUOTAS_PAGE,
  countAwsQuotas,
  S3_BUCKET_POLICIES_PAGE,
  S3_BUCKET_POLICY_BYTES,
} from "../../../components/aws-shared/aws-quotas";

const groupsOf = (sizes: number[], first = 0) => sizes.map((domains, i) => ({ index: first + i, label: `g${String(first + i).padStart(2, "0")}`, domains }));
const usageOf = (count: ReturnType<typeof countAwsQuotas>) => Object.fromEntries(count.usage.map((u) => [u.quota.key, u.used]));

describe("the default quotas, as their pages print them", () => {
  test("every counted quota has its figure and its page", () => {
    expect(Object.fromEntries(AWS_DEFAULT_QUOTAS.map((q) => [q.key, q.defaultValue]))).toEqual({
      "cloudfront-distributions-per-account": 500,
      "cloudfront-aliases-per-distribution": 100,
      "cloudfront-origin-access-controls-per-account": 100,
      "cloudfront-distributions-per-origin-access-control": 100,
      "cloudfront-functions-per-account": 100,
      "cloudfront-distributions-per-function": 100,
      "cloudfront-cache-policies-per-account": 20,
      "cloudfront-distributions-per-cache-policy": 100,
      "acm-names-per-certificate": 10,
      "acm-certificates": 2500,
      "s3-bucket-policy-size": 20480,
    });
    for (const q of AWS_DEFAULT_QUOTAS) expect(q.source).toBe({ ACM: ACM_QUOTAS_PAGE, CloudFront: CLOUDFRONT_QUOTAS_PAGE, S3: S3_BUCKET_POLICIES_PAGE }[q.service]);
    expect(AWS_DEFAULT_QUOTAS.filter((q) => !q.adjustable).map((q) => q.key)).toEqual(["s3-bucket-policy-size"]);
  });
});

describe("counting a stack", () => {
  test("isolated domains: one distribution, certificate and origin access control each, on the managed no-cache policy, no function", () => {
    const count = countAwsQuotas({ isolatedDomains: 30 });
    expect(count.totals).toEqual({ distributions: 30, certificates: 30, certificateNames: 30, originAccessControls: 30, functions: 0, cachePolicies: 0 });
    expect(usageOf(count)["acm-names-per-certificate"]).toBe(1);
    expect(usageOf(count)["cloudfront-distributions-per-origin-access-control"]).toBe(1);
    expect(usageOf(count)["cloudfront-distributions-per-cache-policy"]).toBe(30);
    expect(count.findings).toEqual([]);
  });

  test("101 isolated domains pass the origin access controls per account and the managed cache policy's 100 distributions, long before the distributions", () => {
    const count = countAwsQuotas({ isolatedDomains: 101 });
    expect(count.findings.map((f) => f.key)).toEqual(["cloudfront-origin-access-controls-per-account", "cloudfront-distributions-per-cache-policy"]);
    expect(count.findings[0].message).toBe(
      'CloudFront "Origin access controls per AWS account": this stack needs 101, the quota is 100; serve the domains from the shared host (mta-sts:sharedAwsHost: one origin access control per 100 groups), or request a higher CloudFront "Origin access controls per AWS account" in the Service Quotas console (or a Support Center case)',
    );
    expect(count.findings[1].message).toMatch(/^CloudFront "Distributions associated with the same cache policy": the managed CachingDisabled policy of the AwsMtaSts domains needs 101, the quota is 100; serve the domains from the shared host/);
  });

  test("the shared host: per group a distribution and a certificate naming its hosts; one origin access control, function and cache policy for groups g00 to g99", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf([10, 10, 7]) });
    expect(count.totals).toEqual({ distributions: 3, certificates: 3, certificateNames: 27, originAccessControls: 1, functions: 1, cachePolicies: 1 });
    expect(usageOf(count)).toMatchObject({
      "cloudfront-distributions-per-origin-access-control": 3,
      "cloudfront-distributions-per-function": 3,
      "cloudfront-distributions-per-cache-policy": 3,
      "acm-names-per-certificate": 10,
      "cloudfront-aliases-per-distribution": 10,
    });
    expect(count.usage.find((u) => u.quota.key === "cloudfront-distributions-per-function")!.where).toBe("the routing function of groups g00 to g99");
  });

  test("1,000 domains in 110 groups of up to 10 fit every default: groups g100 to g109 get a second origin access control, function and cache policy", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf([...Array(100).fill(9), ...Array(10).fill(10)]) });
    expect(count.findings).toEqual([]);
    expect(count.totals).toMatchObject({ distributions: 110, originAccessControls: 2, functions: 2, cachePolicies: 2 });
    expect(usageOf(count)).toMatchObject({
      "cloudfront-distributions-per-origin-access-control": 100,
      "cloudfront-distributions-per-function": 100,
      "cloudfront-distributions-per-cache-policy": 100,
    });
  });

  test("groups are sliced by number, not by count: 60 groups from g70 to g129 use two slices of 30", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf(Array(60).fill(5), 70) });
    expect(count.totals).toMatchObject({ originAccessControls: 2, functions: 2, cachePolicies: 2 });
    expect(usageOf(count)["cloudfront-distributions-per-origin-access-control"]).toBe(30);
  });

  test("the bucket policy names every distribution: past about 310 groups it passes S3's fixed 20 KB, and no raised quota changes that", () => {
    const fits = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf(Array(300).fill(10)) }, { "cloudfront-distributions-per-account": 1000 });
    expect(fits.findings).toEqual([]);
    const over = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf(Array(320).fill(10)) }, { "cloudfront-distributions-per-account": 1000, "s3-bucket-policy-size": 10 ** 6 });
    expect(over.findings.map((f) => f.key)).toEqual(["s3-bucket-policy-size"]);
    expect(over.findings[0].limit).toBe(S3_BUCKET_POLICY_BYTES);
    expect(over.findings[0].message).toMatch(/^S3 "Bucket policy size \(bytes\)": the shared host's bucket policy needs \d+, the limit is 20480 and cannot be raised; use fewer, larger groups/);
  });

  test("a group of 12 passes ACM's 10 names per certificate and names the group and the increase to request", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf([10, 12]) });
    expect(count.findings).toEqual([
      {
        key: "acm-names-per-certificate",
        used: 12,
        limit: ACM_NAMES_PER_CERTIFICATE,
        message:
          'ACM "Number of domain names per ACM certificate": group g01 needs 12, the quota is 10; lower groupSize to 10, or request a higher ACM "Number of domain names per ACM certificate" (up to 100) for us-east-1 in the Service Quotas console (or a Support Center case)',
      },
    ]);
  });

  test("isolated domains and the shared host add up against the account-wide quotas", () => {
    const count = countAwsQuotas({ isolatedDomains: 450, sharedGroups: groupsOf(Array(60).fill(10)) });
    expect(count.totals.distributions).toBe(510);
    expect(count.findings.map((f) => f.key)).toEqual(["cloudfront-distributions-per-account", "cloudfront-origin-access-controls-per-account", "cloudfront-distributions-per-cache-policy"]);
    expect(count.findings[0].used).toBe(510);
    // The isolated domains share the managed policy; the shared host's 60 distributions have their own.
    expect(count.findings[2]).toMatchObject({ used: 450 });
    expect(count.findings[0].limit).toBe(CLOUDFRONT_DISTRIBUTIONS_PER_ACCOUNT);
  });

  test("an account's raised quotas replace the defaults", () => {
    const isolated = countAwsQuotas({ isolatedDomains: 150 });
    expect(isolated.findings.map((f) => f.key)).toEqual(["cloudfront-origin-access-controls-per-account", "cloudfront-distributions-per-cache-policy"]);
    const raised = countAwsQuotas({ isolatedDomains: 150 }, { "cloudfront-origin-access-controls-per-account": 200, "cloudfront-distributions-per-cache-policy": 200 });
    expect(raised.findings).toEqual([]);
    expect(raised.usage.find((u) => u.quota.key === "cloudfront-origin-access-controls-per-account")).toMatchObject({ used: 150, limit: 200, over: false });
    expect(raised.usage.find((u) => u.quota.key === "acm-certificates")).toMatchObject({ used: 150, limit: ACM_CERTIFICATES, over: false });
    expect(() => countAwsQuotas({ isolatedDomains: 0 }, { "acm-certificates": 0 })).toThrow(/limits\["acm-certificates"\] must be a whole number from 1/);
  });

  test("an empty stack uses nothing", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: [] });
    expect(count.usage.every((u) => u.used === 0 && !u.over)).toBe(true);
  });
});
