/**
 * Rule 3: a CloudFront distribution that answers for `mta-sts.<domain>`.
 *
 * Senders fetch the policy over HTTPS only and must not follow redirects (RFC 8461 §3.3), so the
 * distribution answers HTTPS only, with TLS 1.2 or newer (`TLSv1.2_2021` is CloudFront's modern
 * TLS 1.2 policy; docs/invariants.md: secure by default). And it must not keep old policy bytes
 * in its cache: the `_mta-sts` id changes when the policy does, and a sender that sees the new id
 * while the CDN still serves the old bytes caches those old bytes for their whole `max_age`
 * (docs/invariants.md: publish before announce). The managed `CachingDisabled` policy, or TTLs no
 * longer than a configured bound, prevent that.
 */
import { describe, isUnknown, normaliseHost, outcome, Outcome, RuleResource } from "./resource";

export const DISTRIBUTION = "aws:cloudfront/distribution:Distribution";
export const CACHE_POLICY = "aws:cloudfront/cachePolicy:CachePolicy";
/** AWS's managed cache policy "CachingDisabled" (every TTL 0). */
export const CACHING_DISABLED_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/** Managed cache policies that do cache, with their maximum TTL in seconds (AWS documentation). */
const MANAGED_CACHING_POLICIES: Record<string, { name: string; maxTtl: number }> = {
  "658327ea-f89d-4fab-a63d-7e88639e58f6": { name: "CachingOptimized", maxTtl: 31536000 },
  "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": { name: "CachingOptimizedForUncompressedObjects", maxTtl: 31536000 },
  "08627262-05a9-4f76-9ded-b50ca2e3a84f": { name: "Elemental-MediaPackage", maxTtl: 31536000 },
  "2e54312d-136d-493c-8eb9-b001f22f67d2": { name: "Amplify", maxTtl: 31536000 },
};
/** CloudFront's own default for `maxTtl` when a behavior uses legacy TTL settings without it. */
const CLOUDFRONT_DEFAULT_MAX_TTL = 31536000;
const POLICY_PATH = "/.well-known/mta-sts.txt";

export interface CacheConfig {
  /** Longest time, in seconds, CloudFront may cache the policy path. Defaults to 0 (never). */
  readonly maxTtlSeconds: number;
  /** Cache policy ids checked by hand (their maxTtl is within the bound). Defaults to none. */
  readonly allowedCachePolicyIds: readonly string[];
}

export const DEFAULT_CACHE_CONFIG: CacheConfig = { maxTtlSeconds: 0, allowedCachePolicyIds: [] };

/** The `mta-sts.*` aliases of a distribution; undefined when it is not a distribution or they are unknown. */
export function mtaStsAliases(resource: RuleResource): string[] | undefined {
  if (resource.type !== DISTRIBUTION) return undefined;
  const aliases = resource.props.aliases;
  if (!Array.isArray(aliases)) return undefined;
  return aliases.filter((a): a is string => typeof a === "string").map(normaliseHost).filter((a) => a.startsWith("mta-sts."));
}

/**
 * `TLSv1.2_2021` or newer: TLS 1.3 policies, or TLS 1.2 policies from 2021 on. Older ones
 * (`TLSv1`, `TLSv1_2016`, `TLSv1.1_2016`, `TLSv1.2_2018`, `TLSv1.2_2019`, `SSLv3`) still offer
 * weak ciphers or old protocol versions.
 */
export function isModernTlsPolicy(version: string): boolean {
  const match = /^TLSv1(?:\.(\d))?(?:_(\d{4}))?$/.exec(version);
  if (!match) return false;
  const minor = Number(match[1] ?? 0);
  const year = Number(match[2] ?? 0);
  return minor > 2 || (minor === 2 && year >= 2021);
}

