/**
 * Stable assignment of mail domains to the groups of the shared AWS policy host.
 *
 * Each group is served by one CloudFront distribution with one ACM certificate that names every
 * `mta-sts.<domain>` of the group. A certificate's names cannot change in place (ACM replaces the
 * certificate), so a domain's group must not depend on which other domains exist: adding or
 * removing one domain may touch its own group only. That rules out packing by position
 * (`index / groupSize` shifts every later domain on a deletion) and leaves a function of the
 * domain alone:
 *
 *   group(domain) = pinned group  ??  jumpHash(SHA-256(A-label domain), groupCount)
 *
 * - Jump consistent hash (Lamping & Veach, 2014, arXiv:1406.2294) spreads domains evenly over
 *   `groupCount` groups like `hash mod groupCount`, and when `groupCount` grows by one it moves
 *   only about 1/(groupCount + 1) of the domains, all into the new group (`mod` would move
 *   almost all). Raising `groupCount` is therefore a local change, not a reshuffle.
 * - A hash does not pack: some groups get more domains than others. A group over `groupSize`
 *   is a config error (never a silent spill into a neighbour, which would move domains when
 *   another one is added), with the way out in the message: pin a domain to a group with room,
 *   raise `groupSize` (moves nothing), or raise `groupCount`.
 * - Pins may name any group from 0 to MAX_GROUP_INDEX, including groups at or above
 *   `groupCount`, which the hash never uses: an operator-owned group that only pins fill.
 *
 * Pure: no Pulumi import, so the program, the CLI and the tests can compute the plan offline.
 */
import { createHash } from "node:crypto";

/** ACM's default quota of names per certificate. */
export const DEFAULT_GROUP_SIZE = 10;
/** CloudFront's quota of alternate domain names (aliases) per distribution. */
export const MAX_GROUP_SIZE = 100;
/** Enough groups for about 60 domains at the default group size without an overflow (see the README table). */
export const DEFAULT_GROUP_COUNT = 20;
/** The highest group number, for the hash and for pins (group labels run g00 to g999). */
export const MAX_GROUP_INDEX = 999;

/** One domain as grouping sees it: the normalised A-label domain and an optional pin. */
export interface GroupingEntry {
  /** The mail domain as a lowercase A-label, e.g. `example.com`. */
  readonly domain: string;
  /** An explicit group, which overrides the hash. */
  readonly group?: number;
}

/** One group that holds at least one domain. */
export interface DomainGroup {
  /** The group number, 0 to MAX_GROUP_INDEX. */
  readonly index: number;
  /** `g07`: the group's part of child names and output keys (two digits, three from 100). */
  readonly label: string;
  /** The group's mail domains, sorted (code unit order), so certificate names are stable. */
  readonly domains: readonly string[];
}

/**
 * Jump consistent hash: the bucket in [0, buckets) for a 64-bit key. A direct transcription of
 * the paper's five lines; BigInt keeps the 64-bit linear congruential step exact.
 */
export function jumpConsistentHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive whole number, not ${buckets}`);
  const mask = (1n << 64n) - 1n;
  let b = -1;
  let j = 0;
  let k = key & mask;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & mask;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The first 64 bits of SHA-256 of the A-label domain: the domain's grouping key. */
export function domainKey(domain: string): bigint {
  return createHash("sha256").update(domain, "utf8").digest().readBigUInt64BE(0);
}

/** The group the hash gives a domain (without pins): a function of the domain and `groupCount` only. */
export function hashedGroup(domain: string, groupCount: number): number {
  return jumpConsistentHash(domainKey(domain), groupCount);
}

/** The group of one entry: its pin, else its hashed group. */
export function groupOf(entry: GroupingEntry, groupCount: number): number {
  return entry.group ?? hashedGroup(entry.domain, groupCount);
}

/** `7` → `g07`, `123` → `g123`. */
export function groupLabel(index: number): string {
  return `g${String(index).padStart(2, "0")}`;
}

/**
 * The groups that hold at least one domain, by group number, each with its domains sorted.
 * Does not check sizes (see `overfullGroups`); the caller validates the entries first.
 */
export function assignGroups(entries: readonly GroupingEntry[], groupCount: number): DomainGroup[] {
  const byIndex = new Map<number, string[]>();
  for (const entry of entries) {
    const index = groupOf(entry, groupCount);
    const members = byIndex.get(index) ?? [];
    members.push(entry.domain);
    byIndex.set(index, members);
  }
  return [...byIndex.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, domains]) => ({ index, label: groupLabel(index), domains: [...domains].sort() }));
}

/** Groups with more than `groupSize` domains. */
export function overfullGroups(groups: readonly DomainGroup[], groupSize: number): DomainGroup[] {
  return groups.filter((g) => g.domains.length > groupSize);
}

/**
 * Where an operator could pin a domain out of an overfull group: the group in use with the most
 * room (pinning there replaces only that group's certificate), else the first group number at or
 * above `groupCount` that is free (a new pins-only group and distribution).
 */
export function suggestedPinTarget(groups: readonly DomainGroup[], groupSize: number, groupCount: number): number {
  const withRoom = groups.filter((g) => g.domains.length < groupSize).sort((a, b) => a.domains.length - b.domains.length || a.index - b.index);
  if (withRoom.length > 0) return withRoom[0].index;
  const used = new Set(groups.map((g) => g.index));
  let index = groupCount;
  while (used.has(index)) index++;
  return index;
}

/** ACM: the certificate's first name (its subject CN) is at most 64 octets; other names up to 253. */
export const MAX_CERTIFICATE_DOMAIN_NAME = 64;

/**
 * The names of a group's certificate: the first host (code unit order) that fits ACM's 64-octet
 * limit on the first name, and the others, sorted, as subject alternative names. A function of
 * the set of hosts only, so equal groups give equal certificate inputs (no replacement), and
 * undefined when no host is short enough (a config error).
 */
export function certificateNames(policyHosts: readonly string[]): { domainName: string; subjectAlternativeNames: string[] } | undefined {
  const hosts = [...new Set(policyHosts)].sort();
  const domainName = hosts.find((h) => h.length <= MAX_CERTIFICATE_DOMAIN_NAME);
  if (domainName === undefined) return undefined;
  return { domainName, subjectAlternativeNames: hosts.filter((h) => h !== domainName) };
}
