/**
 * AwsSharedMtaStsHost: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for many mail domains on AWS,
 * served by a few shared resources instead of a bucket, distribution and certificate per domain.
 *
 * Why: AwsMtaSts declares 13 to 14 resources per domain, including a CloudFront distribution
 * (default quota: 200 per account) and an ACM certificate; with hundreds of domains that hits the
 * quotas and slows every `pulumi preview`. Here:
 *
 * - shared (5): one private bucket (+ ownership controls, public access block), one Origin Access
 *   Control, one bucket policy admitting exactly the group distributions;
 * - per group (4): domains are assigned to groups stably (grouping.ts); each group has an ACM
 *   certificate in us-east-1 naming its `mta-sts.<domain>` hosts, its validation, a CloudFront
 *   Function that routes `/.well-known/mta-sts.txt` by `Host` to that domain's object
 *   (routing-function.ts; anything else is a 404 at the edge), and a distribution;
 * - per domain (4, or 5 with TLS-RPT): the policy object, the certificate validation record, the
 *   host record (a CNAME to the group's distribution, which Route 53 and Cloudflare both take, so
 *   one record instead of A + AAAA aliases), the `_mta-sts` TXT and the `_smtp._tls` TXT.
 *
 * The flow per domain is the same as AwsMtaSts: config → validated intent → bytes → id →
 * resources → records, with the `_mta-sts` TXT written last (docs/invariants.md: publish before
 * announce): its value
 * is derived from the policy object's outputs and it depends on the object, the bucket policy,
 * its group's certificate validation, routing function and distribution, and its host record.
 *
 * Children are named `${name}-<role>` (shared), `${name}-g<NN>-<role>` (per group: cert,
 * cert-validation, routing, cdn) and `${name}-<domain>-<role>` (per domain: policy,
 * cert-validation-record, host-cname, sts-txt, tlsrpt-txt). The domain part is the A-label
 * domain itself, dots included: Pulumi names may hold dots, and unlike replacing them with dashes
 * (`a-b.com` and `a.b-com` would both become `a-b-com`) it cannot collide, and it never depends
 * on the other domains, so adding a domain renames nothing.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsDomainArgs } from "../args";
import { CACHING_DISABLED_CACHE_POLICY_ID, CERTIFICATE_REGION } from "../aws/aws-mta-sts";
import { certificateValidationRecord } from "../aws/certificate-validation-record";
import { cloudflareCnameRecord, cloudflareTxtRecord } from "../dns/cloudflare-records";
import { route53CnameRecord, route53TxtRecord } from "../dns/route53-records";
import { afterGuard, afterGuardAnd, guardLiveMx } from "../guard/component-guard";
import { sharedBucketPolicy } from "./bucket-policy";
import { certificateNames, DomainGroup } from "./grouping";
import { policyObjectKey, routingFunctionCode, ROUTING_FUNCTION_RUNTIME } from "./routing-function";
import { logDomainWarnings } from "../validate-args";
import { PlannedDomain, planSharedHost } from "./validate-shared-args";

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

/** The children of one group. */
interface GroupResources {
  readonly group: DomainGroup;
  readonly certificate: aws.acm.Certificate;
  readonly validation: aws.acm.CertificateValidation;
  readonly routing: aws.cloudfront.Function;
  readonly distribution: aws.cloudfront.Distribution;
}

