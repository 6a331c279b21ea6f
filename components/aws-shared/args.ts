/**
 * The inputs of `AwsSharedMtaStsHost`, in a module of their own so that the component and the
 * planner that validates them (plan-shared-host.ts) both import them, and neither the other.
 */
import { AwsDomainArgs } from "../args";

/** One mail domain served by the shared host: the fields of every AWS-hosted domain (`AwsDomainArgs`), and these. */
export interface SharedDomainArgs extends AwsDomainArgs {
  /**
   * Take over hand-made `_mta-sts`, `_smtp._tls` and `mta-sts` CNAME records in Route 53
   * (`allowOverwrite`) instead of failing because they exist. Route 53 only; for Cloudflare
   * import the records. Defaults to false.
   */
  adoptExistingRecords?: boolean;
  /**
   * The group (0 to 999) that serves the domain: one distribution and one certificate naming
   * every host of the group. Pin every domain, with the groups the exported `assignGroups` gives
   * (kept where your program keeps its state, e.g. a committed JSON file): pins fill each group
   * up to `groupSize`, so N domains need about N / `groupSize` groups, and a domain moves only
   * when its pin is edited, which a reviewer sees. Without a pin the domain's name is hashed over
   * `groupCount` groups: stable too, but a hash fills groups unevenly, so it needs about three
   * times as many groups (and distributions and certificates) before one overflows, and raising
   * `groupCount` moves domains. Groups at or above `groupCount` are never chosen by the hash or
   * the packer, so they hold only the domains pinned there. Defaults to the hashed group, a
   * function of the domain name and `groupCount` alone.
   */
  group?: number;
}

/** Inputs of `AwsSharedMtaStsHost`. */
export interface AwsSharedMtaStsHostArgs {
  /** The mail domains to serve, each at most once. At least one. Required. */
  domains: SharedDomainArgs[];
  /**
   * The most domains one group (one distribution, one certificate) may hold, 1 to 100. A group
   * over it is a config error, one line per group with its counts. Raising it moves no domain,
   * but ACM must allow that many names per certificate. Defaults to 10 (ACM's default quota).
   */
  groupSize?: number;
  /**
   * The groups 0 to `groupCount` - 1 that hashing (domains without a pin) and the packer
   * (`assignGroups`) use, 1 to 1000; only groups with a domain get resources. With pins, set it
   * to about ⌈domains / `groupSize`⌉ × 1.1, room to grow by a tenth. Without pins, a domain's
   * group depends on its name and this number only: raising it by one moves about one unpinned
   * domain in `groupCount` + 1 into the new group (jump consistent hash), lowering it moves the
   * unpinned domains of the dropped groups, and at `groupSize` 10 about one group per 3 domains
   * keeps a full group rare (see the README table). Defaults to 20.
   */
  groupCount?: number;
  /**
   * The DNS server the live MX checks ask, as an IP address with an optional port (e.g.
   * `127.0.0.1:5353` or `[::1]:53`). Defaults to the system's resolvers.
   */
  dnsResolver?: string;
}
