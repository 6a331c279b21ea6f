/**
 * AWS's default quotas (aws-quotas.ts) and what a stack uses of them.
 *
 * Traps guarded against: a quota figure copied from an old page (the distributions quota was 200
 * once and is 500 now); counting distributions and certificate names but not the Origin Access
 * Controls and CloudFront Functions that stop a design first (100 isolated domains, 100 groups).
 */
import {
  ACM_CERTIFICATES,
  ACM_NAMES_PER_CERTIFICATE,
  ACM_QUOTAS_PAGE,
  AWS_DEFAULT_QUOTAS,
  CLOUDFRONT_DISTRIBUTIONS_PER_ACCOUNT,
  CLOUDFRONT_QUOTAS_PAGE,
  countAwsQuotas,
} from "../../../components/aws-shared/aws-quotas";

const groupsOf = (sizes: number[]) => sizes.map((domains, i) => ({ label: `g${String(i).padStart(2, "0")}`, domains }));
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
      "acm-names-per-certificate": 10,
      "acm-certificates": 2500,
    });
    for (const q of AWS_DEFAULT_QUOTAS) expect(q.source).toBe(q.service === "ACM" ? ACM_QUOTAS_PAGE : CLOUDFRONT_QUOTAS_PAGE);
  });
});

describe("counting a stack", () => {
  test("isolated domains: one distribution, certificate and origin access control each, no function", () => {
    const count = countAwsQuotas({ isolatedDomains: 30 });
    expect(count.totals).toEqual({ distributions: 30, certificates: 30, certificateNames: 30, originAccessControls: 30, functions: 0 });
    expect(usageOf(count)["acm-names-per-certificate"]).toBe(1);
    expect(usageOf(count)["cloudfront-distributions-per-origin-access-control"]).toBe(1);
    expect(count.findings).toEqual([]);
  });

  test("101 isolated domains pass the origin access controls per account first, long before the distributions", () => {
    const count = countAwsQuotas({ isolatedDomains: 101 });
    expect(count.findings.map((f) => f.key)).toEqual(["cloudfront-origin-access-controls-per-account"]);
    expect(count.findings[0].message).toBe(
      'CloudFront "Origin access controls per AWS account": this stack needs 101, the quota is 100; serve the domains from the shared host (mta-sts:sharedAwsHost: one origin access control in all), or request a higher CloudFront "Origin access controls per AWS account" in the Service Quotas console (or a Support Center case)',
    );
  });

  test("the shared host: one origin access control, per group a distribution, a certificate naming its hosts and a function", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf([10, 10, 7]) });
    expect(count.totals).toEqual({ distributions: 3, certificates: 3, certificateNames: 27, originAccessControls: 1, functions: 3 });
    expect(usageOf(count)).toMatchObject({
      "cloudfront-distributions-per-origin-access-control": 3,
      "cloudfront-distributions-per-function": 1,
      "acm-names-per-certificate": 10,
      "cloudfront-aliases-per-distribution": 10,
    });
  });

  test("1,000 domains in 100 groups of 10 fit the defaults exactly; 110 groups pass the functions and the OAC's distributions", () => {
    expect(countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf(Array(100).fill(10)) }).findings).toEqual([]);
    const over = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groupsOf(Array(110).fill(9)) });
    expect(over.findings.map((f) => [f.key, f.used, f.limit])).toEqual([
      ["cloudfront-distributions-per-origin-access-control", 110, 100],
      ["cloudfront-functions-per-account", 110, 100],
    ]);
    expect(over.findings[1].message).toMatch(/^CloudFront "Functions per AWS account": this stack needs 110, the quota is 100; use fewer, larger groups/);
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
    expect(count.findings.map((f) => f.key)).toEqual(["cloudfront-distributions-per-account", "cloudfront-origin-access-controls-per-account"]);
    expect(count.findings[0].used).toBe(510);
    expect(count.findings[0].limit).toBe(CLOUDFRONT_DISTRIBUTIONS_PER_ACCOUNT);
  });

  test("an account's raised quotas replace the defaults", () => {
    const groups = groupsOf(Array(110).fill(10));
    const raised = countAwsQuotas({ isolatedDomains: 0, sharedGroups: groups }, { "cloudfront-functions-per-account": 200, "cloudfront-distributions-per-origin-access-control": 200 });
    expect(raised.findings).toEqual([]);
    expect(raised.usage.find((u) => u.quota.key === "acm-certificates")).toMatchObject({ used: 110, limit: ACM_CERTIFICATES, over: false });
    expect(() => countAwsQuotas({ isolatedDomains: 0 }, { "acm-certificates": 0 })).toThrow(/limits\["acm-certificates"\] must be a whole number from 1/);
  });

  test("an empty stack uses nothing", () => {
    const count = countAwsQuotas({ isolatedDomains: 0, sharedGroups: [] });
    expect(count.usage.every((u) => u.used === 0 && !u.over)).toBe(true);
  });
});
