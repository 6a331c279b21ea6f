/**
 * Many TLS reports (RFC 8460) become, per policy domain, totals per UTC day and a verdict: is it
 * safe to move this domain's MTA-STS policy (RFC 8461) from `testing` to `enforce`?
 *
 * In `testing`, a sender that cannot deliver over valid TLS delivers anyway and reports the
 * failure (RFC 8461 §5); in `enforce` the same failure is mail refused. So a domain is `ready`
 * only when enough independent senders, over enough days, saw the policy that is configured now
 * and saw no failure; `not-ready` when any failure was seen; `insufficient-evidence` otherwise.
 *
 * Counting rules (the README documents the same):
 * - a report counts once per (`organization-name`, `report-id`) (RFC 8460 §4.3); copies are
 *   counted in `duplicates`;
 * - sessions come from each policy block's `summary`, never from the sum of its details; when a
 *   report has several blocks for the same domain they describe the same sessions (Microsoft
 *   reports them under both `tlsa` and `sts`), so the block with the most sessions is taken;
 * - `failuresByResultType` sums the details' `failed-session-count` by `result-type`;
 * - a day is the UTC date of `start-datetime`.
 *
 * `TlsRptAggregator` takes reports one at a time and keeps only the report keys and per-domain,
 * per-day totals, so a year of reports streams through in bounded memory.
 */
import { policyStringMx, TlsRptPolicyResult, TlsRptReport, tlsRptReportKey } from "./tlsrpt-report";

export type ReadinessVerdict = "ready" | "not-ready" | "insufficient-evidence";

/** A reason for a verdict; `code` is stable for tools, `message` is for people. */
export interface ReadinessReason {
  readonly code:
    | "enforce-refusing-mail"
    | "failures"
    | "failures-without-details"
    | "failure-rate"
    | "failures-within-tolerance"
    | "no-reports"
    | "too-few-days"
    | "too-few-reporters"
    | "only-no-policy-found"
    | "older-policy"
    | "unauthenticated";
  readonly message: string;
  /** For `failures`: the result type and its failed sessions. */
  readonly resultType?: string;
  readonly sessions?: number;
}

/** What the stack config says about a domain now (with `--stack`). */
export interface ConfiguredDomainPolicy {
  /** Lowercase A-label. */
  readonly domain: string;
  readonly mode: "enforce" | "testing" | "none";
  /** The policy's mx patterns, canonical (lowercase A-labels). */
  readonly mx: readonly string[];
}

export interface ReadinessOptions {
  /** Only reports whose day is on or after this UTC date (`YYYY-MM-DD`) count. Defaults to every report. */
  readonly since?: string;
  /** Distinct days with an `sts` report needed for `ready`. Defaults to 14. */
  readonly minDays?: number;
  /** Distinct reporting organizations needed for `ready`. Defaults to 2. */
  readonly minReporters?: number;
  /** Failed sessions tolerated, as a fraction of all sessions, e.g. 0.001. Defaults to 0. */
  readonly maxFailureRate?: number;
  /** Count only DKIM-authenticated reports toward `ready`. Defaults to false. */
  readonly requireAuthenticated?: boolean;
  /** The stack's domains: each gets a verdict, reports are judged against its current mx. Defaults to none. */
  readonly configured?: readonly ConfiguredDomainPolicy[];
}

export const DEFAULT_MIN_DAYS = 14;
export const DEFAULT_MIN_REPORTERS = 2;

/** One report as the readers deliver it. */
export interface ReportEvidence {
  readonly report: TlsRptReport;
  /** Whether a valid DKIM signature of the reporter covers the mail it came in (RFC 8460 §5.3). */
  readonly authenticated?: boolean;
  /**
   * The DKIM signing domain. With `requireAuthenticated`, reporters are counted by it rather than
   * by the self-declared organization-name, so one signer cannot pose as several reporters.
   */
  readonly signer?: string;
}

/** One group of failed sessions. */
export interface FailureEntry {
  readonly resultType: string;
  readonly sessions: number;
  /** `receiving-mx-hostname`, or null when the sender did not say. */
  readonly receivingMx: string | null;
  readonly reporter: string;
  readonly day: string;
  /** False for failures reported against an older policy (another mx set than the stack's). */
  readonly currentPolicy: boolean;
}

export interface DailyTotals {
  readonly day: string;
  readonly successfulSessions: number;
  readonly failedSessions: number;
}

