/**
 * The catalogue of MTA-STS guardrails: name, what it protects, default enforcement level, config,
 * and the pure check. `policies/pack.ts` turns each entry into a CrossGuard policy, which
 * `policies/index.ts` serves as the pack; tests call the checks directly. No `@pulumi/policy`
 * import here.
 */
import { checkCloudflareNamesUnique } from "./cloudflare-names";
import { checkDistributionCache, checkDistributionTls, DEFAULT_CACHE_CONFIG } from "./cloudfront";
import { checkEnforceMaxAge, DEFAULT_MAX_AGE_CONFIG } from "./max-age";
import { checkPolicyBucketPrivate, checkPolicyObject } from "./policy-file";
import { checkPolicyHostInStack, checkPublishBeforeAnnounce } from "./publish-order";
import { Outcome, RuleResource } from "./resource";
import { checkTxtRecord, checkTxtRecordsUnique } from "./txt-records";

export * from "./resource";

/** As in `@pulumi/policy`; `remediate` is not used by these rules. */
export type Level = "mandatory" | "advisory" | "disabled";

/** A JSON-schema property of a rule's config, in the subset `@pulumi/policy` accepts. */
export type ConfigProperty = { type: "integer"; default: number; minimum?: number; description: string } | { type: "array"; items: { type: "string" }; default: string[]; description: string };

interface RuleBase {
  /** The policy name: what to write in the pack config to change its level. */
  readonly name: string;
  readonly description: string;
  readonly enforcementLevel: Level;
  readonly config?: Record<string, ConfigProperty>;
}

export interface ResourceRule extends RuleBase {
  readonly kind: "resource";
  readonly check: (resource: RuleResource, config: Record<string, any>) => Outcome;
}

export interface StackRule extends RuleBase {
  readonly kind: "stack";
  readonly check: (resources: readonly RuleResource[], config: Record<string, any>) => Outcome;
}

export type Rule = ResourceRule | StackRule;

/** Every rule, in the order of the README's list. */
export const RULES: readonly Rule[] = [
  {
    kind: "resource",
    name: "mta-sts-txt-record-valid",
    description: "Route 53 and Cloudflare TXT records at _mta-sts.* parse as one valid v=STSv1 record (RFC 8461 §3.1), and at _smtp._tls.* as one valid v=TLSRPTv1 record (RFC 8460 §3).",
    enforcementLevel: "mandatory",
    check: (resource) => checkTxtRecord(resource),
  },
  {
    kind: "stack",
    name: "mta-sts-txt-record-unique",
    description: "At most one v=STSv1 (or v=TLSRPTv1) TXT record per name in the stack: with two, senders ignore both.",
    enforcementLevel: "mandatory",
    check: (resources) => checkTxtRecordsUnique(resources),
  },
  {
    kind: "resource",
    name: "mta-sts-policy-file-valid",
    description: "An S3 object at .well-known/mta-sts.txt holds a policy senders can parse, has content type text/plain, and no public ACL.",
    enforcementLevel: "mandatory",
    check: (resource) => checkPolicyObject(resource),
  },
  {
    kind: "stack",
    name: "mta-sts-policy-bucket-private",
    description: "The bucket of every .well-known/mta-sts.txt object has a public access block with all four settings on.",
    enforcementLevel: "mandatory",
    check: (resources) => checkPolicyBucketPrivate(resources),
  },
  {
    kind: "resource",
    name: "mta-sts-cloudfront-https",
    description: "A CloudFront distribution with an mta-sts.* alias answers HTTPS only, with minimum protocol TLSv1.2_2021 or newer.",
    enforcementLevel: "mandatory",
    check: (resource) => checkDistributionTls(resource),
  },
  {
    kind: "stack",
    name: "mta-sts-cloudfront-no-stale-policy",
    description: "A CloudFront distribution with an mta-sts.* alias caches /.well-known/mta-sts.txt for at most maxTtlSeconds (default 0: CachingDisabled).",
    enforcementLevel: "mandatory",
    config: {
      maxTtlSeconds: { type: "integer", minimum: 0, default: DEFAULT_CACHE_CONFIG.maxTtlSeconds, description: "Longest time in seconds CloudFront may cache the policy path." },
      allowedCachePolicyIds: { type: "array", items: { type: "string" }, default: [], description: "Ids of cache policies you have checked (maxTtl within the bound)." },
    },
    check: (resources, config) => checkDistributionCache(resources, { ...DEFAULT_CACHE_CONFIG, ...config }),
  },
  {
    kind: "stack",
    name: "mta-sts-publish-before-announce",
    description: "Every _mta-sts TXT record waits (dependsOn, directly or transitively) for the resources that serve the policy of its domain.",
    enforcementLevel: "mandatory",
    check: (resources) => checkPublishBeforeAnnounce(resources),
  },
  {
    kind: "stack",
    name: "mta-sts-policy-host-in-stack",
    description: "An _mta-sts TXT record whose policy host is not (entirely) in this stack: publish-before-announce cannot be checked for it.",
    enforcementLevel: "advisory",
    check: (resources) => checkPolicyHostInStack(resources),
  },
  {
    kind: "resource",
    name: "mta-sts-enforce-max-age",
    description: "A policy's max_age is at least one day, and in mode enforce at least minEnforceMaxAgeSeconds (default 14 days; RFC 8461 §3.2 suggests weeks).",
    enforcementLevel: "advisory",
    config: {
      minEnforceMaxAgeSeconds: { type: "integer", minimum: 0, default: DEFAULT_MAX_AGE_CONFIG.minEnforceMaxAgeSeconds, description: "Shortest max_age in seconds accepted with mode enforce." },
    },
    check: (resource, config) => checkEnforceMaxAge(resource, { ...DEFAULT_MAX_AGE_CONFIG, ...config }),
  },
  {
    kind: "stack",
    name: "mta-sts-cloudflare-name-unique",
    description: "No two Worker scripts (or two Pages projects) with one name in one Cloudflare account: they are one, and one domain would serve the other's policy.",
    enforcementLevel: "mandatory",
    check: (resources) => checkCloudflareNamesUnique(resources),
  },
];

/** A rule's config with its defaults, as `getConfig()` would return it without a config file. */
export function defaultConfig(rule: Rule): Record<string, any> {
  return Object.fromEntries(Object.entries(rule.config ?? {}).map(([key, property]) => [key, property.default]));
}
