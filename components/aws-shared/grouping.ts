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
 * - A hash does not pack: some groups get more domains than others, so a hashed host runs its
 *   certificates at about a third of their names. Pins pack: `mta-sts groups --write` (or the
 *   exported packer, group-packer.ts) writes each domain's group down, and the stack config
 *   requires one for every shared-host domain. The hash remains what a domain without a pin
 *   gets from the component used directly, and what the first pins of a host deployed without
 *   them keep (so nothing moves).
 * - A group over `groupSize` is a config error (never a silent spill into a neighbour, which
 *   would move domains when another one is added), one line per group (group-rules.ts).
 * - Pins may name any group from 0 to MAX_GROUP_INDEX, including groups at or above
 *   `groupCount`, which the hash never uses: an operator-owned group that only pins fill.
 *
 * Pure: no Pulumi import, so the program, the CLI and the tests can compute the plan offline.
 */
import { createHash } from "node:crypto";
import { ACM_NAMES_PER_CERTIFICATE, ACM_NAMES_PER_CERTIFICATE_ON_REQUEST, CLOUDFRONT_ALIASES_PER_DISTRIBUTION } from "./aws-quotas";
import { groupLabel, MAX_GROUP_INDEX } from "./group-names";

export { groupLabel, MAX_GROUP_INDEX } from "./group-names";

/** A group's names fit one certificate at ACM's default quota of names per certificate (aws-quotas.ts). */
export const DEFAULT_GROUP_SIZE = ACM_NAMES_PER_CERTIFICATE;
/** The most names ACM grants per certificate on request, which is also CloudFront's alias limit per distribution. */
export const MAX_GROUP_SIZE = Math.min(ACM_NAMES_PER_CERTIFICATE_ON_REQUEST, CLOUDFRONT_ALIASES_PER_DISTRIBUTION);
/**
 * The hash's range, and the packer's, when `groupCount` is not given: room for 200 domains at the
 * default group size when packed; hashed without pins, about 60 before a group overflows (see the
 * README table).
 */
export const DEFAULT_GROUP_COUNT = 20;

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

/**
 * The groups that hold at least one domain, by group number, each with its domains sorted: each
 * entry in its pinned group, else its hashed one. Does not check sizes (see `overfullGroups`);
 * the caller validates the entries first. (Placing domains that have no group yet, without
 * moving any other, is the packer's job: `assignGroups` in group-packer.ts.)
 */
export function collectGroups(entries: readonly GroupingEntry[], groupCount: number): DomainGroup[] {
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
