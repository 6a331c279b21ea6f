/**
 * The CloudFront side of a policy host: the Origin Access Control that signs requests to the
 * private bucket, and a distribution that serves policy files and nothing else, with no cache.
 *
 * Every distribution here: HTTPS only (RFC 8461 §3.3: senders fetch over HTTPS and follow no
 * redirect, so there is no HTTP-to-HTTPS redirect either), TLS 1.2 minimum (`TLSv1.2_2021`), an
 * ACM certificate by SNI, `GET` and `HEAD` only, no default root object (`/` is not the policy),
 * and a cache policy that caches nothing, so a sender never gets old bytes under a new id.
 *
 * Children: `${name}-oac`, `${name}-cache`, `${name}-cdn`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** CloudFront's managed "CachingDisabled" cache policy (the same id in every account). */
export const CACHING_DISABLED_CACHE_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/** The id of the bucket origin inside each distribution. */
export const POLICY_ORIGIN_ID = "policy-bucket";

/** An Origin Access Control (`${name}-oac`) that signs every request to S3 (SigV4). */
export function originAccessControl(name: string, description: string, parent: pulumi.Resource): aws.cloudfront.OriginAccessControl {
  return new aws.cloudfront.OriginAccessControl(
    `${name}-oac`,
    { description, originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
    { parent },
  );
}

/**
 * A cache policy (`${name}-cache`) that caches nothing: every TTL 0, nothing in the cache key,
 * no compression, exactly what the managed CachingDisabled policy is. For distributions that
 * may not all share the managed one (CloudFront counts 100 distributions per cache policy).
 */
export function noCachePolicy(name: string, comment: string, parent: pulumi.Resource): aws.cloudfront.CachePolicy {
  return new aws.cloudfront.CachePolicy(
    `${name}-cache`,
    {
      comment,
      minTtl: 0,
      defaultTtl: 0,
      maxTtl: 0,
      parametersInCacheKeyAndForwardedToOrigin: {
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
        enableAcceptEncodingGzip: false,
        enableAcceptEncodingBrotli: false,
      },
    },
    { parent },
  );
}

export interface PolicyDistributionArgs {
  /** The distribution's comment, e.g. `MTA-STS policy host mta-sts.example.com`. */
  readonly comment: string;
  /** The policy hosts it answers for (its alternate domain names). */
  readonly aliases: pulumi.Input<string>[];
  /** The bucket's regional domain name. */
  readonly originDomainName: pulumi.Input<string>;
  readonly originAccessControlId: pulumi.Input<string>;
  /** The ARN of the validated certificate naming every alias. */
  readonly certificateArn: pulumi.Input<string>;
  /** The cache policy, one that caches nothing. Defaults to the managed CachingDisabled. */
  readonly cachePolicyId?: pulumi.Input<string>;
  /** A viewer-request CloudFront Function (the shared host's routing by Host). Defaults to none. */
  readonly viewerRequestFunctionArn?: pulumi.Input<string>;
}

/** The distribution (`${name}-cdn`); it completes only when the edge locations serve it. */
export function policyDistribution(name: string, args: PolicyDistributionArgs, parent: pulumi.Resource): aws.cloudfront.Distribution {
  return new aws.cloudfront.Distribution(
    `${name}-cdn`,
    {
      enabled: true,
      comment: args.comment,
      aliases: args.aliases,
      isIpv6Enabled: true,
      origins: [{ originId: POLICY_ORIGIN_ID, domainName: args.originDomainName, originAccessControlId: args.originAccessControlId }],
      defaultCacheBehavior: {
        targetOriginId: POLICY_ORIGIN_ID,
        viewerProtocolPolicy: "https-only",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: args.cachePolicyId ?? CACHING_DISABLED_CACHE_POLICY_ID,
        ...(args.viewerRequestFunctionArn !== undefined ? { functionAssociations: [{ eventType: "viewer-request", functionArn: args.viewerRequestFunctionArn }] } : {}),
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: { acmCertificateArn: args.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
      waitForDeployment: true,
    },
    { parent },
  );
}
