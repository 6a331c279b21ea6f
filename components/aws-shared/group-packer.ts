/**
 * Packing mail domains into the shared AWS host's groups, without ever moving one.
 *
 * A group is one CloudFront distribution and one ACM certificate naming every host of the group;
 * AWS's quotas count distributions and certificate names (aws-quotas.ts). Hashing a domain to a
 * group (grouping.ts) is stable but does not pack: 1,000 domains hashed over 100 groups of 10
 * overflow dozens of groups, so a hashed host runs at about a third of its capacity. Packing by
 * position (`index / groupSize`) fills every group, but a removal shifts every later domain. So
 * the packer keeps an explicit assignment (`current`, e.g. the `group:` pins of a stack file) and
 * only ever adds to it:
 *
 * 1. A domain in `current` keeps its group. Always: a move replaces two certificates and moves an
 *    alias between distributions, which CloudFront only allows in two deployments, so the only
 *    moves are the ones a person writes. A pinned group over `groupSize` is reported in
 *    `overfull`, never repaired by moving a domain out.
 * 2. A domain not in `current` (in code unit order of the names, so the result does not depend on
 *    the order of `domains`) goes to:
 *    a. its hashed group, if that group is in use and has room;
 *    b. else the lowest-numbered group in use that has room (first fit: slots freed by removed
 *       domains are filled before any group is opened);
 *    c. else a new group: its hashed group if that is free, else the lowest free group number.
 *    Only groups below `groupCount` are used; groups at or above it hold what a person pins
 *    there, never a domain placed by the packer.
 * 3. A domain in `current` but not in `domains` is `released`: its slot is free for the next one.
 *
 * What that guarantees (property-tested in test/components/aws-shared/group-packer.test.ts):
 * - adding domains never moves an existing one, and removing domains never moves another;
 * - a group is opened only when every group in use below `groupCount` is full, so from no
 *   assignment N domains use exactly ⌈N / groupSize⌉ groups, and after any additions at most
 *   max(⌈N / groupSize⌉, the groups in use before). Removals can leave partly filled groups (the
 *   price of never moving), which the next additions fill first. The margin to plan for is in
 *   `groupCount`: ⌈N / groupSize⌉ × 1.1 leaves room to grow by a tenth before a config change.
 * - when the groups below `groupCount` are all full, the domains that did not fit are returned in
 *   `unplaced` (never squeezed into a full group or a group at or above `groupCount`), with
 *   `groupCountNeeded`, the `groupCount` that would place them all. Raising `groupCount` moves no
 *   domain that has an assignment.
 *
 * Existing deployments (`mode: "keep-hashed"`): a shared host deployed before it had pins serves
 * every domain from its hashed group. Its first assignment must pin each domain where it already
 * is, or the upgrade would move most of them: in this mode a domain not in `current` goes to its
 * hashed group under `groupCount` (in the order of `domains`) while that group has room, which
 * for a stack that deployed is every domain, since the host refuses a group over `groupSize`;
 * only a domain whose hashed group is full (one that cannot have been deployed there) is placed
 * as in 2.
 *
 * Pure: no Pulumi import, no I/O.
 */
import { groupLabel, hashedGroup, MAX_GROUP_INDEX, MAX_GROUP_SIZE } from "./grouping";

/** How domains without an assignment are placed. */
export type PackMode = "pack" | "keep-hashed";

export interface AssignGroupsOptions {
  /** The most domains a group may hold, 1 to 100 (names per certificate). */
  readonly groupSize: number;
  /** Groups 0 to `groupCount` - 1 are the packer's to fill, and the hash's range; 1 to 1000. */
  readonly groupCount: number;
  /**
   * `pack` (the default) fills groups as described in the module doc; `keep-hashed` first pins
   * each new domain to its hashed group, for the first assignment of a host deployed without pins.
   */
  readonly mode?: PackMode;
}

/** How a domain without an assignment got its group. */
export type PlacementReason =
  /** Its hashed group was in use and had room (or, in keep-hashed mode, simply had room). */
  | "hashed"
  /** The lowest-numbered group in use with room. */
  | "first-fit"
  /** No group in use had room: a group was opened for it. */
  | "new-group";

/** A domain that had no assignment and now has one. */
export interface PlacedDomain {
  readonly domain: string;
  readonly group: number;
  readonly reason: PlacementReason;
}

/** One group in use after the assignment. */
export interface GroupFill {
  readonly index: number;
  /** `g07`, as in the shared host's child names. */
  readonly label: string;
  /** Domains in the group. */
  readonly size: number;
  /** `groupSize - size`; negative for an overfull group. */
  readonly free: number;
  /** How many of its domains were placed by this call. */
  readonly placed: number;
}

/** What `assignGroups` returns. */
export interface GroupAssignment {
  /** Group of every placed domain of `domains`, in the order of `domains`. */
  readonly assignment: ReadonlyMap<string, number>;
  /** The domains that had no assignment and got one, in the order they were placed. */
  readonly placed: readonly PlacedDomain[];
  /** Domains of `current` that are not in `domains`; their slots were free for `placed`. */
  readonly released: readonly string[];
  /** Domains that found no room below `groupCount`, in code unit order; they have no group. */
  readonly unplaced: readonly string[];
  /** Groups that `current` fills beyond `groupSize`, with their size; nothing was moved out. */
  readonly overfull: readonly GroupFill[];
  /** Every group in use, by number. */
  readonly groups: readonly GroupFill[];
  /** ⌈domains / groupSize⌉: the fewest groups the domains fit in. */
  readonly minimumGroups: number;
  /** The smallest `groupCount` that would have placed every domain (when `unplaced` is not empty). */
  readonly groupCountNeeded?: number;
}

