/**
 * Record writers for Route 53 hosted zones. Each function declares exactly one
 * `aws.route53.Record` named `${name}-${role}`, parented and ordered as the caller says, and
 * writes the value the way the provider wants it, so callers pass plain values:
 *
 * - TXT: `value` is the record text as published (`v=STSv1; id=...`); values over 255 octets
 *   are split into several character-strings (`route53TxtValue`). Never pre-quote it.
 *   `allowOverwrite` takes over a record that already exists (adopting a hand-made record
 *   without a window in which none exists).
 * - CNAME: `target` is a host name (ACM validation records).
 * - Alias: A or AAAA alias to a CloudFront distribution (or any alias target).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { mapInput } from "../map-input";
import { route53TxtValue } from "./txt-values";

/**
 * Resource options for a record writer: any `CustomResourceOptions` (e.g. `dependsOn`), with
 * `parent` required so that every record is a child of the component and inherits the consumer's
 * providers.
 */
export type Route53RecordOptions = pulumi.CustomResourceOptions & { parent: pulumi.Resource };

/** What every Route 53 record writer needs. */
export interface Route53RecordArgs {
  /** The component's name; the record resource is named `${name}-${role}`. */
  name: string;
  /** The record's role within the component, e.g. `sts-txt`, `host-a`, `cert-validation`. */
  role: string;
  /** The hosted zone id that holds the record. */
  zoneId: pulumi.Input<string>;
  /** The fully qualified record name, e.g. `_mta-sts.example.com`. */
  recordName: pulumi.Input<string>;
}

export interface Route53TxtRecordArgs extends Route53RecordArgs {
  /** The TXT value as published, unquoted, e.g. `v=STSv1; id=abc`. Split here when over 255 octets. */
  value: pulumi.Input<string>;
  /** Time to live in seconds. Defaults to 300. */
  ttl?: number;
  /** Take over an existing record of the same name and type instead of failing. Defaults to false. */
  allowOverwrite?: boolean;
}

export interface Route53CnameRecordArgs extends Route53RecordArgs {
  /** The host the name points to. */
  target: pulumi.Input<string>;
  /** Time to live in seconds. Defaults to 300. */
  ttl?: number;
  /** Take over an existing record of the same name and type instead of failing. Defaults to false. */
  allowOverwrite?: boolean;
}

export interface Route53AliasRecordArgs extends Route53RecordArgs {
  /** `A` or `AAAA`. */
  type: "A" | "AAAA";
  /** The alias target's DNS name, e.g. a CloudFront distribution's `domainName`. */
  targetName: pulumi.Input<string>;
  /** The alias target's hosted zone id, e.g. a CloudFront distribution's `hostedZoneId`. */
  targetZoneId: pulumi.Input<string>;
  /** Take over an existing record of the same name and type instead of failing. Defaults to false. */
  allowOverwrite?: boolean;
}

export const DEFAULT_ROUTE53_TTL = 300;

/** Declare a TXT record in Route 53. */
export function route53TxtRecord(args: Route53TxtRecordArgs, opts: Route53RecordOptions): aws.route53.Record {
  return new aws.route53.Record(
    `${args.name}-${args.role}`,
    {
      zoneId: args.zoneId,
      name: args.recordName,
      type: "TXT",
      ttl: args.ttl ?? DEFAULT_ROUTE53_TTL,
      records: [mapInput(args.value, route53TxtValue)],
      ...(args.allowOverwrite ? { allowOverwrite: true } : {}),
    },
    opts,
  );
}

/** Declare a CNAME record in Route 53. */
export function route53CnameRecord(args: Route53CnameRecordArgs, opts: Route53RecordOptions): aws.route53.Record {
  return new aws.route53.Record(
    `${args.name}-${args.role}`,
    {
      zoneId: args.zoneId,
      name: args.recordName,
      type: "CNAME",
      ttl: args.ttl ?? DEFAULT_ROUTE53_TTL,
      records: [args.target],
      ...(args.allowOverwrite ? { allowOverwrite: true } : {}),
    },
    opts,
  );
}

/** Declare an A or AAAA alias record in Route 53 (no health evaluation: CloudFront has none). */
export function route53AliasRecord(args: Route53AliasRecordArgs, opts: Route53RecordOptions): aws.route53.Record {
  return new aws.route53.Record(
    `${args.name}-${args.role}`,
    {
      zoneId: args.zoneId,
      name: args.recordName,
      type: args.type,
      aliases: [{ name: args.targetName, zoneId: args.targetZoneId, evaluateTargetHealth: false }],
      ...(args.allowOverwrite ? { allowOverwrite: true } : {}),
    },
    opts,
  );
}
