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
   * Pin the domain to this group (0 to 999) instead of the one its name hashes to, e.g. to move
   * it out of a full group. Groups at or above `groupCount` are never chosen by the hash, so
   * they hold pinned domains only. Defaults to the hashed group, a function of the domain name
   * and `groupCount` alone.
   */
  group?: number;
}

/** Inputs of `AwsSharedMtaStsHost`. */
export interface AwsSharedMtaStsHostArgs {
  /** The mail domains to serve, each at most once. At least one. Required. */
  domains: SharedDomainArgs[];
  /**
   * The most domains one group (one distribution, one certificate) may hold, 1 to 100. A group
   * over it is a config error that names its domains. Raising it moves no domain, but ACM must
   * allow that many names per certificate. Defaults to 10 (ACM's default quota).
   */
  groupSize?: number;
  /**
   * How many groups the hash spreads domains over, 1 to 1000; only groups with a domain get
   * resources. A domain's group depends on its name and this number only. Raising it by one moves
   * about one domain in `groupCount` + 1 into the new group (jump consistent hash); lowering it
   * moves the domains of the dropped groups. A hash does not pack evenly: at groupSize 10, about
   * one group per 3 domains keeps a full group rare (see the README table). Defaults to 20.
   */
  groupCount?: number;
  /**
   * The DNS server the live MX checks ask, as an IP address with an optional port (e.g.
   * `127.0.0.1:5353` or `[::1]:53`). Defaults to the system's resolvers.
   */
  dnsResolver?: string;
}
