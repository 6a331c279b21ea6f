/**
 * `mta-sts reports SOURCES...`: read the TLS reports senders sent (RFC 8460), aggregate them per
 * domain and say whether each domain can move from `testing` to `enforce` (RFC 8461 §5). This
 * module only wires the readers (`components/reports/sources`: files, IMAP, and the kit's own
 * HTTPS receiver) to the model's counting and verdict (`components/model/tlsrpt-readiness.ts`)
 * and prints.
 *
 * Exit codes: 0 no domain is not-ready; 1 a domain is not-ready, or an input that looked like a
 * report could not be read; 2 could not run (bad arguments, no such path, IMAP login failed).
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { Command, Option } from "commander";
import { ConfiguredDomainPolicy, DomainReadiness, ReadinessOptions, TlsRptAggregator } from "../components/model/tlsrpt-readiness";
import { parseServerAddress } from "../components/check/dns-lookup";
import { dnsResolverFor, InputSkipped, NO_REPORT, readImapMailbox, readReceiverReports, readReportPaths, ReportSourceError, SourceEvent } from "../components/reports/sources";
import { loadDomainDeployments } from "./config-file";
import { CliContext, EXIT_COULD_NOT_RUN, EXIT_FINDINGS, EXIT_OK, UsageError } from "./exit-codes";
import { renderReportsHtml } from "./reports-html";

/** The environment variable that holds the IMAP password. */
export const IMAP_PASSWORD_ENV = "MTA_STS_IMAP_PASSWORD";
/** The environment variable that holds the export token of an https:// receiver. */
export const RECEIVER_TOKEN_ENV = "MTA_STS_RECEIVER_TOKEN";
/** At most this many skipped inputs are listed; the rest are counted. */
const MAX_LISTED_SKIPPED = 10000;

export interface ReportsCliDeps {
  readonly env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (the progress indicator is shown only then). */
  stderrIsTTY(): boolean;
  /** Writes progress to stderr, in place. */
  progress(text: string): void;
  /** How long reading must take before progress is shown, in ms. Defaults to 2000. */
  readonly progressAfterMs?: number;
}

export const defaultReportsDeps: ReportsCliDeps = {
  env: process.env,
  stderrIsTTY: () => Boolean(process.stderr.isTTY),
  progress: (text) => void process.stderr.write(text),
};

interface ReportsFlags {
  json?: boolean;
  html?: string;
  stack?: string;
  since?: string;
  minDays: string;
  minReporters: string;
  maxFailureRate: string;
  requireAuthenticated?: boolean;
  passwordFile?: string;
  tokenFile?: string;
  markSeen?: boolean;
  resolver?: string;
  caFile?: string;
}

type ErrorCode = "usage" | "config" | "io" | "dns" | "internal";

class ReportsError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

/**
 * Untrusted text (domains, organization names, MX names, result types, reasons from reports and
 * servers) made safe for a terminal: control characters, and the bidirectional overrides that
 * can reorder what is shown, are written as escapes.
 */
