/**
 * Onboarding a mail domain from what its DNS says today: the live MX records, the `_mta-sts` and
 * `_smtp._tls` records and the policy it serves, turned into one entry of the stack config, with
 * a note of where each value came from.
 *
 * The rules, in the order they decide:
 *
 * - **A DNS question that got no answer** (timeout, SERVFAIL) fails the domain: nothing about it
 *   can be known, so no entry is written for it.
 * - **No MX, or a null MX** (RFC 7505 `0 .`): the domain receives no mail, so MTA-STS has nothing
 *   to protect; it is left out. A domain that does not exist at all (NXDOMAIN) is left out too.
 * - **A domain that publishes a policy** (one valid `_mta-sts` record and a policy that parses
 *   as a sender reads it, RFC 8461 §3.1 to §3.3) keeps its mode and `max_age`; its mx list is the
 *   published patterns plus every live MX host they do not admit (RFC 8461 §4.1), in `none` too
 *   (so that leaving `none` never strands a host). In `enforce`,
 *   such a host is refused by senders today, so its mail bounces: that is an alert, not a note.
 * - **Any other domain** starts in `testing` (RFC 8461 §5: senders report, nothing bounces),
 *   with an mx list that admits every live MX host, in order of preference.
 * - **Known providers** (mx-providers.ts) are written as the provider's documented patterns
 *   instead of today's host names, when a live MX host is the provider's and the patterns admit
 *   it; a host the patterns do not admit is listed as it is.
 * - **TLS-RPT**: an existing valid `_smtp._tls` record keeps its `rua`; otherwise the `rua`
 *   given by the caller, if any (RFC 8460 §3).
 * - **Route 53** takes over records that exist (`adoptExistingRecords`), so that the first
 *   deployment replaces them instead of failing; Cloudflare has no such switch (the caller is
 *   told to import them).
 *
 * The result's mx list is checked against every live MX host with the RFC 8461 §4.1 matcher
 * before it is returned: an entry that would leave a live MX uncovered is never produced.
 *
 * Pure: no I/O; the observation is gathered by components/check/observe-domain.ts.
 */
import { normaliseMxPattern } from "./hostname";
import { uncoveredMxHosts } from "./mx-match";
import { MAIL_PROVIDERS, MailProvider, providerPatterns } from "./mx-providers";
import { analysePolicy, Policy, PolicyMode } from "./policy";
import { selectStsRecord, selectTlsRptRecord } from "./records";
import { excerpt } from "../terminal-text";

/** What one DNS question returned: its answer, or why there was none (`DNS MX lookup of x failed: ETIMEOUT`). */
export type Observed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The policy the domain serves now, as `check` fetches it. */
export type ServedPolicy =
  | {
      readonly fetched: true;
      readonly status: number;
      readonly contentType?: string;
      /** The body (at most 64 KiB, RFC 8461 §3.3). */
      readonly body: string;
      /** Why a sender would refuse the certificate (chain, name, dates), when it would. */
      readonly certificateProblem?: string;
    }
  | { readonly fetched: false; readonly reason: string };

/** Everything init reads about one domain. */
export interface DomainObservation {
  /** The mail domain, as an A-label. */
  readonly domain: string;
  /** MX records: `{ priority: 0, exchange: "" }` is a null MX (RFC 7505). */
  readonly mx: Observed<readonly { readonly priority: number; readonly exchange: string }[]>;
  /** Whether the name exists (false: NXDOMAIN); asked only when it has no MX. */
  readonly exists?: Observed<boolean>;
  /** TXT records at `_mta-sts.<domain>`, each as its character-strings. */
  readonly stsTxt: Observed<readonly (readonly string[])[]>;
  /** TXT records at `_smtp._tls.<domain>`. */
  readonly tlsRptTxt: Observed<readonly (readonly string[])[]>;
  /** Addresses of `mta-sts.<domain>`. */
  readonly policyHostAddresses: Observed<readonly string[]>;
  /** Fetched only when `_mta-sts.<domain>` holds a `v=STSv1` record. */
  readonly servedPolicy?: ServedPolicy;
}

