/**
 * The fleet check (`mta-sts check --stack FILE` without a domain): every domain of a stack
 * config checked as `check <domain> --expect` checks one (run-check.ts: records, policy bytes
 * against the config, certificate and expiry, live MX coverage, the MX hosts' TLS, redirects),
 * in one process, at most `concurrency` domains at a time.
 *
 * One domain never holds up the run: each has `domainTimeoutMs`, after which it is reported as a
 * failure (`domain-timeout`) and its slot goes to the next domain (its own lookups and
 * connections end by their own time limits). A domain whose DNS gives no answer at all, which
 * stops a single `check` (exit 2), is a failing domain here (`domain-dns`): the other domains'
 * answers show the checker's own resolver works.
 */
import type { RenderedMailDomain } from "../model/rendered";
import { mapConcurrently, withDeadline } from "./concurrency";
import { CheckFinding, CheckReport, summarise } from "./findings";
import { CheckCouldNotRun, CheckIo, CheckOptions, runCheck } from "./run-check";

export interface FleetOptions {
  /** Domains checked at once, from 1. */
  readonly concurrency: number;
  /** Time limit of one domain's whole check, in milliseconds. */
  readonly domainTimeoutMs: number;
  /** What every domain's check shares: CA, time limits, ports, `skipMxTls`. */
  readonly check: Omit<CheckOptions, "domain" | "expect" | "now">;
  /** The clock; defaults to now. */
  readonly now?: () => Date;
}

/** What `check --stack --json` prints (with `ok` first). */
export interface FleetReport {
  readonly ok: boolean;
  readonly summary: {
    /** Domains checked. */
    readonly domains: number;
    /** Domains with at least one failed check. */
    readonly failed: number;
    /** Domains with at least one warning (failing or not). */
    readonly warnings: number;
  };
  /** One single-domain report per domain, in the order of the stack config. */
  readonly domains: readonly CheckReport[];
}

/** Check every domain of `domains` (see the module doc). Never rejects for one domain's sake. */
export async function runFleetCheck(domains: readonly RenderedMailDomain[], options: FleetOptions, io: CheckIo): Promise<FleetReport> {
  const clock = options.now ?? (() => new Date());
  const reports = await mapConcurrently(domains, options.concurrency, (expect) => {
    const now = clock();
    const checked = runCheck({ ...options.check, domain: expect.domain, expect, now }, io).catch((err: unknown) =>
      err instanceof CheckCouldNotRun
        ? singleFindingReport(expect, now, { check: "domain-dns", status: "fail", message: `${expect.domain}: ${err.message.replace(/; the DNS gave no answer.*$/, "")}: the DNS gave no answer, so senders cannot find its policy or MX hosts either`, fix: `fix the DNS of ${expect.domain} (its name servers, or the delegation)` })
        : singleFindingReport(expect, now, { check: "check-error", status: "fail", message: `${expect.domain}: the check stopped with an internal error: ${err instanceof Error ? err.message : String(err)} (a bug in mta-sts; please report it)` }),
    );
    const seconds = options.domainTimeoutMs / 1000;
    return withDeadline(checked, options.domainTimeoutMs, () =>
      singleFindingReport(expect, now, {
        check: "domain-timeout",
        status: "fail",
        message: `${expect.domain}: the check did not finish within ${seconds} s (--domain-timeout); a sender waiting this long for the policy or the MX hosts gives up too`,
        fix: `find what does not answer in \`mta-sts check ${expect.domain} --stack <file>\``,
      }),
    );
  });
  return summariseFleet(reports);
}

/** The fleet's verdict from its domains' reports: ok only when no domain failed (warnings allowed). */
export function summariseFleet(reports: readonly CheckReport[]): FleetReport {
  const failed = reports.filter((r) => !r.ok).length;
  return {
    ok: failed === 0,
    summary: { domains: reports.length, failed, warnings: reports.filter((r) => r.summary.warn > 0).length },
    domains: reports,
  };
}

/** A report holding one finding: a domain whose check could not run at all. */
function singleFindingReport(expect: RenderedMailDomain, now: Date, finding: CheckFinding): CheckReport {
  const findings = [finding];
  return {
    domain: expect.domain,
    policyUrl: expect.policyUrl,
    checkedAt: now.toISOString(),
    findings,
    summary: summarise(findings),
    ok: false,
    live: { stsRecords: [], tlsRptRecords: [], mxHosts: [], policyHostAddresses: [] },
  };
}

/** Worst first: most failed checks, then most warnings, then the stack config's order. */
export function worstFirst(reports: readonly CheckReport[]): CheckReport[] {
  return reports
    .map((report, index) => ({ report, index }))
    .sort((a, b) => b.report.summary.fail - a.report.summary.fail || b.report.summary.warn - a.report.summary.warn || a.index - b.index)
    .map((x) => x.report);
}
