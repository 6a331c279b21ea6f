/**
 * Record writers for zones kept at Cloudflare DNS, shared by AwsMtaSts (records at Cloudflare,
 * site on AWS) and CloudflareMtaSts. Each function declares exactly one `cloudflare.DnsRecord`
 * named `${name}-${role}`, parented and ordered as the caller says, and writes the value the way
 * Cloudflare's API wants it, so callers pass plain values:
 *
 * - TXT: `value` is the record text as published (`v=STSv1; id=...`); the writer quotes it and
 *   splits it into 255-octet character-strings (`cloudflareTxtContent`). Never pre-quote it.
 * - CNAME: `target` is a host name; unproxied by default, because a proxied record answers with
 *   Cloudflare's addresses and certificate instead of the target's (fatal for the policy host on
 *   CloudFront and for ACM validation records).
 * - Names and targets may be written with or without the trailing dot (ACM hands them out with
 *   one); it is removed, because Cloudflare stores names without it and a dot would show as a
 *   diff on every refresh.
 * - `ttl` defaults to 1, which Cloudflare reads as "automatic".
 *
 * Stable contract: these signatures are imported by other components; extend the argument
 * interfaces only with optional fields.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { mapInput } from "../map-input";
import { cloudflareTxtContent } from "./txt-values";

/**
 * Resource options for a record writer: any `CustomResourceOptions` (e.g. `dependsOn`,
 * `aliases`, `deleteBeforeReplace`), with `parent` required so that every record is a child of
 * the component and inherits the consumer's providers.
 */
export type CloudflareRecordOptions = pulumi.CustomResourceOptions & { parent: pulumi.Resource };

/** What every Cloudflare record writer needs. */
export interface CloudflareRecordArgs {
  /** The component's name; the record resource is named `${name}-${role}`. */
  name: string;
  /** The record's role within the component, e.g. `sts-txt`, `tlsrpt-txt`, `host-cname`. */
  role: string;
  /** The Cloudflare zone id that holds the record. */
  zoneId: pulumi.Input<string>;
  /** The fully qualified record name in Punycode, e.g. `_mta-sts.example.com` (a trailing dot is removed). */
  recordName: pulumi.Input<string>;
  /** Time to live in seconds; 1 means automatic. Defaults to 1. */
  ttl?: number;
  /** A note stored with the record; no effect on DNS answers. Defaults to none. */
  comment?: string;
}

export interface CloudflareTxtRecordArgs extends CloudflareRecordArgs {
  /** The TXT value as published, unquoted, e.g. `v=STSv1; id=abc`. Quoted and split here. */
  value: pulumi.Input<string>;
}

export interface CloudflareCnameRecordArgs extends CloudflareRecordArgs {
  /** The host the name points to, e.g. `d111111abcdef8.cloudfront.net` (a trailing dot is removed). */
  target: pulumi.Input<string>;
  /** Whether Cloudflare proxies the name. Defaults to false (DNS only). */
  proxied?: boolean;
}

/** Declare a TXT record at Cloudflare. */
export function cloudflareTxtRecord(args: CloudflareTxtRecordArgs, opts: CloudflareRecordOptions): cloudflare.DnsRecord {
  return new cloudflare.DnsRecord(
    `${args.name}-${args.role}`,
    {
      ...common(args),
      type: "TXT",
      content: mapInput(args.value, cloudflareTxtContent),
    },
    opts,
  );
}

/** Declare a CNAME record at Cloudflare, unproxied unless asked. */
export function cloudflareCnameRecord(args: CloudflareCnameRecordArgs, opts: CloudflareRecordOptions): cloudflare.DnsRecord {
  return new cloudflare.DnsRecord(
    `${args.name}-${args.role}`,
    {
      ...common(args),
      type: "CNAME",
      content: mapInput(args.target, withoutTrailingDot),
      proxied: args.proxied ?? false,
    },
    opts,
  );
}

function common(args: CloudflareRecordArgs) {
  return {
    zoneId: args.zoneId,
    name: mapInput(args.recordName, withoutTrailingDot),
    ttl: args.ttl ?? 1,
    ...(args.comment !== undefined ? { comment: args.comment } : {}),
  };
}

/** `_x.example.com.` → `_x.example.com` */
export function withoutTrailingDot(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}