// replaced by the shared CLI helper after merge
export function escapeForTerminal(text: string): string {
  return String(text).replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** The JSON printed on stdout when the verb could not run. */
// replaced by the shared CLI helper after merge
export function jsonErrorEnvelope(code: ErrorCode, message: string): string {
  return `${JSON.stringify({ ok: false, error: { code, message } }, null, 2)}\n`;
}

export function registerReports(program: Command, ctx: CliContext, deps: ReportsCliDeps = defaultReportsDeps): Command {
  return program
    .command("reports")
    .description("read TLS-RPT reports (files, .zip, .eml, mbox, Maildir, directories, imaps://user@host/INBOX, the kit's receiver https://host) and say per domain whether enforce is safe (exit 0 none not-ready, 1 not-ready or unreadable report, 2 could not run)")
    .argument("<sources...>", "report files, .zip, .eml, mbox files, directories (Maildir too), imaps://user@host/MAILBOX (imap:// uses STARTTLS), or https://<receiver host> (the kit's TLS-RPT receiver)")
    .option("--json", "print the result as JSON")
    .option("--html <file>", "also write a self-contained HTML page with a daily chart per domain")
    .option("--stack <config file>", "judge every domain of this stack config against its current policy")
    .option("--since <YYYY-MM-DD>", "count only reports from this UTC day on")
    .addOption(new Option("--min-days <n>", "days with an sts report needed for ready").default("14"))
    .addOption(new Option("--min-reporters <n>", "reporting organizations needed for ready").default("2"))
    .addOption(new Option("--max-failure-rate <fraction>", "failed sessions tolerated, as a fraction of all sessions, e.g. 0.001").default("0"))
    .option("--require-authenticated", "count only DKIM-authenticated reports toward ready")
    .option("--password-file <file>", `read the IMAP password from this file (else ${IMAP_PASSWORD_ENV})`)
    .option("--token-file <file>", `read the export token of an https:// receiver from this file (else ${RECEIVER_TOKEN_ENV})`)
    .option("--mark-seen", "flag the IMAP mails that held a report as \\Seen (default: change nothing)")
    .option("--resolver <host:port>", "ask this DNS server for DKIM keys instead of the system's resolvers")
    .option("--ca-file <pem>", "trust the certificate authorities in this PEM file for IMAP and https:// receivers")
    .action(async (sources: string[], flags: ReportsFlags) => {
      try {
        ctx.exitCode = await runReports(sources, flags, ctx, deps);
      } catch (err) {
        const known = err instanceof ReportsError ? err : err instanceof ReportSourceError ? new ReportsError("io", err.message) : err instanceof UsageError ? new ReportsError("config", err.message) : undefined;
        if (!known) throw err;
        if (flags.json) ctx.out(jsonErrorEnvelope(known.code, known.message));
        else ctx.err(`mta-sts reports: ${escapeForTerminal(known.message)}\n`);
        ctx.exitCode = EXIT_COULD_NOT_RUN;
      }
    });
}

function parseOptions(flags: ReportsFlags): ReadinessOptions {
  const whole = (value: string, flag: string): number => {
    if (!/^[0-9]{1,6}$/.test(value)) throw new ReportsError("usage", `${flag} "${value}" must be a whole number, e.g. ${flag} 14`);
    return Number(value);
  };
  if (flags.since !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(flags.since) && new Date(`${flags.since}T00:00:00Z`).toISOString().startsWith(flags.since))) {
    throw new ReportsError("usage", `--since "${flags.since}" must be a UTC day written YYYY-MM-DD, e.g. --since 2026-03-01`);
  }
  const rate = Number(flags.maxFailureRate);
  if (flags.maxFailureRate.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new ReportsError("usage", `--max-failure-rate "${flags.maxFailureRate}" must be a fraction from 0 to below 1, e.g. 0.001 for one in a thousand`);
  }
  return {
    ...(flags.since ? { since: flags.since } : {}),
    minDays: whole(flags.minDays, "--min-days"),
    minReporters: whole(flags.minReporters, "--min-reporters"),
    maxFailureRate: rate,
    requireAuthenticated: Boolean(flags.requireAuthenticated),
  };
}

