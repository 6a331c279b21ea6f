/**
 * AwsMtaSts: one mail domain's MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) on AWS.
 *
 * The policy file lives in a private S3 bucket and is served by CloudFront at
 * `https://mta-sts.<domain>/.well-known/mta-sts.txt` with an ACM certificate (us-east-1, DNS
 * validated); the DNS records (host, certificate validation, `_mta-sts` and `_smtp._tls` TXT) go
 * to Route 53 or to Cloudflare DNS. The flow is config → validated intent → policy bytes → id →
 * resources → records, and the `_mta-sts` TXT record, which tells senders to fetch a new policy,
 * is always written last (docs/invariants.md: publish before announce).
 *
 * Children are named `${name}-<role>`:
 *   bucket, bucket-ownership, bucket-public-access, policy (the object), oac, bucket-policy,
 *   cert, cert-validation-record, cert-validation, cdn, host-a + host-aaaa (Route 53) or
 *   host-cname (Cloudflare), sts-txt, tlsrpt-txt.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsDomainArgs } from "../args";
import { awsDnsFieldIssues, unknownFieldIssues } from "./aws-dns-fields";
import { dnsHomeOf } from "../model/dns-home";
import { cloudflareCnameRecord, cloudflareTxtRecord } from "../dns/cloudflare-records";
import { route53AliasRecord, route53CnameRecord, route53TxtRecord } from "../dns/route53-records";
import { afterGuard, afterGuardAnd, guardLiveMx } from "../guard/component-guard";
import { dnsResolverIssues } from "../guard/mx-guard";
import { certificateValidationRecord } from "./certificate-validation-record";
import { ConfigIssue } from "../model/config";
import { POLICY_PATH } from "../model/rendered";
import { logDomainWarnings, validateDomainArgs } from "../validate-args";
import { policyBucketPolicy } from "./bucket-policy";

/** CloudFront's managed "CachingDisabled" cache policy (the same id in every account). */
export const CACHING_DISABLED_CACHE_POLICY_ID = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/** The S3 key of the policy file: the RFC 8461 §3.3 well-known path without its leading slash. */
export const POLICY_OBJECT_KEY = POLICY_PATH.slice(1);
/** CloudFront accepts ACM certificates from this region only. */
export const CERTIFICATE_REGION = "us-east-1";

/** Inputs of `AwsMtaSts`: the fields of every AWS-hosted domain (`AwsDomainArgs`), and these. */
export interface AwsMtaStsArgs extends AwsDomainArgs {
  /**
   * Take over hand-made `_mta-sts`, `_smtp._tls` and `mta-sts` host records in Route 53
   * (`allowOverwrite`) instead of failing because they exist, so there is no moment without a
   * record. Route 53 only; for Cloudflare import the records (see the README). Defaults to false.
   */
  adoptExistingRecords?: boolean;
  /**
   * The DNS server the live MX check asks, as an IP address with an optional port (e.g.
   * `127.0.0.1:5353` or `[::1]:53`). Defaults to the system's resolvers.
   */
  dnsResolver?: string;
}

const ARG_FIELDS: readonly (keyof AwsMtaStsArgs)[] = [
  "domain",
  "policy",
  "tlsRpt",
  "dns",
  "hostedZoneId",
  "cloudflareZoneId",
  "adoptExistingRecords",
  "verifyLiveMx",
  "dnsResolver",
];

export class AwsMtaSts extends pulumi.ComponentResource {
  /** The policy id, the hash of the served bytes, e.g. `3b1f...` (known at preview). */
  public readonly policyId: pulumi.Output<string>;
  /** `https://mta-sts.<domain>/.well-known/mta-sts.txt` */
  public readonly policyUrl: pulumi.Output<string>;
  /** The exact policy bytes served (CRLF line ends). */
  public readonly policyText: pulumi.Output<string>;
  /** The `_mta-sts` TXT value, `v=STSv1; id=<policyId>` (known at preview). */
  public readonly stsRecord: pulumi.Output<string>;
  /** The `_smtp._tls` TXT value, `v=TLSRPTv1; rua=...`, or undefined without `tlsRpt`. */
  public readonly tlsRptRecord: pulumi.Output<string | undefined>;
  /** The CloudFront distribution's own name, e.g. `d111111abcdef8.cloudfront.net`. */
  public readonly distributionDomainName: pulumi.Output<string>;
  /** The ARN of the validated certificate for `mta-sts.<domain>` (us-east-1). */
  public readonly certificateArn: pulumi.Output<string>;
  /** The name of the private bucket that holds the policy file. */
  public readonly bucketName: pulumi.Output<string>;