/** Rule 3, per resource: HTTPS only, TLS 1.2 (2021) or newer. */
export function checkDistributionTls(resource: RuleResource): Outcome {
  const result = outcome();
  const aliases = mtaStsAliases(resource);
  if (!aliases || aliases.length === 0) return result;
  const where = `${describe(resource)} for ${aliases.join(", ")}`;
  const cert = resource.props.viewerCertificate;
  if (isUnknown(cert) || isUnknown(cert?.minimumProtocolVersion) || isUnknown(cert?.cloudfrontDefaultCertificate)) {
    result.undecidable.push({ reason: `${where}: the viewer certificate settings are not known yet; they are checked at \`pulumi up\`` });
  } else if (cert?.cloudfrontDefaultCertificate === true) {
    result.violations.push({ message: `${where}: uses CloudFront's default certificate, which does not cover ${aliases[0]} and allows TLS 1.0. Use an ACM certificate for the alias with sslSupportMethod "sni-only" and minimumProtocolVersion "TLSv1.2_2021".` });
  } else {
    const version = cert?.minimumProtocolVersion;
    if (typeof version !== "string" || !isModernTlsPolicy(version)) {
      const now = typeof version === "string" ? `is "${version}"` : "is not set (CloudFront then allows TLSv1)";
      result.violations.push({ message: `${where}: viewerCertificate.minimumProtocolVersion ${now}. Set it to "TLSv1.2_2021" or newer.` });
    }
  }
  for (const { label, behavior } of behaviors(resource)) {
    if (isUnknown(behavior) || isUnknown(behavior?.viewerProtocolPolicy)) {
      result.undecidable.push({ reason: `${where}: ${label} viewerProtocolPolicy is not known yet; it is checked at \`pulumi up\`` });
      continue;
    }
    const policy = behavior?.viewerProtocolPolicy;
    if (policy !== "https-only") {
      result.violations.push({
        message: `${where}: ${label} has viewerProtocolPolicy "${policy ?? "(not set)"}". Set it to "https-only": senders fetch the policy over HTTPS only and must not follow redirects (RFC 8461 §3.3).`,
      });
    }
  }
  return result;
}

/** The default and ordered cache behaviors, labelled for messages. */
function behaviors(resource: RuleResource): { label: string; behavior: any }[] {
  const out: { label: string; behavior: any }[] = [{ label: "defaultCacheBehavior", behavior: resource.props.defaultCacheBehavior }];
  const ordered = resource.props.orderedCacheBehaviors;
  if (isUnknown(ordered)) out.push({ label: "orderedCacheBehaviors", behavior: ordered });
  else if (Array.isArray(ordered)) ordered.forEach((b, i) => out.push({ label: `orderedCacheBehaviors[${i}] (${isUnknown(b?.pathPattern) ? "path unknown" : b?.pathPattern})`, behavior: b }));
  return out;
}

