/**
 * Argument shapes shared by the components. Plain interfaces with string-literal enums, so that
 * Pulumi's component schema can describe them to YAML, Python and Go users. The policy values are
 * plain (not `Input`s) on purpose: they are validated, rendered and hashed before any resource is
 * declared, so bad input never reaches the cloud.
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsHome } from "./model/dns-home";
import { PolicyMode } from "./model/policy";

/** What senders are told to do (RFC 8461 §3.2). */
export interface PolicyArgs {
  /**
   * `enforce`: senders refuse to deliver unless an MX matches and its certificate is valid.
   * `testing`: senders deliver anyway and report failures (TLS-RPT). `none`: senders forget the
   * policy; use it to retire a domain. Required.
   */
  mode: PolicyMode;
  /**
   * MX host names or patterns senders may deliver to, e.g. `mx1.example.com` or
   * `*.mail.example.com` (the wildcard covers exactly one left-most label). Unicode names are
   * converted to A-labels; order, case and duplicates do not matter. Required unless `mode` is
   * `none`. Defaults to [].
   */
  mx?: string[];
  /** How long senders may cache the policy, in seconds, 0 to 31557600. Defaults to 604800 (one week). */
  maxAgeSeconds?: number;
}

/** Where senders send daily TLS reports (RFC 8460). */
export interface TlsRptArgs {
  /**
   * Report destinations: `mailto:` addresses or `https:` URLs, e.g. `mailto:tlsrpt@example.com`.
   * At least one. Required.
   */
  rua: string[];
}

/**
 * The fields every AWS-hosted mail domain has, in `AwsMtaSts` and in each domain of
 * `AwsSharedMtaStsHost`: which domain, its policy and TLS reporting, where its records live,
 * and the live MX check. Each component adds its own fields.
 */
export interface AwsDomainArgs {
  /**
   * The mail domain, e.g. `example.com` (Unicode names are converted to A-labels). The policy is
   * served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`. Required.
   */
  domain: string;
  /** The policy senders fetch: `mode`, `mx`, `maxAgeSeconds`. Required. */
  policy: PolicyArgs;
  /** Where senders send daily TLS reports; publishes `_smtp._tls.<domain>`. Defaults to no TLS-RPT record. */
  tlsRpt?: TlsRptArgs;
  /**
   * Which DNS service holds the domain's records: `route53` or `cloudflare`. Defaults to
   * `cloudflare` when `cloudflareZoneId` is given, else `route53`.
   */
  dns?: DnsHome;
  /**
   * The Route 53 hosted zone that holds the domain's records. Cannot be combined with
   * `cloudflareZoneId`. Defaults to the public hosted zone named exactly `domain`, looked up with
   * the consumer's AWS provider.
   */
  hostedZoneId?: pulumi.Input<string>;
  /**
   * The Cloudflare zone id that holds the domain's records (the site itself stays on AWS).
   * Required when `dns` is `cloudflare`; cannot be combined with `hostedZoneId`. Defaults to none.
   */
  cloudflareZoneId?: pulumi.Input<string>;
  /**
   * Before publishing, look up the domain's live MX hosts and check that the policy's `mx`
   * patterns admit every one: an uncovered host fails the deployment in `enforce` and is a warning
   * in `testing`. Defaults to true.
   */
  verifyLiveMx?: boolean;
}
