/**
 * Mail providers whose MX host names are documented, so that a policy can name the provider's
 * hosts as the provider publishes them instead of whatever a domain's MX records say today.
 *
 * A domain on Google Workspace set up before 2023 has MX records `aspmx.l.google.com` and
 * `alt1.aspmx.l.google.com` to `alt4...`; one set up since has the single `smtp.google.com`.
 * Google can move a domain between them, and a policy that lists only today's hosts then
 * bounces mail under `enforce` (RFC 8461 §4.1: a sender refuses an MX host no `mx` pattern
 * admits). The provider's documented set covers both.
 *
 * The table is not trusted: `providerPatterns` recognises a provider by the domain its hosts
 * live under, then checks each live MX host against the provider's patterns with the RFC 8461
 * §4.1 matcher. A live host under the provider's domain that its patterns do not admit (a new
 * host name the table does not know, or `aspmx2.googlemail.com` from Google's oldest
 * instructions) is reported as uncovered, and the caller lists it as it is.
 *
 * Pure: no I/O.
 */
import { mxMatches } from "./mx-match";

export interface MailProvider {
  /** The provider's name, as a comment in a generated config says it. */
  readonly name: string;
  /** Domains the provider's MX hosts live under: a host equal to one, or below one, is the provider's. */
  readonly hostDomains: readonly string[];
  /** The `mx` patterns for a domain on this provider (RFC 8461 §3.2 syntax). */
  readonly patterns: readonly string[];
  /** The provider's own page that documents these hosts. */
  readonly source: string;
}

/**
 * The providers init knows. Each entry's patterns come from the page in `source`: the MX host
 * names the provider tells its customers to publish, with a one-label wildcard only where the
 * provider documents a family of hosts under one name.
 */
export const MAIL_PROVIDERS: readonly MailProvider[] = [
  {
    // "Google Workspace MX record values": smtp.google.com for domains set up since 2023,
    // ASPMX.L.GOOGLE.COM and ALT1 to ALT4.ASPMX.L.GOOGLE.COM before. The MTA-STS page
    // (support.google.com/a/answer/9276511) asks for a policy that names the domain's MX hosts.
    name: "Google Workspace",
    hostDomains: ["google.com", "googlemail.com"],
    patterns: ["smtp.google.com", "aspmx.l.google.com", "*.aspmx.l.google.com"],
    source: "https://support.google.com/a/answer/174125",
  },
  {
    // "Enhancing mail flow with MTA-STS": the inbound policy for a domain on Exchange Online is
    // `mx: *.mail.protection.outlook.com` (the MX host is <domain-with-dashes>.mail.protection.outlook.com).
    name: "Microsoft 365",
    hostDomains: ["mail.protection.outlook.com"],
    patterns: ["*.mail.protection.outlook.com"],
    source: "https://learn.microsoft.com/en-us/purview/enhancing-mail-flow-with-mta-sts",
  },
  {
    // "Full list of DNS records": MX in1-smtp.messagingengine.com (10) and in2-smtp.messagingengine.com (20).
    name: "Fastmail",
    hostDomains: ["messagingengine.com"],
    patterns: ["in1-smtp.messagingengine.com", "in2-smtp.messagingengine.com"],
    source: "https://www.fastmail.help/hc/en-us/articles/360060591153",
  },
  {
    // "Configure email delivery - update MX records": mx.zoho.com (10), mx2.zoho.com (20), mx3.zoho.com (50).
    name: "Zoho Mail",
    hostDomains: ["zoho.com"],
    patterns: ["mx.zoho.com", "mx2.zoho.com", "mx3.zoho.com"],
    source: "https://www.zoho.com/mail/help/adminconsole/configure-email-delivery.html",
  },
];

/** What the provider table says about one domain's live MX hosts. */
export interface ProviderMatch {
  readonly provider: MailProvider;
  /** The live hosts under the provider's domains that its patterns admit. */
  readonly covered: readonly string[];
  /** The live hosts under the provider's domains that its patterns do not admit: list these as they are. */
  readonly uncovered: readonly string[];
}

/** The provider whose host domains hold `host`, if any (`alt1.aspmx.l.google.com` → Google Workspace). */
export function providerOfHost(host: string, providers: readonly MailProvider[] = MAIL_PROVIDERS): MailProvider | undefined {
  const name = host.toLowerCase().replace(/\.$/, "");
  return providers.find((p) => p.hostDomains.some((d) => name === d || name.endsWith(`.${d}`)));
}

/**
 * The providers among `liveHosts` (A-label host names, e.g. from the MX records), in the order
 * their first host appears, each with the hosts its patterns cover and those they do not.
 */
export function providerPatterns(liveHosts: readonly string[], providers: readonly MailProvider[] = MAIL_PROVIDERS): ProviderMatch[] {
  const matches = new Map<MailProvider, { covered: string[]; uncovered: string[] }>();
  for (const host of liveHosts) {
    const provider = providerOfHost(host, providers);
    if (!provider) continue;
    const match = matches.get(provider) ?? { covered: [], uncovered: [] };
    matches.set(provider, match);
    // Checked, not trusted: the provider's patterns must admit the host under RFC 8461 §4.1.
    (provider.patterns.some((pattern) => mxMatches(pattern, host)) ? match.covered : match.uncovered).push(host);
  }
  return [...matches].map(([provider, m]) => ({ provider, covered: m.covered, uncovered: m.uncovered }));
}