/** A secret from `--<flag> <file>` (at most 4096 bytes, one line ending removed), else from `envName`. */
function readSecret(file: string | undefined, flag: string, what: string, envName: string, deps: ReportsCliDeps, needed: string): string {
  if (file !== undefined) {
    let text: string;
    try {
      if (statSync(file).size > 4096) throw new ReportsError("usage", `${flag} ${file} is larger than 4096 bytes; it should hold the ${what} only`);
      text = readFileSync(file, "utf8");
    } catch (err) {
      if (err instanceof ReportsError) throw err;
      throw new ReportsError("io", `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const secret = text.replace(/\r?\n$/, "");
    if (secret === "") throw new ReportsError("usage", `${flag} ${file} is empty; it should hold the ${what}`);
    return secret;
  }
  const env = deps.env[envName];
  if (env === undefined || env === "") throw new ReportsError("usage", `${needed}: set ${envName} or pass ${flag} (never on the command line)`);
  return env;
}

function readPassword(flags: ReportsFlags, deps: ReportsCliDeps): string {
  return readSecret(flags.passwordFile, "--password-file", "password", IMAP_PASSWORD_ENV, deps, "an IMAP source needs a password");
}

function readToken(flags: ReportsFlags, deps: ReportsCliDeps): string {
  return readSecret(flags.tokenFile, "--token-file", "export token", RECEIVER_TOKEN_ENV, deps, "an https:// receiver needs its export token (the receiver's exportToken output)");
}

async function runReports(sources: string[], flags: ReportsFlags, ctx: CliContext, deps: ReportsCliDeps): Promise<number> {
  const options = parseOptions(flags);
  const isImap = (s: string) => /^imaps?:\/\//i.test(s);
  const isReceiver = (s: string) => /^https:\/\//i.test(s);
  const plainHttp = sources.find((s) => /^http:\/\//i.test(s));
  if (plainHttp !== undefined) throw new ReportsError("usage", `${plainHttp}: a receiver is read over https:// only (the export token must not cross the network in clear)`);
  if (flags.resolver !== undefined) {
    try {
      parseServerAddress(flags.resolver);
    } catch (err) {
      throw new ReportsError("usage", `--resolver ${(err as Error).message}`);
    }
  }
  let ca: Buffer | undefined;
  if (flags.caFile !== undefined) {
    try {
      ca = readFileSync(flags.caFile);
    } catch (err) {
      throw new ReportsError("io", `--ca-file ${flags.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  if (flags.markSeen && !sources.some(isImap)) throw new ReportsError("usage", "--mark-seen applies to IMAP sources only");
  const password = sources.some(isImap) ? readPassword(flags, deps) : "";
  const token = sources.some(isReceiver) ? readToken(flags, deps) : "";
  let configured: ConfiguredDomainPolicy[] | undefined;
  if (flags.stack !== undefined) {
    configured = loadDomainDeployments(flags.stack).domains.map((d) => ({ domain: d.intent.domain, mode: d.intent.policy.mode, mx: d.intent.policy.mx }));
  }
  const dkim = { resolver: dnsResolverFor(flags.resolver ? parseServerAddress(flags.resolver) : undefined) };
  const aggregator = new TlsRptAggregator({ ...options, ...(configured ? { configured } : {}) });

  const skipped: InputSkipped[] = [];
  let moreSkipped = 0;
  let broken = 0;
  let noReport = 0;
  let inputs = 0;
  const started = Date.now();
  let lastProgress = 0;
  const showProgress = deps.stderrIsTTY();
  const onEvent = (e: SourceEvent): void => {
    inputs++;
    if (e.kind === "report") aggregator.add({ report: e.report, authenticated: e.authenticated, ...(e.signer ? { signer: e.signer } : {}) });
    else {
      if (e.looksLikeReport) broken++;
      if (e.reason === NO_REPORT) noReport++;
      if (skipped.length < MAX_LISTED_SKIPPED) skipped.push(e);
      else moreSkipped++;
    }
    // A progress line only for large inputs (more than two seconds of reading) on a terminal.
    const now = Date.now();
    if (showProgress && now - started >= (deps.progressAfterMs ?? 2000) && now - lastProgress > 250) {
      lastProgress = now;
      deps.progress(`\rreading reports: ${inputs} inputs`);
    }
  };

  const paths = sources.filter((s) => !isImap(s) && !isReceiver(s));
  if (paths.length > 0) for await (const e of readReportPaths(paths, { dkim })) onEvent(e);
  for (const url of sources.filter(isImap)) {
    for await (const e of readImapMailbox(url, { password, dkim, markSeen: Boolean(flags.markSeen), ...(options.since ? { since: options.since } : {}), ...(ca ? { ca } : {}) })) onEvent(e);
  }
  for (const url of sources.filter(isReceiver)) {
    for await (const e of readReceiverReports(url, { token, ...(options.since ? { since: options.since } : {}), ...(ca ? { ca } : {}) })) onEvent(e);
  }
  if (showProgress && lastProgress > 0) deps.progress("\r\u001b[K");

  const result = aggregator.result();
  const notReady = result.domains.some((d) => d.readiness.verdict === "not-ready");
  const exitCode = notReady || broken > 0 ? EXIT_FINDINGS : EXIT_OK;

  if (flags.html !== undefined) {
    try {
      writeFileSync(flags.html, renderReportsHtml(result, { generated: new Date().toISOString(), stack: Boolean(configured), options }));
    } catch (err) {
      throw new ReportsError("io", `--html ${flags.html}: cannot write (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (flags.json) {
    ctx.out(`${JSON.stringify(toJson(result.reports, result.duplicates, result.outsideWindow, skipped, moreSkipped, result.domains), null, 2)}\n`);
  } else {
    ctx.out(formatHuman(result.domains, { reports: result.reports, duplicates: result.duplicates, outsideWindow: result.outsideWindow, skipped, moreSkipped, noReport, broken, stack: Boolean(configured) }));
  }
  return exitCode;
}

function toJson(reports: number, duplicates: number, outsideWindow: number, skipped: InputSkipped[], moreSkipped: number, domains: readonly DomainReadiness[]) {
  return {
    ok: true,
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
  skipped: InputSkipped[];
  moreSkipped: number;
  noReport: number;
  broken: number;
  stack: boolean;
}

/** One line per domain (verdict, domain, mode, days, reporters, sessions, failures), then the reasons. */
export function formatHuman(domains: readonly DomainReadiness[], summary: Summary): string {
  const t = escapeForTerminal;
  const lines: string[] = [];
  const sorted = [...domains].sort((a, b) => VERDICT_ORDER[a.readiness.verdict] - VERDICT_ORDER[b.readiness.verdict] || a.domain.localeCompare(b.domain));
  // The loudest line first: an enforce domain with failures is refusing mail right now.
  for (const d of sorted) {
    if (d.mode === "enforce" && d.readiness.reasons.some((r) => r.code === "enforce-refusing-mail")) {
      lines.push(`REFUSING MAIL  ${t(d.domain)} is in enforce and senders report ${d.evidence.failedSessions} failed sessions: mail to it is refused now; fix the failures below or set mode: testing`);
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