export interface DomainReadiness {
  readonly domain: string;
  /** The configured mode, with `configured` only. */
  readonly mode?: ConfiguredDomainPolicy["mode"];
  readonly reports: number;
  readonly reporters: readonly string[];
  readonly firstDay: string | null;
  readonly lastDay: string | null;
  readonly days: number;
  readonly successfulSessions: number;
  readonly failedSessions: number;
  readonly policyTypes: readonly string[];
  readonly failuresByResultType: Readonly<Record<string, number>>;
  readonly failures: readonly FailureEntry[];
  readonly daily: readonly DailyTotals[];
  /** What counts toward the verdict: current policy, in the window, authenticated if required. */
  readonly evidence: { readonly days: number; readonly reporters: readonly string[]; readonly successfulSessions: number; readonly failedSessions: number };
  readonly readiness: { readonly verdict: ReadinessVerdict; readonly reasons: readonly ReadinessReason[] };
}

export interface AggregateResult {
  /** Distinct reports counted (in the window). */
  readonly reports: number;
  readonly duplicates: number;
  /** Reports before `since`, not counted. */
  readonly outsideWindow: number;
  readonly domains: readonly DomainReadiness[];
}

interface DayState {
  successful: number;
  failed: number;
}

interface DomainState {
  reports: number;
  reporters: Set<string>;
  days: Map<string, DayState>;
  policyTypes: Set<string>;
  failuresByResultType: Map<string, number>;
  failures: Map<string, number>;
  evidenceDays: Set<string>;
  evidenceReporters: Set<string>;
  evidenceSuccessful: number;
  evidenceFailed: number;
  /** Failed sessions in summaries that no detail explains. */
  undetailedFailed: number;
  currentTypes: Set<string>;
  olderPolicyReports: number;
  unauthenticatedReports: number;
}

/** Incremental aggregation: `add` each report, then `result()`. */
export class TlsRptAggregator {
  private readonly keys = new Set<string>();
  private readonly domains = new Map<string, DomainState>();
  private readonly configured = new Map<string, ConfiguredDomainPolicy>();
  private counted = 0;
  private duplicateCount = 0;
  private outside = 0;

  constructor(private readonly options: ReadinessOptions = {}) {
    for (const d of options.configured ?? []) this.configured.set(d.domain, d);
  }

  /** Count one report; says whether it counted, was a copy, or fell before `since`. */
  add(evidence: ReportEvidence): "counted" | "duplicate" | "outside-window" {
    const { report } = evidence;
    const known = this.keys.size;
    this.keys.add(tlsRptReportKey(report));
    if (this.keys.size === known) {
      this.duplicateCount++;
      return "duplicate";
    }
    if (this.options.since !== undefined && report.day < this.options.since) {
      this.outside++;
      return "outside-window";
    }
    this.counted++;
    const authenticated = evidence.authenticated === true;
    const countsForReady = authenticated || !this.options.requireAuthenticated;
    const reporter = this.options.requireAuthenticated && evidence.signer ? evidence.signer : report.organizationName;
    if (report.policies.length === 1) {
      // The common case: one block, one domain.
      this.addDomain(report.policies[0].policyDomain, report.policies, report, countsForReady, authenticated, reporter);
      return "counted";
    }
    const byDomain = new Map<string, TlsRptPolicyResult[]>();
    for (const block of report.policies) {
      const list = byDomain.get(block.policyDomain) ?? [];
      list.push(block);
      byDomain.set(block.policyDomain, list);
    }
    for (const [domain, blocks] of byDomain) this.addDomain(domain, blocks, report, countsForReady, authenticated, reporter);
    return "counted";
  }

  private state(domain: string): DomainState {
    let s = this.domains.get(domain);
    if (!s) {
      s = {
        reports: 0,
        reporters: new Set(),
        days: new Map(),
        policyTypes: new Set(),
        failuresByResultType: new Map(),
        failures: new Map(),
        evidenceDays: new Set(),
        evidenceReporters: new Set(),
        evidenceSuccessful: 0,
        evidenceFailed: 0,
        undetailedFailed: 0,
        currentTypes: new Set(),
        olderPolicyReports: 0,
        unauthenticatedReports: 0,
      };
      this.domains.set(domain, s);
    }
    return s;
  }