/** Where the records will be written, as the stack config says it (`dns`). */
export type DnsHomeChoice = "route53" | "cloudflare";

export interface OnboardingOptions {
  readonly dns: DnsHomeChoice;
  /** `--rua`: report addresses for a domain without a TLS-RPT record of its own. */
  readonly rua?: readonly string[];
  /** The provider table. Defaults to `MAIL_PROVIDERS`. */
  readonly providers?: readonly MailProvider[];
}

/** One mx pattern of the entry and why it is there. */
export interface SourcedPattern {
  readonly pattern: string;
  readonly source: string;
}

/** A domain entry of the stack config, and where each value came from. */
export interface OnboardedDomain {
  readonly kind: "entry";
  readonly domain: string;
  readonly mode: PolicyMode;
  readonly modeSource: string;
  readonly mx: readonly SourcedPattern[];
  /** The published `max_age`, kept; absent for a new domain (the default applies). */
  readonly maxAgeSeconds?: { readonly value: number; readonly source: string };
  readonly rua?: { readonly value: readonly string[]; readonly source: string };
  /** Route 53 only: records exist that the first deployment must take over. */
  readonly adoptExistingRecords?: { readonly source: string };
  /** The live MX hosts, by preference (what the mx list was checked against). */
  readonly liveMx: readonly string[];
  /** Said once, in a comment on the entry and on stderr. */
  readonly notes: readonly string[];
  /** Mail bounces today (an enforce policy that misses a live MX): said loudly on stderr. */
  readonly alerts: readonly string[];
}

/** A domain that gets no entry, and why. */
export interface SkippedDomain {
  /** `left-out`: it receives no mail; `failed`: its DNS did not answer (the run is incomplete). */
  readonly kind: "left-out" | "failed";
  readonly domain: string;
  readonly reason: string;
}

export type Onboarding = OnboardedDomain | SkippedDomain;