/** CloudFront path patterns: `*` any characters, `?` one, case-sensitive, leading `/` optional. */
export function pathPatternMatches(pattern: string, path: string): boolean {
  const normalised = pattern.startsWith("/") ? pattern : `/${pattern}`;
  const regex = new RegExp(`^${normalised.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return regex.test(path);
}

/**
 * Rule 3, across the stack: the behavior that serves `/.well-known/mta-sts.txt` caches it for at
 * most `maxTtlSeconds`. A stack rule because a cache policy declared in the same stack has no id
 * at preview; it is found through the distribution's property dependencies instead.
 */
export function checkDistributionCache(resources: readonly RuleResource[], config: CacheConfig = DEFAULT_CACHE_CONFIG): Outcome {
  const result = outcome();
  for (const resource of resources) {
    const aliases = mtaStsAliases(resource);
    if (!aliases || aliases.length === 0) continue;
    const where = `${describe(resource)} for ${aliases.join(", ")}`;
    const urn = resource.urn;
    const bound = config.maxTtlSeconds;
    const fix = `Use the managed CachingDisabled cache policy (cachePolicyId "${CACHING_DISABLED_ID}")${bound > 0 ? ` or a cache policy with maxTtl ≤ ${bound}` : ""}`;
    const serving = servingBehavior(resource);
    if (serving === "unknown") {
      result.undecidable.push({ urn, reason: `${where}: which cache behavior serves ${POLICY_PATH} is not known yet; it is checked at \`pulumi up\`` });
      continue;
    }
    const { label, behavior, key } = serving;
    const id = behavior?.cachePolicyId;
    if (id === CACHING_DISABLED_ID || (typeof id === "string" && config.allowedCachePolicyIds.includes(id))) continue;
    const stale = `so after a policy change senders can get the old bytes under the new id and keep them for their max_age`;
    if (typeof id === "string" && MANAGED_CACHING_POLICIES[id]) {
      const managed = MANAGED_CACHING_POLICIES[id];
      result.violations.push({ urn, message: `${where}: ${label} (serves ${POLICY_PATH}) uses the managed ${managed.name} cache policy, which caches for up to ${managed.maxTtl} s, ${stale}. ${fix}.` });
      continue;
    }
    if (id !== undefined && id !== null) {
      // A cache policy of this stack: read its TTLs (at preview its id is unknown, but the
      // distribution's input records where it came from).
      const declared = (resource.propertyDependencies?.[key] ?? []).filter((r) => r.type === CACHE_POLICY);
      const matching = typeof id === "string" ? declared.filter((p) => p.props.id === id) : [];
      const candidates = matching.length > 0 ? matching : declared;
      if (candidates.length === 0) {
        if (isUnknown(id)) result.undecidable.push({ urn, reason: `${where}: ${label} cachePolicyId is not known yet and no cache policy of this stack feeds it; it is checked at \`pulumi up\`` });
        else result.violations.push({ urn, message: `${where}: ${label} (serves ${POLICY_PATH}) uses cache policy "${id}", whose TTLs this pack cannot see. ${fix}, or, once you have checked that policy's maxTtl, list its id in this rule's allowedCachePolicyIds.` });
        continue;
      }
      const ttls = candidates.map((p) => ({ policy: p, maxTtl: p.props.maxTtl }));
      if (ttls.some((t) => isUnknown(t.maxTtl))) {
        result.undecidable.push({ urn, reason: `${where}: the maxTtl of its cache policy is not known yet; it is checked at \`pulumi up\`` });
        continue;
      }
      for (const { policy, maxTtl } of ttls) {
        const effective = typeof maxTtl === "number" ? maxTtl : CLOUDFRONT_DEFAULT_MAX_TTL;
        if (effective > bound) {
          result.violations.push({ urn, message: `${where}: ${label} (serves ${POLICY_PATH}) uses cache policy ${describe(policy)} with maxTtl ${effective} s, longer than the allowed ${bound} s, ${stale}. ${fix}.` });
        }
      }
      continue;
    }
    // Legacy TTL settings (no cache policy): maxTtl caps every cached copy.
    const maxTtl = behavior?.maxTtl;
    if (isUnknown(maxTtl)) {
      result.undecidable.push({ urn, reason: `${where}: ${label} maxTtl is not known yet; it is checked at \`pulumi up\`` });
      continue;
    }
    const effective = typeof maxTtl === "number" ? maxTtl : CLOUDFRONT_DEFAULT_MAX_TTL;
    if (effective > bound) {
      const now = typeof maxTtl === "number" ? `maxTtl ${maxTtl} s` : `no maxTtl (CloudFront then caches for up to ${CLOUDFRONT_DEFAULT_MAX_TTL} s)`;
      result.violations.push({ urn, message: `${where}: ${label} (serves ${POLICY_PATH}) has ${now}, longer than the allowed ${bound} s, ${stale}. ${fix}, or set minTtl, defaultTtl and maxTtl to at most ${bound}.` });
    }
  }
  return result;
}

/** The behavior CloudFront uses for the policy path: the first matching ordered one, else the default. */
function servingBehavior(resource: RuleResource): { label: string; behavior: any; key: string } | "unknown" {
  const ordered = resource.props.orderedCacheBehaviors;
  if (isUnknown(ordered)) return "unknown";
  if (Array.isArray(ordered)) {
    for (let i = 0; i < ordered.length; i++) {
      const pattern = ordered[i]?.pathPattern;
      if (isUnknown(ordered[i]) || isUnknown(pattern)) return "unknown";
      if (typeof pattern === "string" && pathPatternMatches(pattern, POLICY_PATH)) {
        return { label: `orderedCacheBehaviors[${i}] (${pattern})`, behavior: ordered[i], key: "orderedCacheBehaviors" };
      }
    }
  }
  const behavior = resource.props.defaultCacheBehavior;
  if (isUnknown(behavior)) return "unknown";
  return { label: "defaultCacheBehavior", behavior, key: "defaultCacheBehavior" };
}