  private addDomain(domain: string, blocks: readonly TlsRptPolicyResult[], report: TlsRptReport, countsForReady: boolean, authenticated: boolean, reporter: string): void {
    const s = this.state(domain);
    const configured = this.configured.get(domain);
    s.reports++;
    s.reporters.add(report.organizationName);
    if (!authenticated) s.unauthenticatedReports++;
    for (const b of blocks) s.policyTypes.add(b.policyType);

    // With a stack config, an sts block whose policy lists another mx set than the configured
    // policy is evidence about an older policy. A block without a policy-string is taken as
    // evidence for the current one.
    let current: readonly TlsRptPolicyResult[] = blocks;
    let older: readonly TlsRptPolicyResult[] = [];
    if (configured && blocks.some((b) => isOlderPolicy(b, configured))) {
      current = blocks.filter((b) => !isOlderPolicy(b, configured));
      older = blocks.filter((b) => isOlderPolicy(b, configured));
      if (current.every((b) => b.policyType !== "sts")) s.olderPolicyReports++;
    }

    // Several blocks for one domain in one report describe the same sessions: take the one with
    // the most sessions, preferring sts on a tie (its details are about the policy judged here).
    const chosenCurrent = largestBlock(current);
    const chosen = chosenCurrent ?? largestBlock(older)!;
    const isCurrent = chosenCurrent !== undefined;

    let day = s.days.get(report.day);
    if (!day) s.days.set(report.day, (day = { successful: 0, failed: 0 }));
    const failed = blockFailed(chosen);
    day.successful += chosen.successfulSessions;
    day.failed += failed;

    let detailed = 0;
    for (const detail of chosen.failureDetails) {
      detailed += detail.failedSessions;
      s.failuresByResultType.set(detail.resultType, (s.failuresByResultType.get(detail.resultType) ?? 0) + detail.failedSessions);
      const fkey = [detail.resultType, detail.receivingMxHostname ?? "", report.organizationName, report.day, isCurrent ? "1" : "0"].join("\u0000");
      s.failures.set(fkey, (s.failures.get(fkey) ?? 0) + detail.failedSessions);
    }

    if (!isCurrent) return;
    for (const b of current) s.currentTypes.add(b.policyType);
    // Failures count against the current policy whoever reported them, authenticated or not:
    // a forged failure can only hold a domain back, never push it to enforce.
    s.evidenceFailed += failed;
    if (failed > detailed) s.undetailedFailed += failed - detailed;
    if (!countsForReady) return;
    s.evidenceSuccessful += chosen.successfulSessions;
    if (hasSts(current)) {
      s.evidenceDays.add(report.day);
      s.evidenceReporters.add(reporter);
    }
  }

  /** Totals and verdicts so far, one entry per domain, sorted by domain. */
  result(): AggregateResult {
    const names = new Set([...this.domains.keys(), ...this.configured.keys()]);
    const domains = [...names].sort().map((name) => this.domainResult(name));
    return { reports: this.counted, duplicates: this.duplicateCount, outsideWindow: this.outside, domains };
  }

  private domainResult(domain: string): DomainReadiness {
    const s = this.domains.get(domain) ?? this.state(domain);
    const configured = this.configured.get(domain);
    const days = [...s.days.keys()].sort();
    const daily = days.map((day) => ({ day, successfulSessions: s.days.get(day)!.successful, failedSessions: s.days.get(day)!.failed }));
    const failures: FailureEntry[] = [...s.failures.entries()]
      .map(([key, sessions]) => {
        const [resultType, mx, reporter, day, current] = key.split("\u0000");
        return { resultType, sessions, receivingMx: mx === "" ? null : mx, reporter, day, currentPolicy: current === "1" };
      })
      .sort((a, b) => a.day.localeCompare(b.day) || a.resultType.localeCompare(b.resultType) || a.reporter.localeCompare(b.reporter) || (a.receivingMx ?? "").localeCompare(b.receivingMx ?? ""));
    const base = {
      domain,
      ...(configured ? { mode: configured.mode } : {}),
      reports: s.reports,
      reporters: [...s.reporters].sort(),
      firstDay: days[0] ?? null,
      lastDay: days[days.length - 1] ?? null,
      days: days.length,
      successfulSessions: daily.reduce((n, d) => n + d.successfulSessions, 0),
      failedSessions: daily.reduce((n, d) => n + d.failedSessions, 0),
      policyTypes: [...s.policyTypes].sort(),
      failuresByResultType: Object.fromEntries([...s.failuresByResultType.entries()].sort(([a], [b]) => a.localeCompare(b))),
      failures,
      daily,
      evidence: {
        days: s.evidenceDays.size,
        reporters: [...s.evidenceReporters].sort(),
        successfulSessions: s.evidenceSuccessful,
        failedSessions: s.evidenceFailed,
      },
    };
    return { ...base, readiness: judge(base, s, configured, this.options) };
  }
}

