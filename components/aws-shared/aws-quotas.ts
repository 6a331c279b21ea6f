/**
 * AWS's default quotas that bound an MTA-STS estate on AWS, and what a stack uses of them.
 *
 * Every policy host needs an alternate domain name on a CloudFront distribution and a name on an
 * ACM certificate (in us-east-1, where CloudFront reads certificates). How many of each a stack
 * declares depends on the host:
 *
 * - `AwsMtaSts`, one per domain: a distribution, a certificate with one name and an Origin
 *   Access Control of its own, on the managed CachingDisabled cache policy, so the 100 Origin
 *   Access Controls per account stop it at 100 domains per account long before the 500
 *   distributions do.
 * - `AwsSharedMtaStsHost`: per group a distribution and a certificate naming every host of the
 *   group; per slice of 100 groups (groups g00 to g99, g100 to g199, ...; group-names.ts) one Origin
 *   Access Control, one routing CloudFront Function and one cache policy, each shared by the
 *   slice's distributions. A slice is as large as the smallest of the three per-entity quotas
 *   (100 distributions per Origin Access Control, per function, per cache policy), so none of
 *   them can be passed, and 1,000 groups take 10 of each. The names per certificate cap a group
 *   at 10 domains until ACM raises it (up to 100, which is also CloudFront's alias limit); the
 *   bucket policy, which lists every distribution, caps the host at about 300 groups (S3's 20 KB,
 *   which cannot be raised).
 *
 * Each figure is the default quota as printed on its AWS documentation page, quoted next to it.
 * They are per account (ACM: per account and region), so other stacks of the same account use
 * them too: what `countAwsQuotas` reports is this stack's share, a floor on the account's use.
 * An account with raised quotas passes its own figures as `limits`.
 *
 * Pure: no Pulumi import, no I/O.
 */
import { sharedBucketPolicyBytes } from "../aws-common/bucket-policy";
import { GROUPS_PER_SLICE, sliceGroups, sliceOf } from "./group-names";

/** The page that gives every CloudFront figure below ("Quotas - Amazon CloudFront"). */
export const CLOUDFRONT_QUOTAS_PAGE = "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html";
/** The page that gives every ACM figure below ("Quotas - AWS Certificate Manager"). */
export const ACM_QUOTAS_PAGE = "https://docs.aws.amazon.com/acm/latest/userguide/acm-limits.html";

/**
 * "Quotas - Amazon CloudFront", General quotas on distributions: "Distributions per AWS
 * account … 500". (Older versions of the page said 200.)
 */
export const CLOUDFRONT_DISTRIBUTIONS_PER_ACCOUNT = 500;
/**
 * "Quotas - Amazon CloudFront", General quotas on distributions: "Alternate domain names
 * (CNAMEs) per distribution … 100".
 */
export const CLOUDFRONT_ALIASES_PER_DISTRIBUTION = 100;
/**
 * "Quotas - Amazon CloudFront", General quotas on distributions: "Origin access controls per
 * AWS account … 100".
 */
export const CLOUDFRONT_ORIGIN_ACCESS_CONTROLS_PER_ACCOUNT = 100;
/**
 * "Quotas - Amazon CloudFront", General quotas on distributions: "Distributions per origin
 * access control … 100".
 */
export const CLOUDFRONT_DISTRIBUTIONS_PER_ORIGIN_ACCESS_CONTROL = 100;
/** "Quotas - Amazon CloudFront", Quotas on CloudFront Functions: "Functions per AWS account … 100". */
export const CLOUDFRONT_FUNCTIONS_PER_ACCOUNT = 100;
/**
 * "Quotas - Amazon CloudFront", Quotas on CloudFront Functions: "Distributions associated with
 * the same function … 100".
 */
