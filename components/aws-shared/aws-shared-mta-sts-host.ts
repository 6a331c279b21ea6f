/**
 * AwsSharedMtaStsHost: MTA-STS (RFC 8461) and TLS-RPT (RFC 8460) for many mail domains on AWS,
 * served by a few shared resources instead of a bucket, distribution and certificate per domain.
 *
 * Why: AwsMtaSts declares 13 to 14 resources per domain, including a CloudFront distribution, an
 * Origin Access Control and an ACM certificate; AWS's default quotas (aws-quotas.ts) stop it at
 * 100 domains per account, and hundreds of domains slow every `pulumi preview`. Here:
 *
 * - shared (4): one private bucket (+ ownership controls, public access block) and one bucket
 *   policy admitting exactly the group distributions;
 * - per slice of up to 100 groups (3; group-names.ts): an Origin Access Control, a CloudFront
 *   Function that routes `/.well-known/mta-sts.txt` by `Host` to that host's own object
 *   (routing-function.ts; anything else is a 404 at the edge), and a cache policy that caches
 *   nothing, each shared by the slice's distributions (CloudFront allows 100 distributions per
 *   each of them);
 * - per group (3): domains are assigned to groups by their pins, or stably by hash without one
 *   (grouping.ts); each group has an ACM certificate in us-east-1 naming its `mta-sts.<domain>`
 *   hosts, its validation, and a distribution;
 * - per domain (4, or 5 with TLS-RPT): the policy object, the certificate validation record, the
 *   host record (a CNAME to the group's distribution, which Route 53 and Cloudflare both take, so
 *   one record instead of A + AAAA aliases), the `_mta-sts` TXT and the `_smtp._tls` TXT.
 *
 * The flow per domain is the same as AwsMtaSts: config → validated intent → bytes → id →
 * resources → records, with the `_mta-sts` TXT written last (publish before announce): its value
 * is derived from the policy object's outputs and it depends on the object, the bucket policy,
 * its group's certificate validation and distribution, its slice's routing function, and its
 * host record. Both components are built from the same AWS toolkit (components/aws-common/); the
 * slices' and groups' resources are declared in group-resources.ts.
 *
 * Children are named `${name}-<role>` (shared: bucket, bucket-ownership, bucket-public-access,
 * bucket-policy; slice 0: oac, routing, cache), `${name}-s<k>-<role>` (slice k from 1: oac,
 * routing, cache), `${name}-g<NN>-<role>` (per group: cert, cert-validation, cdn) and
 * `${name}-<domain>-<role>` (per domain: policy, cert-validation-record, host-cname, sts-txt,
 * tlsrpt-txt). The domain part is the A-label domain itself, dots included: Pulumi names may
 * hold dots, and unlike replacing them with dashes (`a-b.com` and `a.b-com` would both become
 * `a-b-com`) it cannot collide, and it never depends on the other domains, so adding a domain
 * renames nothing.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { sharedBucketPolicy } from "../aws-common/bucket-policy";
import { DomainRecords, domainRecords } from "../aws-common/domain-records";
import { bucketPolicy, policyObject, PrivateBucket, privateBucket } from "../aws-common/private-bucket";
import { afterGuard, afterGuardAnd, guardLiveMx, LiveMxGuard } from "../guard/component-guard";
import { logDomainWarnings } from "../validate-args";
import { AwsSharedMtaStsHostArgs } from "./args";
import { sliceOf } from "./group-names";
import { declareGroup, declareSlices, GroupResources } from "./group-resources";
import { PlannedDomain, planSharedHost } from "./plan-shared-host";
import { policyObjectKey } from "./routing-function";

export type { AwsSharedMtaStsHostArgs, SharedDomainArgs } from "./args";

/** What one domain declares before its group: the MX guard, its policy object, its record writer. */
interface DomainParts {
  readonly plan: PlannedDomain;
  readonly guard: LiveMxGuard;
  readonly policy: aws.s3.BucketObjectv2;
  readonly records: DomainRecords;
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
    // Validate, render and group before anything is registered, the component itself included,
    // so that bad input never reaches the cloud: a bad config throws here and nothing reaches
    // the engine.
    const plan = planSharedHost(args);
    super("pulumi-mta-sts:index:AwsSharedMtaStsHost", name, {}, opts);
    for (const d of plan.domains) logDomainWarnings(this, d.rendered.domain, d.warnings);

    const bucket = privateBucket(name, this);
    const slices = declareSlices(name, plan.groups, this);
    const parts = plan.domains.map((d) => declareDomainParts(name, d, bucket, args.dnsResolver, this));
    const groups = new Map<number, GroupResources>();
    for (const group of plan.groups) {
      const members = parts.filter((p) => p.plan.group.index === group.index).map((p) => ({ policyHost: p.plan.rendered.policyHost, records: p.records }));
      groups.set(group.index, declareGroup(name, group, members, bucket, slices.get(sliceOf(group.index))!, this));
    }
    const groupList = [...groups.values()];
    const readers = bucketPolicy(
      name,
      bucket,
      pulumi
        .all([bucket.bucket.arn, ...groupList.map((g) => g.distribution.arn)])
        .apply(([bucketArn, ...distributionArns]) => sharedBucketPolicy({ bucketArn, distributionArns })),
      this,
    );
    for (const part of parts) announce(part, groups.get(part.plan.group.index)!, readers);

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
    this.bucketName = bucket.bucket.bucket;
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

/** A domain's MX guard (the policy object's content and the TXT value wait for it), policy object and record writer. */
function declareDomainParts(name: string, d: PlannedDomain, bucket: PrivateBucket, dnsResolver: string | undefined, parent: pulumi.Resource): DomainParts {
  const guard = guardLiveMx(parent, d.rendered, { ...(d.args.verifyLiveMx !== undefined ? { verifyLiveMx: d.args.verifyLiveMx } : {}), ...(dnsResolver !== undefined ? { dnsResolver } : {}) });
  const prefix = domainName(name, d);
  const policy = policyObject(prefix, bucket, policyObjectKey(d.rendered.policyHost), afterGuard(guard, d.rendered.policyText), parent);
  const records = domainRecords(
    {
      name: prefix,
      domain: d.rendered.domain,
      dnsHome: d.dnsHome,
      hostedZoneId: d.args.hostedZoneId,
      cloudflareZoneId: d.args.cloudflareZoneId,
      adoptExistingRecords: d.args.adoptExistingRecords ?? false,
      route53HostRecords: "cname",
    },
    parent,
  );
  return { plan: d, guard, policy, records };
}

/**
 * A domain's host record, then the records that announce. Publish before announce, for a domain
 * joining an existing group as much as for a new one: the id's value waits for the object's
 * outputs, and the record for everything a sender needs to fetch those bytes: the bucket policy
 * admitting the group's distribution, the certificate naming this host, the slice's routing
 * function (the distribution reads its ARN, so it is also updated after it), the distribution
 * serving the host as an alias, and the host record. On destroy the same edges remove the TXT
 * first.
 */
function announce(part: DomainParts, group: GroupResources, readers: pulumi.Resource): void {
  const d = part.plan.rendered;
  const [hostRecord] = part.records.hostRecords(d.policyHost, group.distribution);
  const announced = afterGuardAnd(part.guard, part.policy.etag, d.stsRecord);
  part.records.txt("sts-txt", d.stsRecordName, announced, [part.policy, readers, group.validation, group.slice.routing, group.distribution, hostRecord]);
  if (d.tlsRptRecord !== undefined) part.records.txt("tlsrpt-txt", d.tlsRptRecordName, d.tlsRptRecord, []);
}