/** Decide one domain's entry from its observation (see the module doc for the rules). */
export function onboardDomain(observation: DomainObservation, options: OnboardingOptions): Onboarding {
  const { domain } = observation;
  const providers = options.providers ?? MAIL_PROVIDERS;
  const failed = [observation.mx, observation.stsTxt, observation.tlsRptTxt, observation.policyHostAddresses, ...(observation.exists ? [observation.exists] : [])].filter(
    (o): o is { ok: false; error: string } => !o.ok,
  );
  if (failed.length > 0) {
    const more = failed.length > 1 ? ` (and ${failed.length - 1} more question${failed.length > 2 ? "s" : ""} without an answer)` : "";
    return { kind: "failed", domain, reason: `${failed[0].error}${more}` };
  }

  const mxRecords = (observation.mx as { value: readonly { priority: number; exchange: string }[] }).value;
  const notes: string[] = [];
  const alerts: string[] = [];
  if (mxRecords.length === 0) {
    const exists = observation.exists;
    if (exists && exists.ok && !exists.value) return { kind: "left-out", domain, reason: `${domain} does not exist in DNS (NXDOMAIN); check its spelling` };
    return { kind: "left-out", domain, reason: `${domain} has no MX records, so it receives no mail over MX and MTA-STS has nothing to protect (RFC 8461 §4.1)` };
  }
  // RFC 7505 §3: a null MX is the single record "0 ."; the resolver gives its exchange as "".
  const realMx = [...mxRecords].filter((r) => r.exchange.replace(/\.$/, "") !== "");
  if (realMx.length === 0) return { kind: "left-out", domain, reason: `${domain} has a null MX (RFC 7505): it receives no mail, so MTA-STS has nothing to protect` };
  if (realMx.length < mxRecords.length) notes.push(`${domain} publishes a null MX next to real MX records, which RFC 7505 §3 forbids; remove the "0 ." record`);

  // The live MX hosts by preference, each once (RFC 5321 §5.1: lower preference first).
  const byPreference = realMx.sort((a, b) => a.priority - b.priority || compare(a.exchange, b.exchange));
  const liveMx: string[] = [];
  const preference = new Map<string, number>();
  for (const record of byPreference) {
    const host = record.exchange.replace(/\.$/, "").toLowerCase();
    if (preference.has(host)) continue;
    preference.set(host, record.priority);
    liveMx.push(host);
  }
  const unusable = liveMx.filter((h) => !normaliseMxPattern(h).ok);
  if (unusable.length > 0) {
    return { kind: "failed", domain, reason: `MX host ${unusable.map((h) => JSON.stringify(h)).join(", ")} is not a host name an mx pattern can name (RFC 8461 §3.2); fix the MX records of ${domain} first` };
  }

  const stsTxt = (observation.stsTxt as { value: readonly (readonly string[])[] }).value;
  const tlsRptTxt = (observation.tlsRptTxt as { value: readonly (readonly string[])[] }).value;
  const policyHostAddresses = (observation.policyHostAddresses as { value: readonly string[] }).value;
  const published = publishedPolicy(observation, notes);

  // The mx list: the published patterns first (kept as they are), then for every live host they
  // do not admit, the provider's patterns or the host itself.
  const mx: SourcedPattern[] = [];
  const add = (pattern: string, source: string) => {
    const canonical = (normaliseMxPattern(pattern) as { value: string }).value;
    if (!mx.some((m) => m.pattern === canonical)) mx.push({ pattern: canonical, source });
  };
  if (published) for (const pattern of published.policy.mx) add(pattern, `published in the policy served at mta-sts.${domain}`);
  // Mode none included: it restricts nothing today (RFC 8461 §5), but the entry must still admit
  // every live MX, so that moving it back to testing or enforce never leaves one out.
  const uncoveredByPolicy = published ? uncoveredMxHosts(published.policy.mx, liveMx) : liveMx;
  const fromProviders = providerPatterns(uncoveredByPolicy, providers);
  for (const match of fromProviders) {
    for (const pattern of match.provider.patterns) add(pattern, `${match.provider.name}'s documented MX hosts (${match.provider.source})`);
    for (const host of match.uncovered) notes.push(`${host} looks like ${match.provider.name}'s but its documented patterns do not admit it; listed as it is`);
  }
  const stillUncovered = uncoveredMxHosts(mx.map((m) => m.pattern), uncoveredByPolicy);
  for (const host of stillUncovered) add(host, `live MX, preference ${preference.get(host)}${published ? ", not admitted by the published policy" : ""}`);

  if (published && published.policy.mode === "none" && uncoveredByPolicy.length > 0) {
    notes.push(`the published none policy of ${domain} does not list live MX ${uncoveredByPolicy.join(", ")}; added to mx, so that a later testing or enforce admits ${uncoveredByPolicy.length > 1 ? "them" : "it"}`);
  } else if (published && uncoveredByPolicy.length > 0) {
    const list = uncoveredByPolicy.join(", ");
    const message = `the published ${published.policy.mode} policy of ${domain} does not admit live MX ${list}; added to mx`;
    if (published.policy.mode === "enforce") {
      alerts.push(`${domain}: the enforce policy it serves now does not admit live MX ${list}: senders that hold it refuse those hosts, so mail to them bounces today (RFC 8461 §4.1); init added ${uncoveredByPolicy.length > 1 ? "them" : "it"} to mx, deploy soon`);
    } else notes.push(message);
  }

  // Checked, not trusted: whatever the table or the published policy said, every live MX host
  // must be admitted.
  const gaps = uncoveredMxHosts(mx.map((m) => m.pattern), liveMx);
  if (gaps.length > 0) {
    throw new Error(`onboarding ${domain}: live MX ${gaps.join(", ")} left uncovered`);
  }

  const rua = tlsRptOf(domain, tlsRptTxt, options.rua, notes);
  const existing = [
    ...(stsTxt.length > 0 ? [`_mta-sts.${domain}`] : []),
    ...(tlsRptTxt.length > 0 ? [`_smtp._tls.${domain}`] : []),
    ...(policyHostAddresses.length > 0 ? [`mta-sts.${domain}`] : []),
  ];
  let adoptExistingRecords: OnboardedDomain["adoptExistingRecords"];
  if (existing.length > 0 && options.dns === "route53") {
    adoptExistingRecords = { source: `${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}: the first deployment replaces ${existing.length === 1 ? "it" : "them"} in place` };
  } else if (existing.length > 0) {
    notes.push(`${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""} at Cloudflare: import ${existing.length === 1 ? "it" : "them"} before the first deployment (README: adopting a domain), or Cloudflare would hold two records`);
  }

  return {
    kind: "entry",
    domain,
    mode: published ? published.policy.mode : "testing",
    modeSource: published
      ? `kept from the policy it publishes now (id ${published.id})`
      : stsTxt.length > 0
        ? "testing: its current MTA-STS could not be read (see the note), so it starts over in testing"
        : "testing: new to MTA-STS; read the TLS-RPT reports before enforce",
    mx,
    ...(published ? { maxAgeSeconds: { value: published.policy.maxAge, source: "kept from the published policy" } } : {}),
    ...(rua ? { rua } : {}),
    ...(adoptExistingRecords ? { adoptExistingRecords } : {}),
    liveMx,
    notes,
    alerts,
  };
}

