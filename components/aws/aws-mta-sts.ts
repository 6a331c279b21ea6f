/**
 * AwsMtaSts: one mail domain's MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) on AWS.
 *
 * The policy file lives in a private S3 bucket and is served by CloudFront at
 * `https://mta-sts.<domain>/.well-known/mta-sts.txt` with an ACM certificate (us-east-1, DNS
 * validated); the DNS records (host, certificate validation, `_mta-sts` and `_smtp._tls` TXT) go
 * to Route 53 or to Cloudflare DNS. The flow is config → validated intent → policy bytes → id →
 * resources → records, and the `_mta-sts` TXT record, which tells senders to fetch a new policy,
 * is always written last (publish before announce). It is built from the AWS toolkit both AWS
 * components share (components/aws-common/).
 *
 * Children are named `${name}-<role>`:
 *   bucket, bucket-ownership, bucket-public-access, policy (the object), oac, bucket-policy,
 *   cert, cert-validation-record, cert-validation, cdn, host-a + host-aaaa (Route 53) or
 *   host-cname (Cloudflare), sts-txt, tlsrpt-txt.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsDomainArgs } from "../args";
import { policyBucketPolicy } from "../aws-common/bucket-policy";
import { certificateValidation, certificateValidationRecord, policyCertificate } from "../aws-common/certificate";
import { originAccessControl, policyDistribution } from "../aws-common/cloudfront";
import { AWS_DOMAIN_FIELDS, awsDnsFieldIssues, unknownFieldIssues } from "../aws-common/dns-fields";
import { dnsHomeOf } from "../model/dns-home";
import { domainRecords } from "../aws-common/domain-records";
import { bucketPolicy, policyObject, privateBucket } from "../aws-common/private-bucket";
import { afterGuard, afterGuardAnd, guardLiveMx } from "../guard/component-guard";
import { dnsResolverIssues } from "../guard/mx-guard";
import { ConfigIssue } from "../model/config";
import { POLICY_PATH } from "../model/rendered";
import { logDomainWarnings, validateDomainArgs } from "../validate-args";

/** The S3 key of the policy file: the RFC 8461 §3.3 well-known path without its leading slash. */
export const POLICY_OBJECT_KEY = POLICY_PATH.slice(1);

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

const ARG_FIELDS: readonly (keyof AwsMtaStsArgs)[] = [...AWS_DOMAIN_FIELDS, "dnsResolver"];

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
    // Validate and render before anything is registered, the component itself included, so that
    // bad input never reaches the cloud: a bad config throws here and nothing reaches the engine.
    const dnsHome = dnsHomeOf(args);
    const { rendered, warnings } = validateDomainArgs(args, componentIssues(args));
    super("pulumi-mta-sts:index:AwsMtaSts", name, {}, opts);
    logDomainWarnings(this, rendered.domain, warnings);

    // The enforce guard: the policy object's content and the TXT value wait for it, so an MX host
    // the policy does not cover fails `pulumi preview`/`up` in enforce before the policy or the id
    // change; in testing it is a warning on the component.
    const guard = guardLiveMx(this, rendered, args);

    const bucket = privateBucket(name, this);
    const policy = policyObject(name, bucket, POLICY_OBJECT_KEY, afterGuard(guard, rendered.policyText), this);

    const records = domainRecords(
      {
        name,
        domain: rendered.domain,
        dnsHome,
        hostedZoneId: args.hostedZoneId,
        cloudflareZoneId: args.cloudflareZoneId,
        adoptExistingRecords: args.adoptExistingRecords ?? false,
        route53HostRecords: "alias",
      },
      this,
    );
    const certificate = policyCertificate(name, { domainName: rendered.policyHost }, this);
    const validationRecord = records.validationRecord(certificateValidationRecord(certificate, rendered.policyHost, `${name}-cert`));
    const validation = certificateValidation(
      name,
      certificate,
      { resources: [validationRecord.record], ...(validationRecord.fqdn ? { recordFqdns: [validationRecord.fqdn] } : {}) },
      this,
    );

    // What is served for any path other than the policy: the bucket policy lets this
    // distribution read the policy key only and grants no s3:ListBucket, so S3 answers 403
    // AccessDenied and CloudFront passes that 403 on.
    const oac = originAccessControl(name, `MTA-STS policy bucket of ${rendered.domain}`, this);
    const distribution = policyDistribution(
      name,
      {
        comment: `MTA-STS policy host ${rendered.policyHost}`,
        aliases: [rendered.policyHost],
        originDomainName: bucket.bucket.bucketRegionalDomainName,
        originAccessControlId: oac.id,
        certificateArn: validation.certificateArn,
      },
      this,
    );
    const readers = bucketPolicy(
      name,
      bucket,
      pulumi
        .all([bucket.bucket.arn, distribution.arn])
        .apply(([bucketArn, distributionArn]) => policyBucketPolicy({ bucketArn, objectKey: POLICY_OBJECT_KEY, distributionArn })),
      this,
    );
    const hostRecords = records.hostRecords(rendered.policyHost, distribution);

    // Publish before announce. The `_mta-sts` value is derived from the policy object's outputs
    // and the record depends on everything a sender needs to fetch the new bytes, so on a policy
    // change the engine updates the object first and the id second, never the other way and
    // never in parallel. On destroy the engine deletes a resource only after everything that
    // depends on it, so the same edges remove the `_mta-sts` record before the host records, the
    // distribution, the certificate and the policy object: senders never see an id whose policy
    // cannot be fetched.
    const announced = afterGuardAnd(guard, policy.etag, rendered.stsRecord);
    records.txt("sts-txt", rendered.stsRecordName, announced, [policy, readers, validation, distribution, ...hostRecords]);
    if (rendered.tlsRptRecord !== undefined) records.txt("tlsrpt-txt", rendered.tlsRptRecordName, rendered.tlsRptRecord, []);

    this.policyId = pulumi.output(rendered.policyId);
    this.policyUrl = pulumi.output(rendered.policyUrl);
    this.policyText = pulumi.output(rendered.policyText);
    this.stsRecord = pulumi.output(rendered.stsRecord);
    this.tlsRptRecord = pulumi.output(rendered.tlsRptRecord);
    this.distributionDomainName = distribution.domainName;
    this.certificateArn = validation.certificateArn;
    this.bucketName = bucket.bucket.bucket;
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

/** Problems with the AWS-specific fields (see aws-common/dns-fields.ts), reported with the domain's own. */
function componentIssues(args: AwsMtaStsArgs): ConfigIssue[] {
  if (args === null || typeof args !== "object") return [];
  return [...unknownFieldIssues(args, ARG_FIELDS), ...awsDnsFieldIssues(args), ...dnsResolverIssues(args.dnsResolver)];
}