export class AwsSharedMtaStsHost extends pulumi.ComponentResource {
  /** Policy id per mail domain (A-label), the hash of the served bytes (known at preview). */
  public readonly policyIds: pulumi.Output<Record<string, string>>;
  /** `https://mta-sts.<domain>/.well-known/mta-sts.txt` per mail domain. */
  public readonly policyUrls: pulumi.Output<Record<string, string>>;
  /** The `_mta-sts` TXT value, `v=STSv1; id=<policyId>`, per mail domain (known at preview). */
  public readonly stsRecords: pulumi.Output<Record<string, string>>;
  /** The `_smtp._tls` TXT value per mail domain that has `tlsRpt`. */
  public readonly tlsRptRecords: pulumi.Output<Record<string, string>>;
  /** The group label (`g07`) per mail domain: which distribution and certificate serve it. */
  public readonly domainGroups: pulumi.Output<Record<string, string>>;
  /** The CloudFront distribution's own name per group label, e.g. `d111111abcdef8.cloudfront.net`. */
  public readonly distributionDomainNames: pulumi.Output<Record<string, string>>;
  /** The ARN of the validated certificate (us-east-1) per group label. */
  public readonly certificateArns: pulumi.Output<Record<string, string>>;
  /** The name of the private bucket that holds every policy file. */
  public readonly bucketName: pulumi.Output<string>;
  /** The `groupCount` in effect (the hash's number of groups, not the number of groups in use). */
  public readonly groupCount: pulumi.Output<number>;

