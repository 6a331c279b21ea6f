/**
 * Where a mail domain's DNS records live: its DNS home. The two TXT records, the `mta-sts` host
 * record and the certificate's validation record all go there.
 *
 * One rule, for the components (`AwsMtaSts`, each domain of `AwsSharedMtaStsHost`) and the stack
 * config alike, so that a domain means the same in a program of one's own and in this
 * repository's stack file:
 * - a Cloudflare host (Worker or Pages) keeps its records at Cloudflare;
 * - an AWS host keeps them where `dns` says; without `dns`, at Cloudflare when `cloudflareZoneId`
 *   is given, else in Route 53 (`hostedZoneId`, or the zone named like the domain).
 *
 * Pure: no Pulumi import. A zone id that is an `Output` is not judged here (it is not known yet).
 */
import { cloudflareIdProblem } from "./cloudflare-ids";
import { ConfigIssue } from "./config";

/** Which DNS service holds a domain's records. */
export const DnsHome = { Route53: "route53", Cloudflare: "cloudflare" } as const;
export type DnsHome = (typeof DnsHome)[keyof typeof DnsHome];
export const DNS_HOMES = [DnsHome.Route53, DnsHome.Cloudflare] as const;

/** The fields the DNS home is decided from, as the components and the stack config take them. */
export interface DnsHomeFields {
  /** What serves the policy: `aws` (or absent, as in the AWS components), else a Cloudflare host. */
  readonly host?: string;
  readonly dns?: unknown;
  readonly hostedZoneId?: unknown;
  readonly cloudflareZoneId?: unknown;
  readonly adoptExistingRecords?: unknown;
}

/** Where the domain's records go. Problems with the fields are `dnsHomeIssues`'s to report. */
export function dnsHomeOf(fields: DnsHomeFields): DnsHome {
  if (fields.host !== undefined && fields.host !== "aws") return DnsHome.Cloudflare;
  if (fields.dns === DnsHome.Route53 || fields.dns === DnsHome.Cloudflare) return fields.dns;
  return fields.cloudflareZoneId !== undefined ? DnsHome.Cloudflare : DnsHome.Route53;
}

/** Where a Cloudflare zone id is found, for messages. */
export const COPY_CLOUDFLARE_ZONE_ID = "copy the zone id from the zone's overview page in the Cloudflare dashboard";

/**
 * The problems with an AWS-hosted domain's DNS fields, paths relative to the domain
 * (`cloudflareZoneId`). One mistake, one message: both zone ids without `dns` is one problem,
 * not also "the other home's zone is set".
 */
export function dnsHomeIssues(fields: DnsHomeFields): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const issue = (path: string, message: string) => void issues.push({ path, message });
  if (fields.dns !== undefined && !(DNS_HOMES as readonly unknown[]).includes(fields.dns)) {
    issue("dns", `must be "route53" or "cloudflare", not ${JSON.stringify(fields.dns)}`);
  }
  const home = dnsHomeOf(fields);
  const hasRoute53Zone = fields.hostedZoneId !== undefined;
  const cloudflareZone = fields.cloudflareZoneId;
  if (fields.dns === undefined && hasRoute53Zone && cloudflareZone !== undefined) {
    issue("cloudflareZoneId", "cannot be combined with hostedZoneId: the records live in one place; give hostedZoneId for Route 53 or cloudflareZoneId for Cloudflare DNS");
  } else if (home === DnsHome.Cloudflare) {
    if (cloudflareZone === undefined) issue("cloudflareZoneId", `is required when dns is "cloudflare"; ${COPY_CLOUDFLARE_ZONE_ID}`);
    else if (typeof cloudflareZone === "string" && cloudflareZone.trim() === "") issue("cloudflareZoneId", `must not be empty; ${COPY_CLOUDFLARE_ZONE_ID}`);
    else if (typeof cloudflareZone === "string" || typeof cloudflareZone === "number") {
      const problem = cloudflareIdProblem(cloudflareZone, "zone");
      if (problem) issue("cloudflareZoneId", problem);
    }
    if (hasRoute53Zone) issue("hostedZoneId", 'is a Route 53 zone but dns is "cloudflare"; remove it, or set dns to "route53"');
  } else if (cloudflareZone !== undefined) {
    issue("cloudflareZoneId", 'is a Cloudflare zone but dns is "route53"; remove it, or set dns to "cloudflare"');
  }
  return [...issues, ...adoptionIssues(fields)];
}

/** `adoptExistingRecords` takes over records in Route 53 only: Cloudflare's API has no overwrite. */
export function adoptionIssues(fields: DnsHomeFields): ConfigIssue[] {
  if (fields.adoptExistingRecords !== true || dnsHomeOf(fields) !== DnsHome.Cloudflare) return [];
  return [
    {
      path: "adoptExistingRecords",
      message: "works with Route 53 only; for Cloudflare DNS import the existing records with `pulumi import` (see the README) and leave this false",
    },
  ];
}