/** Aggregate a whole collection at once (see `TlsRptAggregator` for streaming). */
export function aggregateReports(reports: Iterable<ReportEvidence | TlsRptReport>, options: ReadinessOptions = {}): AggregateResult {
  const aggregator = new TlsRptAggregator(options);
  for (const item of reports) aggregator.add("report" in item ? item : { report: item });
  return aggregator.result();
}

function isOlderPolicy(block: TlsRptPolicyResult, configured: ConfiguredDomainPolicy | undefined): boolean {
  if (!configured || block.policyType !== "sts") return false;
  const reported = policyStringMx(block.policyString);
  if (reported.length === 0) return false;
  const now = [...new Set(configured.mx.map((m) => m.toLowerCase()))].sort();
  return reported.length !== now.length || reported.some((m, i) => m !== now[i]);
}

function hasSts(blocks: readonly TlsRptPolicyResult[]): boolean {
  for (const b of blocks) if (b.policyType === "sts") return true;
  return false;
}

function largestBlock(blocks: readonly TlsRptPolicyResult[]): TlsRptPolicyResult | undefined {
  let best: TlsRptPolicyResult | undefined;
  for (const b of blocks) {
    const n = b.successfulSessions + blockFailed(b);
    const bestN = best ? best.successfulSessions + blockFailed(best) : -1;
    if (n > bestN || (n === bestN && b.policyType === "sts" && best?.policyType !== "sts")) best = b;
  }
  return best;
}

/**
 * Failed sessions of a block: its summary's count. A block whose summary says 0 but whose
 * details list failures counts the details, since its own details contradict the summary.
 */
function blockFailed(block: TlsRptPolicyResult): number {
  if (block.failedSessions > 0) return block.failedSessions;
  let detailed = 0;
  for (const d of block.failureDetails) detailed += d.failedSessions;
  return detailed;
}

/** What an operator does about each result type (RFC 8460 §4.3). */
export function resultTypeFix(resultType: string, domain: string): string {
  switch (resultType) {
    case "certificate-expired":
      return "renew the MX's certificate";
    case "starttls-not-supported":
      return "the MX does not offer STARTTLS: enable it";
    case "certificate-host-mismatch":
      return "the MX certificate or the policy's mx list is wrong: make the certificate name the MX host, and the mx list match the MX records";
    case "certificate-not-trusted":
    case "validation-failure":
      return "the MX certificate does not validate: serve the full chain from a public CA";
    case "sts-policy-fetch-error":
    case "sts-webpki-invalid":
      return `senders could not fetch the policy from https://mta-sts.${domain}/.well-known/mta-sts.txt or its certificate is invalid: check the policy host (mta-sts check ${domain})`;
    case "sts-policy-invalid":
      return "the policy does not parse: run `mta-sts lint`";
    case "tlsa-invalid":
    case "dnssec-invalid":
    case "dane-required":
      return "the DANE TLSA records or their DNSSEC do not validate: fix the TLSA records";
    default:
      return "not a registered result type (RFC 8460 §4.3): ask the reporter what it means";
  }
}

type Totals = Omit<DomainReadiness, "readiness" | "mode">;