export const CLOUDFRONT_DISTRIBUTIONS_PER_FUNCTION = 100;
/** "Quotas - Amazon CloudFront", General quotas on policies: "Cache policies per AWS account … 20". */
export const CLOUDFRONT_CACHE_POLICIES_PER_ACCOUNT = 20;
/**
 * "Quotas - Amazon CloudFront", General quotas on policies: "Distributions associated with the
 * same cache policy … 100". The page does not exempt AWS's managed policies, so it is counted for
 * the managed CachingDisabled policy too; the shared host gives each slice a cache policy of its
 * own for that reason.
 */
export const CLOUDFRONT_DISTRIBUTIONS_PER_CACHE_POLICY = 100;
/**
 * "Quotas - AWS Certificate Manager", General quotas: "Number of domain names per ACM
 * certificate … The default quota is 10 domain names for each ACM certificate … You can request
 * up to 100 domain names."
 */
export const ACM_NAMES_PER_CERTIFICATE = 10;
/** The most names ACM grants per certificate on request (same page and entry as above). */
export const ACM_NAMES_PER_CERTIFICATE_ON_REQUEST = 100;
/**
 * "Quotas - AWS Certificate Manager", General quotas: "Number of ACM certificates … 2500"
 * (expired and revoked ones count; per account and region: every certificate here is in
 * us-east-1).
 */
export const ACM_CERTIFICATES = 2500;
/**
 * "Quotas - AWS Certificate Manager", General quotas: "Number of ACM certificates per year
 * (last 365 days) … 5,000". A change to a group's domains replaces its certificate (ACM cannot
 * change a certificate's names), so this is the number of group changes a year, not counted
 * from a stack file.
 */
export const ACM_CERTIFICATES_PER_YEAR = 5000;
/** The page that gives S3's bucket policy limit ("Bucket policies for Amazon S3"). */
export const S3_BUCKET_POLICIES_PAGE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html";
/**
 * "Bucket policies for Amazon S3": "Bucket policies are limited to 20 KB in size." A fixed limit
 * (no quota to raise). The shared host's bucket policy names every group's distribution.
 */
export const S3_BUCKET_POLICY_BYTES = 20 * 1024;

/** The quotas `countAwsQuotas` counts, by a stable key. */
export type AwsQuotaKey =
  | "cloudfront-distributions-per-account"
  | "cloudfront-aliases-per-distribution"
  | "cloudfront-origin-access-controls-per-account"
  | "cloudfront-distributions-per-origin-access-control"
  | "cloudfront-functions-per-account"
  | "cloudfront-distributions-per-function"
  | "cloudfront-cache-policies-per-account"
  | "cloudfront-distributions-per-cache-policy"
  | "acm-names-per-certificate"
  | "acm-certificates"
  | "s3-bucket-policy-size";

/** One default quota, as its documentation page names it. */
export interface AwsQuota {
  readonly key: AwsQuotaKey;
  readonly service: "CloudFront" | "ACM" | "S3";
  /** The quota's name on its page, which is also the name to look for in Service Quotas. */
  readonly name: string;
  /** The default value. */
  readonly defaultValue: number;
  /** What the figure limits: the whole account, or each distribution, certificate, ... */
  readonly scope: "account" | "distribution" | "certificate" | "origin access control" | "function" | "cache policy" | "bucket policy";
  /** False for a fixed limit that no request raises (`limits` cannot change it either). */
  readonly adjustable: boolean;
  /** What to do when it is passed: the increase to request, or the change that stays within it. */
  readonly increase: string;
  /** The documentation page the figure is from. */
  readonly source: string;
}

const SERVICE_QUOTAS = "in the Service Quotas console (or a Support Center case)";
const FEWER_GROUPS = "use fewer, larger groups (a higher groupSize, which needs more ACM names per certificate)";

