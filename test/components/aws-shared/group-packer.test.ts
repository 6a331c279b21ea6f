/**
 * The group packer (group-packer.ts): N domains in ⌈N / groupSize⌉ groups, and no domain ever
 * moved by adding or removing another.
 *
 * Traps guarded against: hashing into fixed-size groups, which overflows groups while the host
 * runs at a third of its capacity; packing by position, where one removal shifts every later
 * domain (each move replaces two certificates and needs two deployments, since CloudFront keeps
 * an alias on one distribution only); an upgrade that re-packs a host deployed without pins.
 */
import fc from "fast-check";
import { assignGroups, GroupAssignment } from "../../../components/aws-shared/group-packer";
import { collectGroups as hashGroups, hashedGroup } from "../../../components/aws-shared/grouping";

const domainArb = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/), { minLength: 1, maxLength: 2 })
  .map((labels) => `${labels.join(".")}.example`);

/** `count` distinct domains with a prefix, e.g. `base17.example`. */
function domains(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}.example`);
}

/** Every group's size, and the largest. */
function fill(result: GroupAssignment): { groups: number; largest: number } {
  return { groups: result.groups.length, largest: Math.max(0, ...result.groups.map((g) => g.size)) };
}

function expectUnmoved(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>, kept: readonly string[]): void {
  const moved = kept.filter((d) => after.get(d) !== before.get(d));
  expect(moved).toEqual([]);
}

describe("packing: N domains need ⌈N / groupSize⌉ groups", () => {
  test("1,000 domains at groupSize 10 are pinned into 100 groups (at most 110), none over 10", () => {
    const result = assignGroups({}, domains("base", 1000), { groupSize: 10, groupCount: 110 });
    expect(result.unplaced).toEqual([]);
    expect(result.assignment.size).toBe(1000);
    expect(fill(result)).toEqual({ groups: 100, largest: 10 });
    expect(result.minimumGroups).toBe(100);
    expect(result.groups.every((g) => g.index < 110)).toBe(true);
  });

  test("1,000 domains at groupSize 100 are pinned into 10 groups (at most 11), none over 100", () => {
    const result = assignGroups({}, domains("base", 1000), { groupSize: 100, groupCount: 11 });
    expect(result.unplaced).toEqual([]);
    expect(fill(result)).toEqual({ groups: 10, largest: 100 });
  });

  test("for any domain set and groupSize, packing from nothing uses exactly ⌈N / groupSize⌉ groups", () => {
    fc.assert(
      fc.property(fc.uniqueArray(domainArb, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 20 }), (list, groupSize, extra) => {
        const groupCount = Math.min(1000, Math.ceil(list.length / groupSize) + extra);
        const result = assignGroups({}, list, { groupSize, groupCount });
        expect(result.unplaced).toEqual([]);
        expect(result.groups.length).toBe(Math.ceil(list.length / groupSize));
        expect(result.groups.every((g) => g.size <= groupSize && g.index < groupCount)).toBe(true);
      }),
    );
  });

  test("the order of the domains list does not change the assignment", () => {
    fc.assert(
      fc.property(fc.uniqueArray(domainArb, { minLength: 1, maxLength: 80 }), fc.integer({ min: 1, max: 12 }), (list, groupSize) => {
        const options = { groupSize, groupCount: Math.ceil(list.length / groupSize) + 3 };
        const forward = assignGroups({}, list, options).assignment;
        const backward = assignGroups({}, [...list].reverse(), options).assignment;
        expect(new Map([...backward].sort())).toEqual(new Map([...forward].sort()));
      }),
    );
  });

  test("a new domain joins its hashed group when that group is in use and has room", () => {
    const base = domains("base", 25);
    const before = assignGroups({}, base, { groupSize: 10, groupCount: 5 }).assignment;
    const used = new Set(before.values());
    // 25 domains in 3 groups of 10: a candidate whose hashed group is one of them, with room.
    const joiner = domains("new", 200).find((d) => {
      const g = hashedGroup(d, 5);
      return used.has(g) && [...before.values()].filter((x) => x === g).length < 10;
    })!;
    const after = assignGroups(before, [...base, joiner], { groupSize: 10, groupCount: 5 });
    expect(after.placed).toEqual([{ domain: joiner, group: hashedGroup(joiner, 5), reason: "hashed" }]);
  });
});

describe("stability: adding or removing domains moves no other domain", () => {
  for (const { groupSize, groupCount, most } of [
    { groupSize: 10, groupCount: 110, most: 110 },
    { groupSize: 100, groupCount: 11, most: 11 },
  ]) {
    test(`at groupSize ${groupSize}: pin 1,000; add 20 and pin again; remove 50; the next 50 fill the freed slots`, () => {
      const options = { groupSize, groupCount };
      const first = domains("base", 1000);
      const pinned = assignGroups({}, first, options);
      expect(fill(pinned).groups).toBeLessThanOrEqual(most);

      // Add 20 and pin again: none of the first 1,000 moved.
      const grown = [...first, ...domains("added", 20)];
      const again = assignGroups(pinned.assignment, grown, options);
      expectUnmoved(pinned.assignment, again.assignment, first);
      expect(again.placed.map((p) => p.domain).sort()).toEqual(domains("added", 20).sort());
      expect(again.unplaced).toEqual([]);
      expect(fill(again).groups).toBeLessThanOrEqual(most);
      expect(fill(again).largest).toBeLessThanOrEqual(groupSize);

      // Remove 50 spread over the list: none of the others moved.
      const removed = new Set(grown.filter((_, i) => i % 20 === 7).slice(0, 50));
      expect(removed.size).toBe(50);
      const shrunk = grown.filter((d) => !removed.has(d));
      const afterRemoval = assignGroups(again.assignment, shrunk, options);
      expect(afterRemoval.placed).toEqual([]);
      expect([...afterRemoval.released].sort()).toEqual([...removed].sort());
      expectUnmoved(again.assignment, afterRemoval.assignment, shrunk);

      // The next 50 added go into the freed slots: no group is opened, and the host is as full as
      // before the removal. At groupSize 10 the 1,020 domains filled every group, so the freed
      // slots were the only room: each group gets back exactly what it lost.
      const refill = domains("later", removed.size);
      const refilled = assignGroups(afterRemoval.assignment, [...shrunk, ...refill], options);
      expectUnmoved(afterRemoval.assignment, refilled.assignment, shrunk);
      expect(refilled.placed.map((p) => p.domain).sort()).toEqual([...refill].sort());
      expect(refilled.groups.map((g) => g.index)).toEqual(again.groups.map((g) => g.index));
      const free = (r: GroupAssignment) => r.groups.reduce((sum, g) => sum + g.free, 0);
      expect(free(refilled)).toBe(free(again));
      if (free(again) === 0) expect(refilled.groups.map((g) => g.size)).toEqual(again.groups.map((g) => g.size));
    });
  }

  test("for any history of additions and removals, no kept domain moves and no group passes groupSize", () => {
    const stepArb = fc.record({ add: fc.uniqueArray(domainArb, { maxLength: 40 }), removeEvery: fc.integer({ min: 2, max: 9 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.array(stepArb, { minLength: 1, maxLength: 6 }), (groupSize, steps) => {
        const options = { groupSize, groupCount: 1000 };
        let list: string[] = [];
        let current: ReadonlyMap<string, number> = new Map();
        let groupsBefore = 0;
        for (const step of steps) {
          const kept = list.filter((_, i) => i % step.removeEvery !== 0);
          const added = step.add.filter((d) => !kept.includes(d));
          list = [...kept, ...added];
          const result = assignGroups(current, list, options);
          expectUnmoved(current, result.assignment, kept);
          expect(result.unplaced).toEqual([]);
          expect(fill(result).largest).toBeLessThanOrEqual(groupSize);
          // A group opens only when every group in use is full.
          expect(result.groups.length).toBeLessThanOrEqual(Math.max(Math.ceil(list.length / groupSize), groupsBefore));
          current = result.assignment;
          groupsBefore = result.groups.length;
        }
      }),
    );
  });

  test("assigning twice gives the same assignment and places nothing the second time", () => {
    const first = assignGroups({}, domains("base", 95), { groupSize: 10, groupCount: 12 });
    const second = assignGroups(first.assignment, domains("base", 95), { groupSize: 10, groupCount: 12 });
    expect(second.placed).toEqual([]);
    expect(second.assignment).toEqual(first.assignment);
  });

  test("the assignment can be kept as a plain object (e.g. a JSON file) as well as a Map", () => {
    const first = assignGroups({}, domains("base", 30), { groupSize: 10, groupCount: 4 });
    const fromJson = JSON.parse(JSON.stringify(Object.fromEntries(first.assignment))) as Record<string, number>;
    const again = assignGroups(fromJson, [...domains("base", 30), "new.example"], { groupSize: 10, groupCount: 4 });
    expectUnmoved(first.assignment, again.assignment, domains("base", 30));
    expect(again.placed).toHaveLength(1);
  });
});

describe("pins the packer does not own", () => {
  test("pins that overfill a group are reported, kept, and nothing new is added to that group", () => {
    const crowd = Object.fromEntries(domains("crowd", 12).map((d) => [d, 3]));
    const result = assignGroups(crowd, [...domains("crowd", 12), ...domains("new", 5)], { groupSize: 10, groupCount: 6 });
    expect(result.overfull).toEqual([{ index: 3, label: "g03", size: 12, free: -2, placed: 0 }]);
    for (const d of domains("crowd", 12)) expect(result.assignment.get(d)).toBe(3);
    expect(result.placed.every((p) => p.group !== 3)).toBe(true);
  });

  test("groups at or above groupCount keep their pins and are never filled by the packer", () => {
    const result = assignGroups({ "own.example": 500 }, ["own.example", ...domains("new", 25)], { groupSize: 10, groupCount: 2 });
    expect(result.assignment.get("own.example")).toBe(500);
    expect(result.placed.every((p) => p.group < 2)).toBe(true);
    expect(result.unplaced).toHaveLength(5);
  });

  test("pins of domains no longer listed are released and their slots reused", () => {
    const pins = Object.fromEntries(domains("old", 10).map((d) => [d, 0]));
    const result = assignGroups(pins, [...domains("old", 10).slice(2), "a.example", "b.example"], { groupSize: 10, groupCount: 1 });
    expect(result.released).toEqual(["old0.example", "old1.example"]);
    expect(result.placed).toEqual([
      { domain: "a.example", group: 0, reason: "hashed" },
      { domain: "b.example", group: 0, reason: "hashed" },
    ]);
  });
});

describe("when groupCount is too small for the domains", () => {
  test("the domains that do not fit are unplaced, never squeezed in, with the groupCount that fits them", () => {
    const list = domains("base", 125);
    const result = assignGroups({}, list, { groupSize: 10, groupCount: 10 });
    expect(result.assignment.size).toBe(100);
    expect(result.unplaced).toHaveLength(25);
    expect(result.unplaced).toEqual([...result.unplaced].sort());
    expect(fill(result)).toEqual({ groups: 10, largest: 10 });
    expect(result.groupCountNeeded).toBe(13);

    // Raising groupCount to that figure places the rest and moves nothing already placed.
    const raised = assignGroups(result.assignment, list, { groupSize: 10, groupCount: result.groupCountNeeded! });
    expect(raised.unplaced).toEqual([]);
    expectUnmoved(result.assignment, raised.assignment, [...result.assignment.keys()]);
  });

  test("the groupCount needed counts the room left in pinned groups above groupCount", () => {
    const result = assignGroups({ "own.example": 2 }, ["own.example", ...domains("x", 25)], { groupSize: 10, groupCount: 2 });
    // 20 fit in groups 0 and 1; group 2 holds the pin and has room for the other 5.
    expect(result.unplaced).toHaveLength(5);
    expect(result.groupCountNeeded).toBe(3);
    const crowded = assignGroups({ "own.example": 2 }, ["own.example", ...domains("x", 30)], { groupSize: 10, groupCount: 2 });
    expect(crowded.groupCountNeeded).toBe(4);
  });
});

describe("existing deployments: keep-hashed pins every domain where it is served now", () => {
  test("a host deployed without pins gets each domain pinned to its hashed group, the group the component serves it from", () => {
    // 40 domains hashed over 20 groups of 10: a host that deploys (no group overflows).
    const list = domains("live", 40);
    const deployed = hashGroups(list.map((domain) => ({ domain })), 20);
    expect(deployed.every((g) => g.domains.length <= 10)).toBe(true);

    const result = assignGroups({}, list, { groupSize: 10, groupCount: 20, mode: "keep-hashed" });
    expect(result.placed.every((p) => p.reason === "hashed")).toBe(true);
    const pinned = hashGroups(list.map((domain) => ({ domain, group: result.assignment.get(domain)! })), 20);
    expect(pinned).toEqual(deployed);
  });

  test("in pack mode the same host would move most of its domains, which is why the first assignment keeps them", () => {
    const list = domains("live", 40);
    const packed = assignGroups({}, list, { groupSize: 10, groupCount: 20 }).assignment;
    const moved = list.filter((d) => packed.get(d) !== hashedGroup(d, 20));
    expect(moved.length).toBeGreaterThan(20);
  });

  test("a domain whose hashed group is already full (it cannot be deployed there) is packed instead, later entries first", () => {
    const list = domains("live", 60);
    const byGroup = new Map<number, string[]>();
    for (const d of list) byGroup.set(hashedGroup(d, 4), [...(byGroup.get(hashedGroup(d, 4)) ?? []), d]);
    const result = assignGroups({}, list, { groupSize: 16, groupCount: 4, mode: "keep-hashed" });
    for (const members of byGroup.values()) {
      // The first 16 in list order keep their hashed group; the rest go elsewhere.
      for (const d of members.slice(0, 16)) expect(result.assignment.get(d)).toBe(hashedGroup(d, 4));
      for (const d of members.slice(16)) expect(result.assignment.get(d)).not.toBe(hashedGroup(d, 4));
    }
    expect(fill(result).largest).toBeLessThanOrEqual(16);
  });

  test("keep-hashed changes no existing pin", () => {
    const result = assignGroups({ "a.example": 7 }, ["a.example", "b.example"], { groupSize: 10, groupCount: 3, mode: "keep-hashed" });
    expect(result.assignment.get("a.example")).toBe(7);
    expect(result.assignment.get("b.example")).toBe(hashedGroup("b.example", 3));
  });
});

describe("arguments no valid config produces are refused", () => {
  test.each([
    [{}, ["a.example", "a.example"], { groupSize: 10, groupCount: 1 }, /a\.example is listed twice/],
    [{}, ["a.example"], { groupSize: 0, groupCount: 1 }, /groupSize must be a whole number from 1 to 100/],
    [{}, ["a.example"], { groupSize: 10, groupCount: 1001 }, /groupCount must be a whole number from 1 to 1000/],
    [{ "a.example": 1000 }, ["a.example"], { groupSize: 10, groupCount: 1 }, /the group of a\.example must be a whole number from 0 to 999/],
    [{}, ["a.example"], { groupSize: 10, groupCount: 1, mode: "spread" as never }, /mode must be "pack" or "keep-hashed"/],
  ])("%j %j %j", (current, list, options, message) => {
    expect(() => assignGroups(current, list, options)).toThrow(message);
  });
});