  constructor(name: string, args: AwsMtaStsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate and render before anything is registered, the component itself included
    // (docs/invariants.md: bad input never reaches the cloud): a bad config throws here.
    const dnsHome = dnsHomeOf(args);
    const { rendered, warnings } = validateDomainArgs(args, componentIssues(args));
    super("pulumi-mta-sts:index:AwsMtaSts", name, {}, opts);
    logDomainWarnings(this, rendered.domain, warnings);

    const child = { parent: this };
    const adopt = args.adoptExistingRecords ?? false;

    // The enforce guard: the policy object's content and the TXT value wait for it, so an
    // MX host the policy does not cover fails `pulumi preview`/`up` in enforce before the policy
    // or the id change; in testing it is a warning on the component.
    const guard = guardLiveMx(this, rendered, args);

    // --- The private bucket and the policy file --------------------------------------------
    const bucket = new aws.s3.Bucket(`${name}-bucket`, {}, child);
    const ownership = new aws.s3.BucketOwnershipControls(
      `${name}-bucket-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      child,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-bucket-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    const policyObject = new aws.s3.BucketObjectv2(
      `${name}-policy`,
      {
        bucket: bucket.id,
        key: POLICY_OBJECT_KEY,
        content: afterGuard(guard, rendered.policyText),
        contentType: "text/plain",
        // With the CachingDisabled cache policy, no cache between S3 and senders keeps old bytes
        // once the id has changed (docs/invariants.md: publish before announce).
        cacheControl: "no-store",
      },
      { parent: this, dependsOn: [ownership, publicAccess] },
    );

    // --- Certificate (us-east-1, the only region CloudFront takes certificates from) --------
    const certificate = new aws.acm.Certificate(
      `${name}-cert`,
      { domainName: rendered.policyHost, validationMethod: "DNS", region: CERTIFICATE_REGION },
      child,
    );
    const validationOption = certificateValidationRecord(certificate, rendered.policyHost, `${name}-cert`);

    // --- DNS home ---------------------------------------------------------------------------
    let validationRecordFqdns: pulumi.Input<string>[] | undefined;
    let validationRecord: pulumi.Resource;
    let writeHostRecords: (distribution: aws.cloudfront.Distribution) => pulumi.Resource[];
    let writeTxt: (role: string, recordName: string, value: pulumi.Input<string>, dependsOn: pulumi.Resource[]) => pulumi.Resource;

    if (dnsHome === "cloudflare") {
      const zoneId = args.cloudflareZoneId!;
      const record = cloudflareCnameRecord(
        { name, role: "cert-validation-record", zoneId, recordName: validationOption.name, target: validationOption.value },
        child,
      );
      validationRecord = record;
      writeHostRecords = (distribution) => [
        cloudflareCnameRecord({ name, role: "host-cname", zoneId, recordName: rendered.policyHost, target: distribution.domainName }, child),
      ];
      writeTxt = (role, recordName, value, dependsOn) => cloudflareTxtRecord({ name, role, zoneId, recordName, value }, { parent: this, dependsOn });
    } else {
      // Without `hostedZoneId`: the public zone named exactly like the domain, looked up with the
      // consumer's AWS provider (inherited from `parent`). A domain inside a parent's zone
      // (mail.example.com in example.com) must pass `hostedZoneId`.
      const zoneId = args.hostedZoneId ?? aws.route53.getZoneOutput({ name: rendered.domain, privateZone: false }, { parent: this }).zoneId;
      const record = route53CnameRecord(
        // ACM's validation record is the same for every certificate of this name in the account,
        // so taking over one left by an earlier certificate is always right.
        { name, role: "cert-validation-record", zoneId, recordName: validationOption.name, target: validationOption.value, ttl: 60, allowOverwrite: true },
        child,
      );
      validationRecord = record;
      validationRecordFqdns = [record.fqdn];
      writeHostRecords = (distribution) =>
        (["A", "AAAA"] as const).map((type) =>
          route53AliasRecord(
            {
              name,
              role: `host-${type.toLowerCase()}`,
              zoneId,
              recordName: rendered.policyHost,
              type,
              targetName: distribution.domainName,
              targetZoneId: distribution.hostedZoneId,
              ...(adopt ? { allowOverwrite: true } : {}),
            },
            child,
          ),
        );
      writeTxt = (role, recordName, value, dependsOn) =>
        route53TxtRecord({ name, role, zoneId, recordName, value, allowOverwrite: adopt }, { parent: this, dependsOn });
    }

    const validation = new aws.acm.CertificateValidation(
      `${name}-cert-validation`,
      {
        certificateArn: certificate.arn,
        region: CERTIFICATE_REGION,
        ...(validationRecordFqdns ? { validationRecordFqdns } : {}),
      },
      { parent: this, dependsOn: [validationRecord] },
    );

    // --- CloudFront --------------------------------------------------------------------------
    const oac = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      {
        description: `MTA-STS policy bucket of ${rendered.domain}`,
        originAccessControlOriginType: "s3",
        signingBehavior: "always",
        signingProtocol: "sigv4",
      },
      child,
    );
    const originId = "policy-bucket";
    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: `MTA-STS policy host ${rendered.policyHost}`,
        aliases: [rendered.policyHost],
        isIpv6Enabled: true,
        // No default root object: `/` is not the policy. What is served for any path other than
        // the policy: the bucket policy lets this distribution read the policy key only and grants
        // no s3:ListBucket, so S3 answers 403 AccessDenied and CloudFront passes that 403 on.
        origins: [{ originId, domainName: bucket.bucketRegionalDomainName, originAccessControlId: oac.id }],
        defaultCacheBehavior: {
          targetOriginId: originId,
          viewerProtocolPolicy: "https-only",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: CACHING_DISABLED_CACHE_POLICY_ID,
        },
        restrictions: { geoRestriction: { restrictionType: "none" } },
        viewerCertificate: {
          acmCertificateArn: validation.certificateArn,
          sslSupportMethod: "sni-only",
          minimumProtocolVersion: "TLSv1.2_2021",
        },
        // The resource completes only when the edge locations serve this configuration.
        waitForDeployment: true,
      },
      child,
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-bucket-policy`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.arn, distribution.arn])
          .apply(([bucketArn, distributionArn]) => policyBucketPolicy({ bucketArn, objectKey: POLICY_OBJECT_KEY, distributionArn })),
      },
      { parent: this, dependsOn: [publicAccess] },
    );

    const hostRecords = writeHostRecords(distribution);

    // --- Records: published last ---------------------------------------------------------------
    // Publish before announce (docs/invariants.md). The `_mta-sts` value is derived from the
    // policy object's outputs and the record depends on everything a sender needs to fetch the
    // new bytes, so on a policy change the engine updates the object first and the id second,
    // never the other way and never in parallel.
    //
    // On destroy the engine deletes a resource only after everything that depends on it, so the
    // same edges remove the `_mta-sts` record before the host records, the distribution, the
    // certificate and the policy object: senders never see an id whose policy cannot be fetched.
    const announced = afterGuardAnd(guard, policyObject.etag, rendered.stsRecord);
    writeTxt("sts-txt", rendered.stsRecordName, announced, [policyObject, bucketPolicy, validation, distribution, ...hostRecords]);
    if (rendered.tlsRptRecord !== undefined) {
      writeTxt("tlsrpt-txt", rendered.tlsRptRecordName, rendered.tlsRptRecord, []);
    }

    this.policyId = pulumi.output(rendered.policyId);
    this.policyUrl = pulumi.output(rendered.policyUrl);
    this.policyText = pulumi.output(rendered.policyText);
    this.stsRecord = pulumi.output(rendered.stsRecord);
    this.tlsRptRecord = pulumi.output(rendered.tlsRptRecord);
    this.distributionDomainName = distribution.domainName;
    this.certificateArn = validation.certificateArn;
    this.bucketName = bucket.bucket;
    this.registerOutputs({
      policyId: this.policyId,
      policyUrl: this.policyUrl,
      policyText: this.policyText,
      stsRecord: this.stsRecord,
      tlsRptRecord: this.tlsRptRecord,
      distributionDomainName: this.distributionDomainName,
      certificateArn: this.certificateArn,
      bucketName: this.bucketName,
    });
  }
}

/** Problems with the AWS-specific fields (see aws-dns-fields.ts), reported with the domain's own. */
function componentIssues(args: AwsMtaStsArgs): ConfigIssue[] {
  if (args === null || typeof args !== "object") return [];
  return [...unknownFieldIssues(args, ARG_FIELDS), ...awsDnsFieldIssues(args), ...dnsResolverIssues(args.dnsResolver)];
}
