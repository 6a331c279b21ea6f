/**
 * Policy pack, rule 3: a CloudFront distribution for mta-sts.* is HTTPS only with TLSv1.2_2021 or
 * newer, and does not cache the policy path beyond the configured TTL (the stale-cache trap).
 */
import { CACHING_DISABLED_ID, checkDistributionCache, checkDistributionTls, isModernTlsPolicy, pathPatternMatches } from "../../../policies/rules/cloudfront";
import { UNKNOWN } from "../../../policies/rules";
import { res } from "../../support/policy-resources";

const DIST = "aws:cloudfront/distribution:Distribution";
const behavior = { allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"], targetOriginId: "o", viewerProtocolPolicy: "https-only", cachePolicyId: CACHING_DISABLED_ID };
const distribution = (props: Record<string, unknown> = {}, links = {}) =>
  res(DIST, "cdn", { aliases: ["mta-sts.example.com"], viewerCertificate: { acmCertificateArn: UNKNOWN, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" }, defaultCacheBehavior: behavior, ...props }, links);
const messages = (o: { violations: { message: string }[] }) => o.violations.map((v) => v.message);

describe("rule 3: HTTPS only, TLS 1.2 (2021) or newer", () => {
  test("the component's settings pass", () => {
    expect(checkDistributionTls(distribution())).toEqual({ violations: [], undecidable: [] });
  });

  test("TLS policy versions are ordered by protocol, then year", () => {
    expect(["TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"].every(isModernTlsPolicy)).toBe(true);
    expect(["SSLv3", "TLSv1", "TLSv1_2016", "TLSv1.1_2016", "TLSv1.2_2018", "TLSv1.2_2019"].some(isModernTlsPolicy)).toBe(false);
  });

  test("TLSv1.2_2019 is a violation that says what to set", () => {
    const [message] = messages(checkDistributionTls(distribution({ viewerCertificate: { minimumProtocolVersion: "TLSv1.2_2019", sslSupportMethod: "sni-only" } })));
    expect(message).toMatch(/minimumProtocolVersion is "TLSv1.2_2019". Set it to "TLSv1.2_2021" or newer/);
  });

  test("CloudFront's default certificate is a violation", () => {
    expect(messages(checkDistributionTls(distribution({ viewerCertificate: { cloudfrontDefaultCertificate: true } })))[0]).toMatch(/default certificate/);
  });

  test("redirect-to-https or allow-all on any behavior is a violation naming the behavior", () => {
    const result = checkDistributionTls(distribution({ defaultCacheBehavior: { ...behavior, viewerProtocolPolicy: "redirect-to-https" }, orderedCacheBehaviors: [{ ...behavior, pathPattern: "/x/*", viewerProtocolPolicy: "allow-all" }] }));
    expect(messages(result)).toEqual([expect.stringMatching(/defaultCacheBehavior has viewerProtocolPolicy "redirect-to-https". Set it to "https-only"/), expect.stringMatching(/orderedCacheBehaviors\[0\] \(\/x\/\*\) has viewerProtocolPolicy "allow-all"/)]);
  });

  test("a distribution without an mta-sts alias is not judged", () => {
    expect(checkDistributionTls(distribution({ aliases: ["www.example.com"], viewerCertificate: { minimumProtocolVersion: "TLSv1" } })).violations).toEqual([]);
  });
});

describe("rule 3: the policy path is not cached beyond the bound", () => {
  test("the managed CachingDisabled policy passes", () => {
    expect(checkDistributionCache([distribution()])).toEqual({ violations: [], undecidable: [] });
  });

  test("the managed CachingOptimized policy is a violation that explains the stale-id trap", () => {
    const [message] = messages(checkDistributionCache([distribution({ defaultCacheBehavior: { ...behavior, cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" } })]));
    expect(message).toMatch(/CachingOptimized cache policy, which caches for up to 31536000 s/);
    expect(message).toMatch(/old bytes under the new id/);
    expect(message).toMatch(new RegExp(CACHING_DISABLED_ID));
  });

  test("an ordered behavior matching the policy path decides, not the default", () => {
    const ordered = [{ ...behavior, pathPattern: "/.well-known/*", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" }];
    expect(checkDistributionCache([distribution({ orderedCacheBehaviors: ordered })]).violations).toHaveLength(1);
    const unrelated = [{ ...behavior, pathPattern: "/images/*", cachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6" }];
    expect(checkDistributionCache([distribution({ orderedCacheBehaviors: unrelated })]).violations).toEqual([]);
  });

  test("CloudFront path patterns: * spans slashes, ? is one character, the leading slash is optional", () => {
    expect(pathPatternMatches(".well-known/*", "/.well-known/mta-sts.txt")).toBe(true);
    expect(pathPatternMatches("/*.txt", "/.well-known/mta-sts.txt")).toBe(true);
    expect(pathPatternMatches("/.well-known/mta-sts.tx?", "/.well-known/mta-sts.txt")).toBe(true);
    expect(pathPatternMatches("/.WELL-KNOWN/*", "/.well-known/mta-sts.txt")).toBe(false);
  });

  test("legacy TTLs: maxTtl 0 passes; a missing maxTtl means CloudFront's one-year default and is a violation", () => {
    const legacy = { viewerProtocolPolicy: "https-only", targetOriginId: "o", allowedMethods: ["GET", "HEAD"], cachedMethods: ["GET", "HEAD"] };
    expect(checkDistributionCache([distribution({ defaultCacheBehavior: { ...legacy, minTtl: 0, defaultTtl: 0, maxTtl: 0 } })]).violations).toEqual([]);
    expect(messages(checkDistributionCache([distribution({ defaultCacheBehavior: legacy })]))[0]).toMatch(/no maxTtl \(CloudFront then caches for up to 31536000 s\)/);
  });

  test("maxTtlSeconds raises the bound", () => {
    const legacy = { viewerProtocolPolicy: "https-only", targetOriginId: "o", maxTtl: 60 };
    expect(checkDistributionCache([distribution({ defaultCacheBehavior: legacy })]).violations).toHaveLength(1);
    expect(checkDistributionCache([distribution({ defaultCacheBehavior: legacy })], { maxTtlSeconds: 60, allowedCachePolicyIds: [] }).violations).toEqual([]);
  });

  test("an outside cache policy id is a violation unless listed in allowedCachePolicyIds", () => {
    const custom = distribution({ defaultCacheBehavior: { ...behavior, cachePolicyId: "11111111-2222-3333-4444-555555555555" } });
    expect(messages(checkDistributionCache([custom]))[0]).toMatch(/whose TTLs this pack cannot see.*allowedCachePolicyIds/);
    expect(checkDistributionCache([custom], { maxTtlSeconds: 0, allowedCachePolicyIds: ["11111111-2222-3333-4444-555555555555"] }).violations).toEqual([]);
  });

  test("a cache policy declared in the stack (id unknown at preview) is judged by its maxTtl through the property dependency", () => {
    const short = res("aws:cloudfront/cachePolicy:CachePolicy", "short", { minTtl: 0, defaultTtl: 0, maxTtl: 0 });
    const long = res("aws:cloudfront/cachePolicy:CachePolicy", "long", { minTtl: 0, defaultTtl: 3600, maxTtl: 86400 });
    const uses = (policy: typeof short) => distribution({ defaultCacheBehavior: { ...behavior, cachePolicyId: UNKNOWN } }, { dependencies: [policy], propertyDependencies: { defaultCacheBehavior: [policy] } });
    expect(checkDistributionCache([short, uses(short)])).toEqual({ violations: [], undecidable: [] });
    expect(messages(checkDistributionCache([long, uses(long)]))[0]).toMatch(/cache policy "long" .* with maxTtl 86400 s/);
  });

  test("an unknown cache policy id with no cache policy of the stack behind it is not judgeable rather than passing", () => {
    const result = checkDistributionCache([distribution({ defaultCacheBehavior: { ...behavior, cachePolicyId: UNKNOWN } })]);
    expect(result.violations).toEqual([]);
    expect(result.undecidable).toHaveLength(1);
  });
});
