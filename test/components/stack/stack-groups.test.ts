/**
 * The group plan of a stack (stack-groups.ts): which domains the shared host serves, how the
 * unpinned ones are placed, and the quotas counted.
 *
 * Trap guarded against: the first pin run on a deployed host re-packing it (every moved domain
 * replaces two certificates and needs two deployments).
 */
import { AWS_DEFAULT_QUOTAS } from "../../../components/aws-shared/aws-quotas";
import { hashedGroup } from "../../../components/aws-shared/grouping";
import { GroupedDomain, planStackGroups, stackQuotaWarnings } from "../../../components/stack/stack-groups";

const aws = (index: number, domain: string, group?: number): GroupedDomain => ({ index, host: "aws", intent: { domain }, ...(group !== undefined ? { group } : {}) });
const list = (n: number) => Array.from({ length: n }, (_, i) => aws(i, `d${i}.example`));

describe("how unpinned domains are placed", () => {
  test("no pin yet: each keeps its hashed group (the stack may be deployed), and the packed figure is given", () => {
    const plan = planStackGroups(list(30), { sharedAwsHost: { groupSize: 10, groupCount: 12 } });
    expect(plan.shared).toMatchObject({ mode: "keep-hashed", modeReason: "no-pins-yet", pinnedBefore: 0, packedGroups: 3 });
    for (const pin of plan.newPins) expect(pin.group).toBe(hashedGroup(pin.domain, 12));
  });

  test("no pin yet and pack asked: packed into ⌈N / groupSize⌉ groups", () => {
    const plan = planStackGroups(list(30), { sharedAwsHost: { groupSize: 10, groupCount: 12 }, pack: true });
    expect(plan.shared).toMatchObject({ mode: "pack", modeReason: "pack-asked" });
    expect(plan.shared!.assignment.groups).toHaveLength(3);
  });

  test("some pin exists: the unpinned domains are new and packed, whatever `pack` says", () => {
    const plan = planStackGroups([aws(0, "a.example", 5), aws(1, "b.example"), aws(2, "c.example")], { sharedAwsHost: { groupSize: 10, groupCount: 8 }, pack: false });
    expect(plan.shared).toMatchObject({ mode: "pack", modeReason: "pins-exist", pinnedBefore: 1 });
    expect(plan.newPins.map((p) => [p.index, p.group])).toEqual([
      [1, 5],
      [2, 5],
    ]);
  });

  test("the defaults of the shared host apply: groupSize 10, groupCount 20", () => {
    const plan = planStackGroups(list(3), { sharedAwsHost: {} });
    expect(plan.shared).toMatchObject({ groupSize: 10, groupCount: 20 });
  });
});

describe("which domains count", () => {
  test("Cloudflare-hosted domains are neither grouped nor counted against AWS quotas", () => {
    const domains = [aws(0, "a.example"), { index: 1, host: "cloudflare-worker", intent: { domain: "b.example" } }];
    const plan = planStackGroups(domains, { sharedAwsHost: { groupCount: 4 } });
    expect(plan.shared!.domains).toBe(1);
    expect(plan.newPins.map((p) => p.domain)).toEqual(["a.example"]);
    expect(plan.quotas.totals.certificateNames).toBe(1);
  });

  test("without a shared host every AWS domain has its own host, and nothing is pinned", () => {
    const plan = planStackGroups(list(4));
    expect(plan.shared).toBeUndefined();
    expect(plan.isolatedAwsDomains).toBe(4);
    expect(plan.quotas.totals).toMatchObject({ distributions: 4, originAccessControls: 4 });
  });

  test("an account's raised quotas are counted against instead of the defaults", () => {
    const domains = list(101);
    expect(planStackGroups(domains).findings.map((f) => f.kind)).toEqual(["quota", "quota"]);
    expect(planStackGroups(domains, { quotaLimits: { "cloudfront-origin-access-controls-per-account": 200, "cloudfront-distributions-per-cache-policy": 200 } }).findings).toEqual([]);
  });
});

describe("the plan's quota guard: every quota counted, each one's raised figure under its own mta-sts:awsQuotas key", () => {
  // 1,000 domains pinned over groups g00 to g109: two slices, every quota in use.
  const pinned = Array.from({ length: 1000 }, (_, i) => aws(i, `brand${i}.example`, i % 110));
  const sharedAwsHost = { groupSize: 10, groupCount: 110 };
  const usage = planStackGroups(pinned, { sharedAwsHost }).quotas.usage;

  test("within the defaults there is no warning, and every quota of the table is counted with a use above zero", () => {
    expect(stackQuotaWarnings(pinned, { sharedAwsHost })).toEqual([]);
    expect(usage.map((u) => u.quota.key)).toEqual(AWS_DEFAULT_QUOTAS.map((q) => q.key));
    for (const u of usage) expect([u.quota.key, u.used > 0]).toEqual([u.quota.key, true]);
  });

  const adjustable = AWS_DEFAULT_QUOTAS.filter((q) => q.adjustable).map((q) => q.key);
  test.each(adjustable)("%s: an account figure below the stack's use is one warning at awsQuotas.<key>, naming the quota and the increase; the stack's own use is no warning", (key) => {
    const used = usage.find((u) => u.quota.key === key)!.used;
    const quota = AWS_DEFAULT_QUOTAS.find((q) => q.key === key)!;
    const warnings = stackQuotaWarnings(pinned, { sharedAwsHost, quotaLimits: { [key]: used - 1 } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0].path).toBe(`awsQuotas.${key}`);
    expect(warnings[0].message).toContain(`${quota.service} "${quota.name}"`);
    expect(warnings[0].message).toContain(`the quota is ${used - 1}`);
    expect(warnings[0].message).toMatch(/request a higher|lower groupSize|delete unused|serve the domains from the shared host/);
    expect(warnings[0].message).toContain("once AWS has raised it, set this key to the new figure");
    expect(stackQuotaWarnings(pinned, { sharedAwsHost, quotaLimits: { [key]: used } })).toEqual([]);
  });

  test("S3's bucket policy size has no key (no request raises it): past it the warning names sharedAwsHost.groupSize", () => {
    const spread = Array.from({ length: 400 }, (_, i) => aws(i, `wide${i}.example`, i));
    const warnings = stackQuotaWarnings(spread, { sharedAwsHost: { groupSize: 10, groupCount: 400 } });
    expect(warnings.map((w) => w.path)).toEqual(["sharedAwsHost.groupSize"]);
    expect(warnings[0].message).toMatch(/^S3 "Bucket policy size \(bytes\)": the shared host's bucket policy needs \d+, the limit is 20480 and cannot be raised; /);
  });

  test("101 domains with hosts of their own: the origin access controls and the managed cache policy, each under its key", () => {
    expect(stackQuotaWarnings(list(101)).map((w) => w.path)).toEqual(["awsQuotas.cloudfront-origin-access-controls-per-account", "awsQuotas.cloudfront-distributions-per-cache-policy"]);
  });
});