/** Every counted quota, in the order the groups command prints them. */
export const AWS_DEFAULT_QUOTAS: readonly AwsQuota[] = [
  {
    key: "cloudfront-distributions-per-account",
    service: "CloudFront",
    name: "Distributions per AWS account",
    defaultValue: CLOUDFRONT_DISTRIBUTIONS_PER_ACCOUNT,
    scope: "account",
    adjustable: true,
    increase: `request a higher CloudFront "Distributions per AWS account" ${SERVICE_QUOTAS}, or ${FEWER_GROUPS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-aliases-per-distribution",
    service: "CloudFront",
    name: "Alternate domain names (CNAMEs) per distribution",
    defaultValue: CLOUDFRONT_ALIASES_PER_DISTRIBUTION,
    scope: "distribution",
    adjustable: true,
    increase: `lower groupSize, or request a higher CloudFront "Alternate domain names (CNAMEs) per distribution" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-origin-access-controls-per-account",
    service: "CloudFront",
    name: "Origin access controls per AWS account",
    defaultValue: CLOUDFRONT_ORIGIN_ACCESS_CONTROLS_PER_ACCOUNT,
    scope: "account",
    adjustable: true,
    increase: `serve the domains from the shared host (mta-sts:sharedAwsHost: one origin access control per ${GROUPS_PER_SLICE} groups), or request a higher CloudFront "Origin access controls per AWS account" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-distributions-per-origin-access-control",
    service: "CloudFront",
    name: "Distributions per origin access control",
    defaultValue: CLOUDFRONT_DISTRIBUTIONS_PER_ORIGIN_ACCESS_CONTROL,
    scope: "origin access control",
    adjustable: true,
    increase: `request a higher CloudFront "Distributions per origin access control" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-functions-per-account",
    service: "CloudFront",
    name: "Functions per AWS account",
    defaultValue: CLOUDFRONT_FUNCTIONS_PER_ACCOUNT,
    scope: "account",
    adjustable: true,
    increase: `${FEWER_GROUPS}, or request a higher CloudFront "Functions per AWS account" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-distributions-per-function",
    service: "CloudFront",
    name: "Distributions associated with the same function",
    defaultValue: CLOUDFRONT_DISTRIBUTIONS_PER_FUNCTION,
    scope: "function",
    adjustable: true,
    increase: `request a higher CloudFront "Distributions associated with the same function" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-cache-policies-per-account",
    service: "CloudFront",
    name: "Cache policies per AWS account",
    defaultValue: CLOUDFRONT_CACHE_POLICIES_PER_ACCOUNT,
    scope: "account",
    adjustable: true,
    increase: `${FEWER_GROUPS}, or request a higher CloudFront "Cache policies per AWS account" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "cloudfront-distributions-per-cache-policy",
    service: "CloudFront",
    name: "Distributions associated with the same cache policy",
    defaultValue: CLOUDFRONT_DISTRIBUTIONS_PER_CACHE_POLICY,
    scope: "cache policy",
    adjustable: true,
    increase: `serve the domains from the shared host (mta-sts:sharedAwsHost: a cache policy of its own per ${GROUPS_PER_SLICE} groups), or request a higher CloudFront "Distributions associated with the same cache policy" ${SERVICE_QUOTAS}`,
    source: CLOUDFRONT_QUOTAS_PAGE,
  },
  {
    key: "acm-names-per-certificate",
    service: "ACM",
    name: "Number of domain names per ACM certificate",
    defaultValue: ACM_NAMES_PER_CERTIFICATE,
    scope: "certificate",
    adjustable: true,
    increase: `lower groupSize to ${ACM_NAMES_PER_CERTIFICATE}, or request a higher ACM "Number of domain names per ACM certificate" (up to ${ACM_NAMES_PER_CERTIFICATE_ON_REQUEST}) for us-east-1 ${SERVICE_QUOTAS}`,
    source: ACM_QUOTAS_PAGE,
  },
  {
    key: "acm-certificates",
    service: "ACM",
    name: "Number of ACM certificates",
    defaultValue: ACM_CERTIFICATES,
    scope: "account",
    adjustable: true,
    increase: `delete unused certificates in us-east-1 (expired and revoked ones count), or request a higher ACM "Number of ACM certificates" for us-east-1 ${SERVICE_QUOTAS}`,
    source: ACM_QUOTAS_PAGE,
  },
  {
    key: "s3-bucket-policy-size",
    service: "S3",
    name: "Bucket policy size (bytes)",
    defaultValue: S3_BUCKET_POLICY_BYTES,
    scope: "bucket policy",
    adjustable: false,
    increase: `${FEWER_GROUPS}: the shared host's bucket policy names every group's distribution, and S3 raises this limit for no one`,
    source: S3_BUCKET_POLICIES_PAGE,
  },
];

/** What a stack declares on AWS, as far as the quotas are concerned. */
export interface AwsHostingFootprint {
  /** Mail domains served by an `AwsMtaSts` of their own. */
  readonly isolatedDomains: number;
  /**
   * The shared host's groups in use, each with its number (which decides its slice) and how many
   * domains it serves (one certificate name and one alias each). Empty or absent: no shared host.
   */
  readonly sharedGroups?: readonly { readonly index: number; readonly label: string; readonly domains: number }[];
}

/** One counted quota: this stack's use of it against the limit. */
export interface QuotaUsage {
  readonly quota: AwsQuota;
  /**
   * The stack's use: a total for an account-wide quota; for a per-distribution, per-certificate,
   * per-OAC, per-function or per-cache-policy quota, the most any one of them holds (see `where`).
   */
  readonly used: number;
  /** The limit counted against: the default quota, or the account's own figure from `limits`. */
  readonly limit: number;
  /** `used > limit`: AWS would refuse the deployment. */
  readonly over: boolean;
  /** For a per-entity quota, which one holds the most, e.g. `group g07`. */
  readonly where?: string;
}

/** A quota the stack would pass: one line for an operator, and the increase to request. */
export interface QuotaFinding {
  readonly key: AwsQuotaKey;
  readonly used: number;
  readonly limit: number;
  /** `CloudFront "Distributions per AWS account": this stack needs 520, the quota is 500; request …`. */
  readonly message: string;
}

/** What `countAwsQuotas` returns. */
export interface QuotaCount {
  /** Resources that count against account-wide quotas. */
  readonly totals: {
    readonly distributions: number;
    readonly certificates: number;
    readonly certificateNames: number;
    readonly originAccessControls: number;
    readonly functions: number;
    /** Cache policies of the stack's own (the isolated domains use the managed CachingDisabled). */
    readonly cachePolicies: number;
  };
  /** Every counted quota, in `AWS_DEFAULT_QUOTAS` order. */
  readonly usage: readonly QuotaUsage[];
  /** The quotas passed; empty when the stack fits. */
  readonly findings: readonly QuotaFinding[];
}

/**
 * Count what a stack declares against AWS's quotas: per isolated domain one distribution, one
 * certificate with one name and one Origin Access Control, all on the managed CachingDisabled
 * policy; for the shared host, per group one distribution and one certificate naming its hosts,
 * and per slice of groups one Origin Access Control, one CloudFront Function and one cache policy
 * shared by the slice's distributions; and the shared bucket policy's size.
 *
 * `limits` replaces default figures for an account whose quotas were raised (a fixed limit, such
 * as S3's bucket policy size, keeps its figure).
 */
export function countAwsQuotas(footprint: AwsHostingFootprint, limits: Partial<Record<AwsQuotaKey, number>> = {}): QuotaCount {
  const isolated = footprint.isolatedDomains;
  if (!Number.isInteger(isolated) || isolated < 0) throw new RangeError(`isolatedDomains must be a whole number from 0, not ${isolated}`);
  for (const g of footprint.sharedGroups ?? []) {
    if (!Number.isInteger(g.domains) || g.domains < 0) throw new RangeError(`group ${g.label} must hold a whole number of domains from 0, not ${g.domains}`);
    if (!Number.isInteger(g.index) || g.index < 0) throw new RangeError(`group ${g.label} must have a whole group number from 0, not ${g.index}`);
  }
  const groups = (footprint.sharedGroups ?? []).filter((g) => g.domains > 0);
  const fullest = groups.reduce<{ label: string; domains: number } | undefined>((best, g) => (best === undefined || g.domains > best.domains ? g : best), undefined);
  const sharedNames = groups.reduce((sum, g) => sum + g.domains, 0);
  // Distributions per slice: each slice's Origin Access Control, function and cache policy serve them.
  const perSlice = new Map<number, number>();
  for (const g of groups) perSlice.set(sliceOf(g.index), (perSlice.get(sliceOf(g.index)) ?? 0) + 1);
  const busiest = [...perSlice].sort(([a, n], [b, m]) => m - n || a - b)[0];
  const sliceWhere = (what: string) => (busiest ? `the ${what} of ${sliceGroups(busiest[0])}` : undefined);

  const totals = {
    distributions: isolated + groups.length,
    certificates: isolated + groups.length,
    certificateNames: isolated + sharedNames,
    originAccessControls: isolated + perSlice.size,
    functions: perSlice.size,
    cachePolicies: perSlice.size,
  };
  const perEntity = (what: string) =>
    busiest && busiest[1] >= 1 ? { used: busiest[1], where: sliceWhere(what)! } : { used: isolated > 0 ? 1 : 0, ...(isolated > 0 ? { where: `each AwsMtaSts domain's ${what}` } : {}) };
  // The most names (and aliases) on one certificate (distribution): a group's hosts, or the one
  // host of an isolated domain.
  const perCertificate = fullest !== undefined ? { used: fullest.domains, where: `group ${fullest.label}` } : { used: isolated > 0 ? 1 : 0 };
  // The isolated domains share the managed CachingDisabled policy; each slice has its own.
  const sharedCache = perEntity("cache policy");
  const perCachePolicy = isolated > sharedCache.used ? { used: isolated, where: "the managed CachingDisabled policy of the AwsMtaSts domains" } : sharedCache;
  const used: Record<AwsQuotaKey, { used: number; where?: string }> = {
    "cloudfront-distributions-per-account": { used: totals.distributions },
    "cloudfront-aliases-per-distribution": perCertificate,
    "cloudfront-origin-access-controls-per-account": { used: totals.originAccessControls },
    "cloudfront-distributions-per-origin-access-control": busiest ? perEntity("origin access control") : { used: isolated > 0 ? 1 : 0 },
    "cloudfront-functions-per-account": { used: totals.functions },
    "cloudfront-distributions-per-function": busiest ? perEntity("routing function") : { used: 0 },
    "cloudfront-cache-policies-per-account": { used: totals.cachePolicies },
    "cloudfront-distributions-per-cache-policy": perCachePolicy,
    "acm-names-per-certificate": perCertificate,
    "acm-certificates": { used: totals.certificates },
    "s3-bucket-policy-size": groups.length > 0 ? { used: sharedBucketPolicyBytes(groups.length), where: "the shared host's bucket policy" } : { used: 0 },
  };

  const usage: QuotaUsage[] = AWS_DEFAULT_QUOTAS.map((quota) => {
    const limit = quota.adjustable ? (limits[quota.key] ?? quota.defaultValue) : quota.defaultValue;
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limits["${quota.key}"] must be a whole number from 1, not ${limit}`);
    const u = used[quota.key];
    return { quota, used: u.used, limit, over: u.used > limit, ...(u.where !== undefined ? { where: u.where } : {}) };
  });
  const findings = usage.filter((u) => u.over).map((u) => ({ key: u.quota.key, used: u.used, limit: u.limit, message: quotaMessage(u) }));
  return { totals, usage, findings };
}

/** One line: which quota, this stack's use against the limit, and what to request. */
function quotaMessage(u: QuotaUsage): string {
  const what = u.quota.scope === "account" ? `this stack needs ${u.used}` : `${u.where ?? `one ${u.quota.scope}`} needs ${u.used}`;
  const limit = u.quota.adjustable ? `the quota is ${u.limit}` : `the limit is ${u.limit} and cannot be raised`;
  return `${u.quota.service} "${u.quota.name}": ${what}, ${limit}; ${u.quota.increase}`;
}
