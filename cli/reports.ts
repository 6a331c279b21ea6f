/**
 * `mta-sts reports SOURCES...`: read the TLS reports senders sent (RFC 8460), aggregate them per
 * domain and say whether each domain can move from `testing` to `enforce` (RFC 8461 §5). This
 * module only wires the readers (`components/reports/sources`) to the model's counting and
 * verdict (`components/model/tlsrpt-readiness.ts`) and prints.
 *
 * Exit codes: 0 no domain is not-ready; 1 a domain is not-ready, or an input that looked like a
 * report could not be read; 2 could not run (bad arguments, no such path, IMAP login failed).
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { DomainReadiness } from "../components/model/tlsrpt-readiness";
import { InputSkipped, NO_REPORT } from "../components/reports/sources/events";
import { escapeForTerminal } from "../components/terminal-text";
import { formatJson } from "./json-output";
import { CliContext, CliError, EXIT_FINDINGS, EXIT_OK } from "./verb-contract";
import { addEvidenceOptions, configuredPolicies, defaultReportsDeps, EvidenceFlags, planEvidence, readEvidence, ReportsCliDeps } from "./report-evidence";
import { renderReportsHtml } from "./reports-html";
import { demoteCommand } from "./rollout-text";

export { IMAP_PASSWORD_ENV, RECEIVER_TOKEN_ENV } from "./report-evidence";
export type { ReportsCliDeps } from "./report-evidence";

interface ReportsFlags extends EvidenceFlags {
  json?: boolean;
  html?: string;
  stack?: string;
}

export function registerReports(program: Command, ctx: CliContext, deps: ReportsCliDeps = defaultReportsDeps): Command {
  const command = program
    .command("reports")
    .description("read TLS-RPT reports (files, .zip, .eml, mbox, Maildir, directories, imaps://user@host/INBOX, the kit's receiver https://host) and say per domain whether enforce is safe (exit 0 none not-ready, 1 not-ready or unreadable report, 2 could not run)")
    .option("--json", "print the result as JSON")
    .option("--html <file>", "also write a self-contained HTML page with a daily chart per domain")
    .option("--stack <config file>", "judge every domain of this stack config against its current policy");
  // What cannot run (a bad flag, no such path, IMAP login refused) is thrown as a CliError, which
  // `main` prints like every verb's error.
  return addEvidenceOptions(command).action(async (sources: string[], flags: ReportsFlags) => {
    ctx.exitCode = await runReports(sources, flags, ctx, deps);
  });
}

async function runReports(sources: string[], flags: ReportsFlags, ctx: CliContext, deps: ReportsCliDeps): Promise<number> {
  const plan = planEvidence(sources, flags, deps);
  // The YAML parser and the config schema, only with --stack.
  const loadStack = (file: string) => (require("./config-file") as typeof import("./config-file")).loadDomainDeployments(file);
  const configured = flags.stack !== undefined ? configuredPolicies(loadStack(flags.stack).domains) : undefined;
  const { result, skipped, moreSkipped, broken, noReport } = await readEvidence(plan, configured, deps);
  const options = plan.options;
  const notReady = result.domains.some((d) => d.readiness.verdict === "not-ready");
  const exitCode = notReady || broken > 0 ? EXIT_FINDINGS : EXIT_OK;

  if (flags.html !== undefined) {
    try {
      writeFileSync(flags.html, renderReportsHtml(result, { generated: new Date().toISOString(), stack: Boolean(configured), options }));
    } catch (err) {
      throw new CliError("io", `--html ${flags.html}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (flags.json) {
    ctx.out(formatJson(exitCode === EXIT_OK, toJson(result.reports, result.duplicates, result.outsideWindow, skipped, moreSkipped, result.domains)));
  } else {
    ctx.out(formatHuman(result.domains, { reports: result.reports, duplicates: result.duplicates, outsideWindow: result.outsideWindow, skipped, moreSkipped, noReport, broken, stack: Boolean(configured), ...(flags.stack !== undefined ? { stackFile: flags.stack } : {}) }));
  }
  return exitCode;
}

function toJson(reports: number, duplicates: number, outsideWindow: number, skipped: readonly InputSkipped[], moreSkipped: number, domains: readonly DomainReadiness[]) {
  return {
    reports,
    duplicates,
    outsideWindow,
    skipped: skipped.map((s) => ({ source: s.source, reason: s.reason })),
    ...(moreSkipped > 0 ? { skippedNotListed: moreSkipped } : {}),
    domains: domains.map((d) => ({
      domain: d.domain,
      ...(d.mode ? { mode: d.mode } : {}),
      reports: d.reports,
      reporters: d.reporters,
      firstDay: d.firstDay,
      lastDay: d.lastDay,
      days: d.days,
      successfulSessions: d.successfulSessions,
      failedSessions: d.failedSessions,
      policyTypes: d.policyTypes,
      failuresByResultType: d.failuresByResultType,
      failures: d.failures,
      daily: d.daily,
      evidence: d.evidence,
      readiness: d.readiness,
    })),
  };
}

const VERDICT_ORDER = { "not-ready": 0, "insufficient-evidence": 1, ready: 2 } as const;

interface Summary {
  reports: number;
  duplicates: number;
  outsideWindow: number;
  skipped: readonly InputSkipped[];
  moreSkipped: number;
  noReport: number;
  broken: number;
  stack: boolean;
  /** The `--stack` file, named in the command that returns a domain refusing mail to testing. */
  stackFile?: string;
}