  constructor(name: string, args: AwsSharedMtaStsHostArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Validate, render and group before anything is registered, the component itself included
    // (docs/invariants.md: bad input never reaches the cloud): a bad config throws here.
    const plan = planSharedHost(args);
    super("pulumi-mta-sts:index:AwsSharedMtaStsHost", name, {}, opts);
    for (const d of plan.domains) logDomainWarnings(this, d.rendered.domain, d.warnings);
    const child = { parent: this };

    // --- Shared: the private bucket and the Origin Access Control ---------------------------
    const bucket = new aws.s3.Bucket(`${name}-bucket`, {}, child);
    const ownership = new aws.s3.BucketOwnershipControls(`${name}-bucket-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-bucket-public-access`,
      { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    const oac = new aws.cloudfront.OriginAccessControl(
      `${name}-oac`,
      { description: "MTA-STS shared policy bucket", originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" },
      child,
    );

    // --- Per domain, before the groups: the live MX guard and the policy object ---------------
    const domainParts = plan.domains.map((d) => {
      // The enforce guard: the object's content and the TXT value wait for it.
      const guard = guardLiveMx(this, d.rendered, { ...(d.args.verifyLiveMx !== undefined ? { verifyLiveMx: d.args.verifyLiveMx } : {}), ...(args.dnsResolver !== undefined ? { dnsResolver: args.dnsResolver } : {}) });
      const policyObject = new aws.s3.BucketObjectv2(
        `${domainName(name, d)}-policy`,
        {
          bucket: bucket.id,
          key: policyObjectKey(d.rendered.policyHost),
          content: afterGuard(guard, d.rendered.policyText),
          contentType: "text/plain",
          // With CachingDisabled, no cache between S3 and senders keeps old bytes (publish before announce).
          cacheControl: "no-store",
        },
        { parent: this, dependsOn: [ownership, publicAccess] },
      );
      const zoneId: pulumi.Input<string> | undefined =
        d.dnsHome === "cloudflare"
          ? d.args.cloudflareZoneId!
          : (d.args.hostedZoneId ?? aws.route53.getZoneOutput({ name: d.rendered.domain, privateZone: false }, { parent: this }).zoneId);
      return { plan: d, guard, policyObject, zoneId };
    });

    // --- Per group: certificate, its validation records (per domain), routing, distribution --
    const originId = "policy-bucket";
    const validationRecords = new Map<string, pulumi.Resource>();
    const groups = new Map<number, GroupResources>();
    for (const group of plan.groups) {
      const prefix = `${name}-${group.label}`;
      // In host order, so every list built from the members (certificate names, validation
      // FQDNs, aliases) is the same whatever order the domains are listed in.
      const members = domainParts
        .filter((p) => p.plan.group.index === group.index)
        .sort((a, b) => (a.plan.rendered.policyHost < b.plan.rendered.policyHost ? -1 : a.plan.rendered.policyHost > b.plan.rendered.policyHost ? 1 : 0));
      const hosts = members.map((p) => p.plan.rendered.policyHost);
      const names = certificateNames(hosts)!; // checked by planSharedHost
      const certificate = new aws.acm.Certificate(
        `${prefix}-cert`,
        { domainName: names.domainName, subjectAlternativeNames: names.subjectAlternativeNames, validationMethod: "DNS", region: CERTIFICATE_REGION },
        child,
      );
      // ACM hands out one validation CNAME per name; each domain's record is written into that
      // domain's own zone, so it is a per-domain child, found by the name it validates.
      const fqdns: pulumi.Input<string>[] = [];
      for (const part of members) {
        const host = part.plan.rendered.policyHost;
        const option = certificateValidationRecord(certificate, host, `${prefix}-cert`);
        const recordName = domainName(name, part.plan);
        if (part.plan.dnsHome === "cloudflare") {
          validationRecords.set(host, cloudflareCnameRecord({ name: recordName, role: "cert-validation-record", zoneId: part.zoneId, recordName: option.name, target: option.value }, child));
        } else {
          // ACM's validation record is the same for every certificate of this name in the account
          // (the group's certificate is replaced whenever the group changes), so taking over an
          // existing one is always right.
          const record = route53CnameRecord({ name: recordName, role: "cert-validation-record", zoneId: part.zoneId, recordName: option.name, target: option.value, ttl: 60, allowOverwrite: true }, child);
          validationRecords.set(host, record);
          fqdns.push(record.fqdn);
        }
      }
      const validation = new aws.acm.CertificateValidation(
        `${prefix}-cert-validation`,
        {
          certificateArn: certificate.arn,
          region: CERTIFICATE_REGION,
          // The provider checks that the list names every validation record of the certificate,
          // so it is given only when all of them are in Route 53; the dependsOn below orders the
          // validation after every record either way.
          ...(fqdns.length === members.length ? { validationRecordFqdns: fqdns } : {}),
        },
        { parent: this, dependsOn: hosts.map((h) => validationRecords.get(h)!) },
      );
      const routing = new aws.cloudfront.Function(
        `${prefix}-routing`,
        {
          runtime: ROUTING_FUNCTION_RUNTIME,
          comment: `MTA-STS policy routing by Host, group ${group.label}`,
          code: routingFunctionCode(hosts),
          // A distribution runs a function's LIVE stage only; publishing makes this code live.
          publish: true,
        },
        child,
      );
      const distribution = new aws.cloudfront.Distribution(
        `${prefix}-cdn`,
        {
          enabled: true,
          comment: `MTA-STS policy hosts, group ${group.label}`,
          aliases: hosts,
          isIpv6Enabled: true,
          // No default root object and no error pages: every request runs the routing function,
          // which answers 404 itself for anything but a group host's policy path.
          origins: [{ originId, domainName: bucket.bucketRegionalDomainName, originAccessControlId: oac.id }],
          defaultCacheBehavior: {
            targetOriginId: originId,
            viewerProtocolPolicy: "https-only",
            allowedMethods: ["GET", "HEAD"],
            cachedMethods: ["GET", "HEAD"],
            cachePolicyId: CACHING_DISABLED_CACHE_POLICY_ID,
            functionAssociations: [{ eventType: "viewer-request", functionArn: routing.arn }],
          },
          restrictions: { geoRestriction: { restrictionType: "none" } },
          viewerCertificate: { acmCertificateArn: validation.certificateArn, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
          // The resource completes only when the edge locations serve this configuration.
          waitForDeployment: true,
        },
        child,
      );
      groups.set(group.index, { group, certificate, validation, routing, distribution });
    }

    const groupList = [...groups.values()];
    const bucketPolicy = new aws.s3.BucketPolicy(
      `${name}-bucket-policy`,
      {
        bucket: bucket.id,
        policy: pulumi
          .all([bucket.arn, ...groupList.map((g) => g.distribution.arn)])
          .apply(([bucketArn, ...distributionArns]) => sharedBucketPolicy({ bucketArn, distributionArns })),
      },
      { parent: this, dependsOn: [publicAccess] },
    );

    // --- Per domain: host record, then the records that announce --------------------------------
    for (const part of domainParts) {
      const d = part.plan;
      const g = groups.get(d.group.index)!;
      const recordName = domainName(name, d);
      const adopt = d.args.adoptExistingRecords ?? false;
      const hostRecord =
        d.dnsHome === "cloudflare"
          ? cloudflareCnameRecord({ name: recordName, role: "host-cname", zoneId: part.zoneId, recordName: d.rendered.policyHost, target: g.distribution.domainName }, child)
          : route53CnameRecord(
              { name: recordName, role: "host-cname", zoneId: part.zoneId, recordName: d.rendered.policyHost, target: g.distribution.domainName, ...(adopt ? { allowOverwrite: true } : {}) },
              child,
            );
      const writeTxt = (role: string, txtName: string, value: pulumi.Input<string>, dependsOn: pulumi.Resource[]) =>
        d.dnsHome === "cloudflare"
          ? cloudflareTxtRecord({ name: recordName, role, zoneId: part.zoneId, recordName: txtName, value }, { parent: this, dependsOn })
          : route53TxtRecord({ name: recordName, role, zoneId: part.zoneId, recordName: txtName, value, allowOverwrite: adopt }, { parent: this, dependsOn });

      // Publish before announce (docs/invariants.md), for a domain joining an existing group
      // as much as for a new one: the id's value waits for the object's outputs, and the record
      // for everything a sender needs to fetch those bytes: the bucket policy admitting the
      // group's distribution, the certificate naming this host, the routing function that knows
      // it (the distribution reads the function's ARN, so it is also updated after it), the
      // distribution serving the host as an alias, and the host record. On destroy the same
      // edges remove the TXT first.
      const announced = afterGuardAnd(part.guard, part.policyObject.etag, d.rendered.stsRecord);
      writeTxt("sts-txt", d.rendered.stsRecordName, announced, [part.policyObject, bucketPolicy, g.validation, g.routing, g.distribution, hostRecord]);
      if (d.rendered.tlsRptRecord !== undefined) writeTxt("tlsrpt-txt", d.rendered.tlsRptRecordName, d.rendered.tlsRptRecord, []);
    }

    const byDomain = (value: (d: PlannedDomain) => string | undefined): Record<string, string> =>
      Object.fromEntries(plan.domains.flatMap((d) => (value(d) === undefined ? [] : [[d.rendered.domain, value(d)!]])));
    const byGroup = (value: (g: GroupResources) => pulumi.Output<string>): pulumi.Output<Record<string, string>> =>
      pulumi.all(Object.fromEntries(groupList.map((g) => [g.group.label, value(g)]))) as pulumi.Output<Record<string, string>>;

    this.policyIds = pulumi.output(byDomain((d) => d.rendered.policyId));
    this.policyUrls = pulumi.output(byDomain((d) => d.rendered.policyUrl));
    this.stsRecords = pulumi.output(byDomain((d) => d.rendered.stsRecord));
    this.tlsRptRecords = pulumi.output(byDomain((d) => d.rendered.tlsRptRecord));
    this.domainGroups = pulumi.output(byDomain((d) => d.group.label));
    this.distributionDomainNames = byGroup((g) => g.distribution.domainName);
    this.certificateArns = byGroup((g) => g.validation.certificateArn);
    this.bucketName = bucket.bucket;
    this.groupCount = pulumi.output(plan.groupCount);
    this.registerOutputs({
      policyIds: this.policyIds,
      policyUrls: this.policyUrls,
      stsRecords: this.stsRecords,
      tlsRptRecords: this.tlsRptRecords,
      domainGroups: this.domainGroups,
      distributionDomainNames: this.distributionDomainNames,
      certificateArns: this.certificateArns,
      bucketName: this.bucketName,
      groupCount: this.groupCount,
    });
  }
}

/** `${name}-<A-label domain>`: the prefix of a domain's children (see the module doc). */
function domainName(name: string, d: PlannedDomain): string {
  return `${name}-${d.rendered.domain}`;
}
