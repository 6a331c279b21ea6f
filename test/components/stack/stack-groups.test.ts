/**
 * The group plan of a stack (stack-groups.ts): which domains the shared host serves, how the
 * unpinned ones are placed, and the quotas counted.
 *
 * Trap guarded against: the first pin run on a deployed host re-packing it (every moved domain
 * replaces two certificates and needs two deployments).
 */
import { hashedGroup } from "../../../components/aws-shared/grouping";
import { GroupedDomain, planStackGroups } from "../../../components/stack/stack-groups";

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
    expect(planStackGroups(domains).findings.map((f) => f.kind)).toEqual(["quota"]);
    expect(planStackGroups(domains, { quotaLimits: { "cloudfront-origin-access-controls-per-account": 200 } }).findings).toEqual([]);
  });
});