/** One line per domain (verdict, domain, mode, days, reporters, sessions, failures), then the reasons. */
export function formatHuman(domains: readonly DomainReadiness[], summary: Summary): string {
  const t = escapeForTerminal;
  const lines: string[] = [];
  const sorted = [...domains].sort((a, b) => VERDICT_ORDER[a.readiness.verdict] - VERDICT_ORDER[b.readiness.verdict] || a.domain.localeCompare(b.domain));
  // The loudest line first: an enforce domain with failures is refusing mail right now.
  for (const d of sorted) {
    if (d.mode === "enforce" && d.readiness.reasons.some((r) => r.code === "enforce-refusing-mail")) {
      lines.push(
        `REFUSING MAIL  ${t(d.domain)} is in enforce and senders report ${d.evidence.failedSessions} failed sessions: mail to it is refused now; ` +
          `fix the failures below, or return it to testing now: ${t(demoteCommand(summary.stackFile, d.domain))}, then pulumi up`,
      );
    }
  }
  if (lines.length > 0) lines.push("");
  if (sorted.length === 0) lines.push("no domain: no report was read");
  else {
    const width = Math.min(48, Math.max(6, ...sorted.map((d) => t(d.domain).length)));
    const row = (cols: string[]) => cols.join("  ").trimEnd();
    const header = ["verdict".padEnd(21), "domain".padEnd(width), ...(summary.stack ? ["mode   "] : []), "days".padStart(4), "reporters".padStart(9), "sessions".padStart(10), "failures".padStart(8)];
    lines.push(row(header));
    for (const d of sorted) {
      const hint = summary.stack && d.mode === "testing" && d.readiness.verdict === "ready" ? "  <- ready for enforce" : "";
      lines.push(
        row([
          d.readiness.verdict.padEnd(21),
          t(d.domain).padEnd(width),
          ...(summary.stack ? [(d.mode ?? "-").padEnd(7)] : []),
          String(d.days).padStart(4),
          String(d.reporters.length).padStart(9),
          String(d.successfulSessions + d.failedSessions).padStart(10),
          String(d.failedSessions).padStart(8),
        ]) + hint,
      );
    }
  }
  const explained = sorted.filter((d) => d.readiness.verdict !== "ready" || d.readiness.reasons.length > 0);
  for (const d of explained) {
    lines.push("", `${d.readiness.verdict} ${t(d.domain)}${d.mode ? ` (${d.mode})` : ""}:`);
    for (const r of d.readiness.reasons) lines.push(`  ${r.code}: ${t(r.message)}`);
    const older = d.failures.filter((f) => !f.currentPolicy);
    if (older.length > 0) lines.push(`  (older policy) ${older.map((f) => `${t(f.resultType)} ${f.sessions} on ${f.day}`).slice(0, 5).join(", ")}${older.length > 5 ? ", ..." : ""}`);
  }
  const listed = summary.skipped.filter((s) => s.reason !== NO_REPORT);
  if (listed.length > 0) {
    lines.push("");
    for (const s of listed) lines.push(`skipped  ${t(s.source)}: ${t(s.reason)}`);
  }
  lines.push(
    "",
    `${summary.reports} report${summary.reports === 1 ? "" : "s"} counted, ${summary.duplicates} duplicate${summary.duplicates === 1 ? "" : "s"}` +
      (summary.outsideWindow ? `, ${summary.outsideWindow} before --since` : "") +
      `; ${summary.skipped.length + summary.moreSkipped} input${summary.skipped.length + summary.moreSkipped === 1 ? "" : "s"} skipped (${summary.noReport} mail${summary.noReport === 1 ? "" : "s"} with no report` +
      (summary.broken ? `, ${summary.broken} unreadable report${summary.broken === 1 ? "" : "s"}` : "") +
      ")",
  );
  return `${lines.join("\n")}\n`;
}