function judge(t: Totals, s: DomainState, configured: ConfiguredDomainPolicy | undefined, options: ReadinessOptions): DomainReadiness["readiness"] {
  const minDays = options.minDays ?? DEFAULT_MIN_DAYS;
  const minReporters = options.minReporters ?? DEFAULT_MIN_REPORTERS;
  const maxRate = options.maxFailureRate ?? 0;
  const reasons: ReadinessReason[] = [];
  const ev = t.evidence;

  const currentFailures = t.failures.filter((f) => f.currentPolicy);
  const total = ev.successfulSessions + ev.failedSessions;
  const rate = total === 0 ? (ev.failedSessions > 0 ? 1 : 0) : ev.failedSessions / total;
  if (ev.failedSessions > 0 && rate > maxRate) {
    if (configured?.mode === "enforce") {
      reasons.push({ code: "enforce-refusing-mail", message: `${t.domain} is in enforce and senders report ${ev.failedSessions} failed sessions: mail to it is being refused now; fix the failures below or return to testing` });
    }
    const byType = new Map<string, FailureEntry[]>();
    for (const f of currentFailures) byType.set(f.resultType, [...(byType.get(f.resultType) ?? []), f]);
    for (const [resultType, entries] of [...byType.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const sessions = entries.reduce((n, e) => n + e.sessions, 0);
      const mx = uniq(entries.map((e) => e.receivingMx ?? "(MX not reported)"));
      const reporters = uniq(entries.map((e) => e.reporter));
      const days = uniq(entries.map((e) => e.day));
      reasons.push({
        code: "failures",
        resultType,
        sessions,
        message: `${resultType}: ${sessions} failed session${sessions === 1 ? "" : "s"} to ${list(mx)}, reported by ${list(reporters)} on ${dayList(days)}; ${resultTypeFix(resultType, t.domain)}`,
      });
    }
    if (s.undetailedFailed > 0) {
      reasons.push({ code: "failures-without-details", sessions: s.undetailedFailed, message: `${s.undetailedFailed} failed sessions in report summaries with no failure details; ask the reporters (their contact-info) or look at the MX logs` });
    }
    if (maxRate > 0) {
      reasons.push({ code: "failure-rate", message: `failure rate ${formatRate(rate)} is above --max-failure-rate ${maxRate}` });
    }
    return { verdict: "not-ready", reasons };
  }

  if (t.reports === 0) {
    reasons.push({ code: "no-reports", message: `no TLS report names ${t.domain}; check that its _smtp._tls record points at this mailbox, and wait for senders to report` });
    return { verdict: "insufficient-evidence", reasons };
  }
  if (s.olderPolicyReports > 0) {
    reasons.push({ code: "older-policy", message: `${s.olderPolicyReports} report${s.olderPolicyReports === 1 ? " is" : "s are"} for an older policy (another mx list than the stack's) and do not count; their failures are listed but do not decide the verdict` });
  }
  if (options.requireAuthenticated && s.unauthenticatedReports > 0) {
    reasons.push({ code: "unauthenticated", message: `${s.unauthenticatedReports} report${s.unauthenticatedReports === 1 ? " has" : "s have"} no valid DKIM signature and do not count toward ready (--require-authenticated)` });
  }
  const missing: ReadinessReason[] = [];
  if (s.currentTypes.size > 0 && [...s.currentTypes].every((p) => p === "no-policy-found")) {
    missing.push({ code: "only-no-policy-found", message: `every report says no-policy-found: senders did not see an MTA-STS policy, which proves nothing about it; check _mta-sts.${t.domain} and the policy host (mta-sts check ${t.domain})` });
  }
  if (ev.days < minDays) {
    missing.push({ code: "too-few-days", message: `${ev.days} day${ev.days === 1 ? "" : "s"} with an sts report for the current policy; --min-days needs ${minDays} (wait ${minDays - ev.days} more)` });
  }
  if (ev.reporters.length < minReporters) {
    missing.push({ code: "too-few-reporters", message: `${ev.reporters.length} reporting organization${ev.reporters.length === 1 ? "" : "s"} with sts reports for the current policy${ev.reporters.length ? ` (${list(ev.reporters)})` : ""}; --min-reporters needs ${minReporters}` });
  }
  if (missing.length > 0) return { verdict: "insufficient-evidence", reasons: [...missing, ...reasons] };
  if (ev.failedSessions > 0) {
    reasons.push({ code: "failures-within-tolerance", message: `${ev.failedSessions} failed sessions (${formatRate(rate)}) are within --max-failure-rate ${maxRate}` });
  }
  return { verdict: "ready", reasons };
}

function uniq(values: string[]): string[] {
  return [...new Set(values)].sort();
}

function list(values: readonly string[], max = 5): string {
  return values.length <= max ? values.join(", ") : `${values.slice(0, max).join(", ")} and ${values.length - max} more`;
}

function dayList(days: string[]): string {
  return days.length <= 3 ? days.join(", ") : `${days.length} days from ${days[0]} to ${days[days.length - 1]}`;
}

function formatRate(rate: number): string {
  return `${(rate * 100).toPrecision(3).replace(/\.?0+$/, "")}%`;
}
