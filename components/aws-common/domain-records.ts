/**
 * The DNS records of one AWS-hosted mail domain, written where the domain's DNS lives (Route 53
 * or Cloudflare DNS): the ACM validation CNAME, the policy host's records pointing at a
 * distribution, and the `_mta-sts` and `_smtp._tls` TXT records. Both AWS components write
 * through this one writer, so a domain's records have the same shape whichever host serves it.
 *
 * - Route 53 without `hostedZoneId`: the public zone named exactly like the domain, looked up
 *   with the consumer's AWS provider (inherited from `parent`). A domain inside a parent's zone
 *   (mail.example.com in example.com) must pass `hostedZoneId`.
 * - The validation record is the same for every certificate of this name in the account, so in
 *   Route 53 taking over one left by an earlier certificate is always right (`allowOverwrite`).
 * - `adoptExistingRecords` (Route 53 only) takes over hand-made host and TXT records.
 *
 * Children: `${name}-cert-validation-record`, `${name}-host-a` + `${name}-host-aaaa` (Route 53
 * aliases) or `${name}-host-cname`, `${name}-sts-txt`, `${name}-tlsrpt-txt`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DnsHome } from "../model/dns-home";
import { cloudflareCnameRecord, cloudflareTxtRecord } from "../dns/cloudflare-records";
import { route53AliasRecord, route53CnameRecord, route53TxtRecord } from "../dns/route53-records";
import { CertificateValidationRecord } from "./certificate";

export interface DomainRecordsArgs {
  /** The prefix of the records' names: the component's name, or the shared host's domain prefix. */
  readonly name: string;
  /** The A-label mail domain, e.g. `example.com`. */
  readonly domain: string;
  readonly dnsHome: DnsHome;
  readonly hostedZoneId?: pulumi.Input<string>;
  /** Required when `dnsHome` is `cloudflare` (checked by the args' validation). */
  readonly cloudflareZoneId?: pulumi.Input<string>;
  /** Take over hand-made records in Route 53. */
  readonly adoptExistingRecords: boolean;
  /**
   * How the policy host points at its distribution in Route 53: A + AAAA aliases (a distribution
   * of its own), or one CNAME (a group's distribution; one record instead of two). Cloudflare
   * always gets a CNAME.
   */
  readonly route53HostRecords: "alias" | "cname";
}

/** A written validation record; `fqdn` for Route 53, whose validation takes the list. */
export interface WrittenValidationRecord {
  readonly record: pulumi.Resource;
  readonly fqdn?: pulumi.Output<string>;
}

export interface DomainRecords {
  /** The zone id the records go to (Route 53: given or looked up; Cloudflare: the zone id). */
  readonly zoneId: pulumi.Input<string>;
  validationRecord(option: CertificateValidationRecord): WrittenValidationRecord;
  /** The records of `policyHost` pointing at `distribution`. */
  hostRecords(policyHost: string, distribution: aws.cloudfront.Distribution): pulumi.Resource[];
  /** A TXT record with role `role` (`sts-txt`, `tlsrpt-txt`), written after `dependsOn`. */
  txt(role: string, recordName: string, value: pulumi.Input<string>, dependsOn: pulumi.Resource[]): pulumi.Resource;
}

/** The writer for one domain's records, its zone resolved once. */
export function domainRecords(args: DomainRecordsArgs, parent: pulumi.Resource): DomainRecords {
  const child = { parent };
  const { name } = args;
  if (args.dnsHome === "cloudflare") {
    const zoneId = args.cloudflareZoneId!;
    return {
      zoneId,
      validationRecord: (option) => ({
        record: cloudflareCnameRecord({ name, role: "cert-validation-record", zoneId, recordName: option.name, target: option.value }, child),
      }),
      hostRecords: (policyHost, distribution) => [cloudflareCnameRecord({ name, role: "host-cname", zoneId, recordName: policyHost, target: distribution.domainName }, child)],
      txt: (role, recordName, value, dependsOn) => cloudflareTxtRecord({ name, role, zoneId, recordName, value }, { parent, dependsOn }),
    };
  }
  const zoneId = route53ZoneId(args.domain, args.hostedZoneId, parent);
  const adopt = args.adoptExistingRecords;
  const overwrite = adopt ? { allowOverwrite: true } : {};
  return {
    zoneId,
    validationRecord: (option) => {
      const record = route53CnameRecord(
        { name, role: "cert-validation-record", zoneId, recordName: option.name, target: option.value, ttl: 60, allowOverwrite: true },
        child,
      );
      return { record, fqdn: record.fqdn };
    },
    hostRecords: (policyHost, distribution) =>
      args.route53HostRecords === "cname"
        ? [route53CnameRecord({ name, role: "host-cname", zoneId, recordName: policyHost, target: distribution.domainName, ...overwrite }, child)]
        : (["A", "AAAA"] as const).map((type) =>
            route53AliasRecord(
              {
                name,
                role: `host-${type.toLowerCase()}`,
                zoneId,
                recordName: policyHost,
                type,
                targetName: distribution.domainName,
                targetZoneId: distribution.hostedZoneId,
                ...overwrite,
              },
              child,
            ),
          ),
    txt: (role, recordName, value, dependsOn) => route53TxtRecord({ name, role, zoneId, recordName, value, allowOverwrite: adopt }, { parent, dependsOn }),
  };
}

/** The Route 53 zone of `domain`: `hostedZoneId`, else the public zone named exactly `domain`. */
export function route53ZoneId(domain: string, hostedZoneId: pulumi.Input<string> | undefined, parent: pulumi.Resource): pulumi.Input<string> {
  return hostedZoneId ?? aws.route53.getZoneOutput({ name: domain, privateZone: false }, { parent }).zoneId;
}