/** The policy the domain publishes, when a sender would find one (with notes on what is off). */
function publishedPolicy(observation: DomainObservation, notes: string[]): { policy: Policy; id: string } | undefined {
  const { domain } = observation;
  const stsTxt = (observation.stsTxt as { value: readonly (readonly string[])[] }).value;
  if (stsTxt.length === 0) return undefined;
  const sts = selectStsRecord(stsTxt);
  if (!sts.ok) {
    if (sts.error.kind !== "none") notes.push(`_mta-sts.${domain}: ${sts.error.message}; senders see no policy`);
    return undefined;
  }
  const served = observation.servedPolicy;
  if (!served || !served.fetched) {
    notes.push(`_mta-sts.${domain} announces id ${sts.value.id}, but its policy could not be fetched (${served ? served.reason : "not fetched"})`);
    return undefined;
  }
  if (served.status !== 200) {
    notes.push(`_mta-sts.${domain} announces id ${sts.value.id}, but https://mta-sts.${domain}/.well-known/mta-sts.txt answers HTTP ${served.status} (RFC 8461 §3.3: only 200 is a policy)`);
    return undefined;
  }
  const { value, findings } = analysePolicy(served.body);
  if (!value) {
    const first = findings.find((f) => f.severity === "error");
    notes.push(`the policy served at mta-sts.${domain} is not valid (${first ? `${first.line ? `line ${first.line}: ` : ""}${first.message}` : "unreadable"}); senders ignore it`);
    return undefined;
  }
  // Kept although a sender would refuse it: it is what the owner meant, and the deployment will
  // serve it properly. Said, so nobody takes today's state for a working one.
  if (served.certificateProblem) notes.push(`the policy host's certificate is refused by senders today (${served.certificateProblem}); the deployment replaces it`);
  const type = (served.contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "text/plain") notes.push(`the policy is served as ${served.contentType ? JSON.stringify(excerpt(served.contentType, 100)) : "no content type"}, which senders refuse (RFC 8461 §3.2); the deployment serves text/plain`);
  return { policy: value, id: sts.value.id };
}

/** The report addresses: the domain's own valid record, else the caller's `--rua`. */
function tlsRptOf(domain: string, tlsRptTxt: readonly (readonly string[])[], fallback: readonly string[] | undefined, notes: string[]): OnboardedDomain["rua"] {
  const found = selectTlsRptRecord(tlsRptTxt);
  if (found.ok) return { value: found.value.rua, source: `kept from _smtp._tls.${domain}` };
  if (found.error.kind !== "none") notes.push(`_smtp._tls.${domain}: ${found.error.message}; senders send no reports today`);
  if (fallback && fallback.length > 0) return { value: fallback, source: "from --rua" };
  notes.push(`${domain} asks for no TLS reports: give --rua to add a TLS-RPT record (RFC 8460), so that you see failures before enforce`);
  return undefined;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