/**
 * Assign every domain of `domains` a group, keeping every assignment of `current` (see the
 * module doc for the rules). `current` maps an A-label domain to its group, e.g. the pins of a
 * stack file; `domains` is the full list of A-label domains the host serves, each once.
 *
 * Throws a RangeError for arguments no valid config produces (a duplicate domain, a group
 * number out of 0 to 999, options out of range).
 */
export function assignGroups(
  current: ReadonlyMap<string, number> | Readonly<Record<string, number>>,
  domains: readonly string[],
  options: AssignGroupsOptions,
): GroupAssignment {
  const { groupSize, groupCount } = options;
  const mode = options.mode ?? "pack";
  checkWhole(groupSize, 1, MAX_GROUP_SIZE, "groupSize");
  checkWhole(groupCount, 1, MAX_GROUP_INDEX + 1, "groupCount");
  if (mode !== "pack" && mode !== "keep-hashed") throw new RangeError(`mode must be "pack" or "keep-hashed", not ${JSON.stringify(mode)}`);
  const pins = current instanceof Map ? new Map(current) : new Map(Object.entries(current));
  for (const [domain, group] of pins) checkWhole(group, 0, MAX_GROUP_INDEX, `the group of ${domain}`);

  const wanted = new Set<string>();
  for (const domain of domains) {
    if (wanted.has(domain)) throw new RangeError(`${domain} is listed twice in domains; list each domain once`);
    wanted.add(domain);
  }

  // Kept assignments and the fill they give each group.
  const groupOf = new Map<string, number>();
  const size = new Map<number, number>();
  for (const domain of domains) {
    const group = pins.get(domain);
    if (group === undefined) continue;
    groupOf.set(domain, group);
    size.set(group, (size.get(group) ?? 0) + 1);
  }
  const released = [...pins.keys()].filter((d) => !wanted.has(d));

  const placed: PlacedDomain[] = [];
  const place = (domain: string, group: number, reason: PlacementReason) => {
    groupOf.set(domain, group);
    size.set(group, (size.get(group) ?? 0) + 1);
    placed.push({ domain, group, reason });
  };
  const hasRoom = (group: number) => (size.get(group) ?? 0) < groupSize;
  const inUse = (group: number) => (size.get(group) ?? 0) > 0;

  let waiting = domains.filter((d) => !groupOf.has(d));
  if (mode === "keep-hashed") {
    // In list order: the entries a stack file had first are the ones most likely deployed.
    const rest: string[] = [];
    for (const domain of waiting) {
      const hashed = hashedGroup(domain, groupCount);
      if (hasRoom(hashed)) place(domain, hashed, "hashed");
      else rest.push(domain);
    }
    waiting = rest;
  }

  const unplaced: string[] = [];
  // The lowest group below groupCount that is in use and has room. A group only loses room
  // during a call, and one that opens moves the scan back to it, so the scan never restarts from
  // 0 (which would be quadratic for a large estate).
  let firstFitFrom = 0;
  for (const domain of [...waiting].sort(codeUnitOrder)) {
    const hashed = hashedGroup(domain, groupCount);
    if (inUse(hashed) && hasRoom(hashed)) {
      place(domain, hashed, "hashed");
      continue;
    }
    while (firstFitFrom < groupCount && !(inUse(firstFitFrom) && hasRoom(firstFitFrom))) firstFitFrom++;
    if (firstFitFrom < groupCount) {
      place(domain, firstFitFrom, "first-fit");
      continue;
    }
    const opened = !inUse(hashed) ? hashed : lowestFree(size, groupCount);
    if (opened === undefined) {
      unplaced.push(domain);
      continue;
    }
    place(domain, opened, "new-group");
    // A group opened below the scan position has room the scan would skip.
    firstFitFrom = Math.min(firstFitFrom, opened);
  }

  const placedIn = new Map<number, number>();
  for (const p of placed) placedIn.set(p.group, (placedIn.get(p.group) ?? 0) + 1);
  const groups: GroupFill[] = [...size]
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a - b)
    .map(([index, n]) => ({ index, label: groupLabel(index), size: n, free: groupSize - n, placed: placedIn.get(index) ?? 0 }));
  const assignment = new Map<string, number>();
  for (const domain of domains) {
    const group = groupOf.get(domain);
    if (group !== undefined) assignment.set(domain, group);
  }
  const minimumGroups = Math.ceil(domains.length / groupSize);
  return {
    assignment,
    placed,
    released,
    unplaced,
    // Only kept assignments can overfill a group: nothing is placed in a group without room.
    overfull: groups.filter((g) => g.size > groupSize),
    groups,
    minimumGroups,
    ...(unplaced.length > 0 ? { groupCountNeeded: groupCountFor(size, unplaced.length, groupSize, groupCount) } : {}),
  };
}

/** The lowest group number below `groupCount` that holds no domain. */
function lowestFree(size: ReadonlyMap<number, number>, groupCount: number): number | undefined {
  for (let group = 0; group < groupCount; group++) if ((size.get(group) ?? 0) === 0) return group;
  return undefined;
}

/**
 * The `groupCount` that would also place `left` more domains. Every group below `groupCount` is
 * full, so the room is above it: a free group's `groupSize` slots, or what a group that pins
 * already use there has left (raising `groupCount` past it makes it the packer's to fill).
 */
function groupCountFor(size: ReadonlyMap<number, number>, left: number, groupSize: number, groupCount: number): number {
  let count = groupCount;
  let room = 0;
  while (room < left) {
    room += Math.max(0, groupSize - (size.get(count) ?? 0));
    count++;
  }
  return count;
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkWhole(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${what} must be a whole number from ${min} to ${max}, not ${value}`);
}
