/**
 * The CloudFront and ACM side of the shared host, per slice and per group, built from the AWS
 * toolkit (components/aws-common/):
 *
 * - per slice of up to 100 groups (group-names.ts): an Origin Access Control, the routing
 *   CloudFront Function (routing-function.ts) and a cache policy that caches nothing, each shared
 *   by the slice's distributions;
 * - per group: a certificate naming every host of the group, its validation, and a distribution
 *   with the group's hosts as aliases, on its slice's three.
 *
 * Children: `<prefix>-oac`, `-routing`, `-cache` per slice (the prefix from `slicePrefix`);
 * `<name>-g<NN>-cert`, `-cert-validation`, `-cdn` per group.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { certificateValidation, certificateValidationRecord, policyCertificate } from "../aws-common/certificate";
import { noCachePolicy, originAccessControl, policyDistribution } from "../aws-common/cloudfront";
import { DomainRecords } from "../aws-common/domain-records";
import { PrivateBucket } from "../aws-common/private-bucket";
import { sliceGroups, sliceOf, slicePrefix } from "./group-names";
import { certificateNames, DomainGroup } from "./grouping";
import { routingFunctionCode, ROUTING_FUNCTION_RUNTIME } from "./routing-function";

/** What the distributions of one slice share. */
export interface SliceResources {
  readonly oac: aws.cloudfront.OriginAccessControl;
  readonly routing: aws.cloudfront.Function;
  readonly cache: aws.cloudfront.CachePolicy;
}

/** The children of one group. */
export interface GroupResources {
  readonly group: DomainGroup;
  readonly slice: SliceResources;
  readonly validation: aws.acm.CertificateValidation;
  readonly distribution: aws.cloudfront.Distribution;
}

/** One member of a group: its policy host and the writer of its domain's records. */
export interface GroupMember {
  readonly policyHost: string;
  readonly records: DomainRecords;
}

/** The resources of every slice that holds one of `groups`, by slice number. */
export function declareSlices(name: string, groups: readonly DomainGroup[], parent: pulumi.Resource): Map<number, SliceResources> {
  const slices = new Map<number, SliceResources>();
  for (const slice of [...new Set(groups.map((g) => sliceOf(g.index)))].sort((a, b) => a - b)) {
    const prefix = slicePrefix(name, slice);
    const range = sliceGroups(slice);
    slices.set(slice, {
      // Slice 0 keeps the description the host's single Origin Access Control always had, so a
      // host deployed before slices keeps it unchanged.
      oac: originAccessControl(prefix, slice === 0 ? "MTA-STS shared policy bucket" : `MTA-STS shared policy bucket, ${range}`, parent),
      routing: new aws.cloudfront.Function(
        `${prefix}-routing`,
        // A distribution runs a function's LIVE stage only; publishing makes this code live.
        { runtime: ROUTING_FUNCTION_RUNTIME, comment: `MTA-STS policy routing by Host, ${range}`, code: routingFunctionCode(), publish: true },
        { parent },
      ),
      cache: noCachePolicy(prefix, `MTA-STS policy files: never cached, ${range}`, parent),
    });
  }
  return slices;
}

/**
 * One group's certificate, the validation record of each member (in that member's own zone),
 * the validation and the distribution. `members` in any order: every list built from them
 * (certificate names, validation FQDNs, aliases) is sorted by host, so the inputs are the same
 * whatever order the domains are listed in.
 */
export function declareGroup(
  name: string,
  group: DomainGroup,
  members: readonly GroupMember[],
  bucket: PrivateBucket,
  slice: SliceResources,
  parent: pulumi.Resource,
): GroupResources {
  const prefix = `${name}-${group.label}`;
  const sorted = [...members].sort((a, b) => (a.policyHost < b.policyHost ? -1 : a.policyHost > b.policyHost ? 1 : 0));
  const hosts = sorted.map((m) => m.policyHost);
  const certificate = policyCertificate(prefix, certificateNames(hosts)!, parent); // names checked by planSharedHost
  // ACM hands out one validation CNAME per name; each domain's record is written into that
  // domain's own zone, so it is a per-domain child, found by the name it validates. (The group's
  // certificate is replaced whenever the group changes, and the record is the same for every
  // certificate of the name, so taking over an existing one is always right.)
  const written = sorted.map((m) => m.records.validationRecord(certificateValidationRecord(certificate, m.policyHost, `${prefix}-cert`)));
  const fqdns = written.flatMap((w) => (w.fqdn ? [w.fqdn] : []));
  const validation = certificateValidation(
    prefix,
    certificate,
    // The provider checks that the list names every validation record of the certificate, so it
    // is given only when all of them are in Route 53.
    { resources: written.map((w) => w.record), ...(fqdns.length === sorted.length ? { recordFqdns: fqdns } : {}) },
    parent,
  );
  // No default root object and no error pages: every request runs the routing function, which
  // answers 404 itself for anything but a policy host's policy path.
  const distribution = policyDistribution(
    prefix,
    {
      comment: `MTA-STS policy hosts, group ${group.label}`,
      aliases: hosts,
      originDomainName: bucket.bucket.bucketRegionalDomainName,
      originAccessControlId: slice.oac.id,
      certificateArn: validation.certificateArn,
      cachePolicyId: slice.cache.id,
      viewerRequestFunctionArn: slice.routing.arn,
    },
    parent,
  );
  return { group, slice, validation, distribution };
}
