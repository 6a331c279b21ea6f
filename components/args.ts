/**
 * Argument shapes shared by the components. Plain interfaces with string-literal enums, so that
 * Pulumi's component schema can describe them to YAML, Python and Go users. The policy values are
 * plain (not `Input`s) on purpose: they are validated, rendered and hashed before any resource is
 * declared, so bad input never reaches the cloud.
 */
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

/** Which DNS service holds a domain's records. */
export const DnsHome = { Route53: "route53", Cloudflare: "cloudflare" } as const;
export type DnsHome = (typeof DnsHome)[keyof typeof DnsHome];
