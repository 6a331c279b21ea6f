/**
 * The evidence that `mta-sts reports` and `mta-sts promote` judge by: the same SOURCES (report
 * files, archives, mails, mailboxes, IMAP) and the same verdict flags, read the same way, so a
 * domain `reports` calls ready is the domain `promote` promotes.
 *
 * This module defines those options once, checks them, and streams every source through the
 * readers (`components/reports/sources`) into the model's aggregator
 * (`components/model/tlsrpt-readiness.ts`).
 */
import { readFileSync, statSync } from "node:fs";
import { Command, Option } from "commander";
import { AggregateResult, ConfiguredDomainPolicy, ReadinessOptions, TlsRptAggregator } from "../components/model/tlsrpt-readiness";
import { parseServerAddress } from "../components/check/dns-lookup";
// The readers are imported one by one: the mail, zip, IMAP and DKIM libraries load only when an
// input needs them (the barrel `components/reports/sources` would load them all).
import { InputSkipped, NO_REPORT, ReportSourceError, SourceEvent } from "../components/reports/sources/events";
import { readReportBatches } from "../components/reports/sources/paths";
import { dnsResolverFor } from "../components/reports/sources/txt-resolver";
import type { DkimOptions } from "../components/reports/sources";
import type { DomainDeployment } from "../components/stack/stack-config";
import { CliError, UsageError } from "./verb-contract";

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

/** The shared flags as commander delivers them. */
export interface EvidenceFlags {
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

/** SOURCES and the verdict and reader flags, on `command`, in the order `--help` lists them. */
export function addEvidenceOptions(command: Command): Command {
  return command
    .argument("<sources...>", "report files, .zip, .eml, mbox files, directories (Maildir too), imaps://user@host/MAILBOX (imap:// uses STARTTLS), or https://<receiver host> (the kit's TLS-RPT receiver)")
    .option("--since <YYYY-MM-DD>", "count only reports from this UTC day on")
    .addOption(new Option("--min-days <n>", "days with an sts report needed for ready").default("14"))
    .addOption(new Option("--min-reporters <n>", "reporting organizations needed for ready").default("2"))
    .addOption(new Option("--max-failure-rate <fraction>", "failed sessions tolerated, as a fraction of all sessions, e.g. 0.001").default("0"))
    .option("--require-authenticated", "count only DKIM-authenticated reports toward ready")
    .option("--password-file <file>", `read the IMAP password from this file (else ${IMAP_PASSWORD_ENV})`)
    .option("--token-file <file>", `read the export token of an https:// receiver from this file (else ${RECEIVER_TOKEN_ENV})`)
    .option("--mark-seen", "flag the IMAP mails that held a report as \\Seen (default: change nothing)")
    .option("--resolver <host:port>", "ask this DNS server for DKIM keys instead of the system's resolvers")
    .option("--ca-file <pem>", "trust the certificate authorities in this PEM file for IMAP and https:// receivers");
}

/** The verdict flags as the model's options; a `UsageError` naming the flag and the fix. */
export function readinessOptions(flags: EvidenceFlags): ReadinessOptions {
  const whole = (value: string, flag: string): number => {
    if (!/^[0-9]{1,6}$/.test(value)) throw new UsageError(`${flag} "${value}" must be a whole number, e.g. ${flag} 14`);
    return Number(value);
  };
  if (flags.since !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(flags.since) && new Date(`${flags.since}T00:00:00Z`).toISOString().startsWith(flags.since))) {
    throw new UsageError(`--since "${flags.since}" must be a UTC day written YYYY-MM-DD, e.g. --since 2026-03-01`);
  }
  const rate = Number(flags.maxFailureRate);
  if (flags.maxFailureRate.trim() === "" || !Number.isFinite(rate) || rate < 0 || rate >= 1) {
    throw new UsageError(`--max-failure-rate "${flags.maxFailureRate}" must be a fraction from 0 to below 1, e.g. 0.001 for one in a thousand`);
  }
  return {
    ...(flags.since ? { since: flags.since } : {}),
    minDays: whole(flags.minDays, "--min-days"),
    minReporters: whole(flags.minReporters, "--min-reporters"),
    maxFailureRate: rate,
    requireAuthenticated: Boolean(flags.requireAuthenticated),
  };
}

/** Sources and flags checked, the password and CA read: everything that can fail before reading starts. */
export interface EvidencePlan {
  readonly paths: readonly string[];
  readonly imapUrls: readonly string[];
  /** The kit's own receivers (`https://<hostname>`), read through their export. */
  readonly receiverUrls: readonly string[];
  readonly token: string;
  readonly options: ReadinessOptions;
  readonly password: string;
  readonly ca?: Buffer;
  readonly dkim: DkimOptions;
  readonly markSeen: boolean;
}

const isImap = (s: string) => /^imaps?:\/\//i.test(s);
const isReceiver = (s: string) => /^https:\/\//i.test(s);

/** Check `flags` for `sources`; a `CliError` (exit 2) for a bad flag, a missing password or CA file. */
export function planEvidence(sources: readonly string[], flags: EvidenceFlags, deps: ReportsCliDeps): EvidencePlan {
  const options = readinessOptions(flags);
  const plainHttp = sources.find((s) => /^http:\/\//i.test(s));
  if (plainHttp !== undefined) throw new UsageError(`${plainHttp}: a receiver is read over https:// only (the export token must not cross the network in clear)`);
  if (flags.resolver !== undefined) {
    try {
      parseServerAddress(flags.resolver);
    } catch (err) {
      throw new UsageError(`--resolver ${(err as Error).message}`);
    }
  }
  let ca: Buffer | undefined;
  if (flags.caFile !== undefined) {
    try {
      ca = readFileSync(flags.caFile);
    } catch (err) {
      throw new CliError("io", `--ca-file ${flags.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  if (flags.markSeen && !sources.some(isImap)) throw new UsageError("--mark-seen applies to IMAP sources only");
  const password = sources.some(isImap) ? readPassword(flags, deps) : "";
  const token = sources.some(isReceiver) ? readToken(flags, deps) : "";
  return {
    paths: sources.filter((s) => !isImap(s) && !isReceiver(s)),
    imapUrls: sources.filter(isImap),
    receiverUrls: sources.filter(isReceiver),
    options,
    password,
    token,
    ...(ca ? { ca } : {}),
    dkim: { resolver: dnsResolverFor(flags.resolver ? parseServerAddress(flags.resolver) : undefined) },
    markSeen: Boolean(flags.markSeen),
  };
}

/** A secret from `--<flag> <file>` (at most 4096 bytes, one line ending removed), else from `envName`. */
function readSecret(file: string | undefined, flag: string, what: string, envName: string, deps: ReportsCliDeps, needed: string): string {
  if (file !== undefined) {
    let text: string;
    try {
      if (statSync(file).size > 4096) throw new CliError("io", `${flag} ${file} is larger than 4096 bytes; it should hold the ${what} only`);
      text = readFileSync(file, "utf8");
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError("io", `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const secret = text.replace(/\r?\n$/, "");
    if (secret === "") throw new UsageError(`${flag} ${file} is empty; it should hold the ${what}`);
    return secret;
  }
  const env = deps.env[envName];
  if (env === undefined || env === "") throw new UsageError(`${needed}: set ${envName} or pass ${flag} (never on the command line)`);
  return env;
}

function readPassword(flags: EvidenceFlags, deps: ReportsCliDeps): string {
  return readSecret(flags.passwordFile, "--password-file", "password", IMAP_PASSWORD_ENV, deps, "an IMAP source needs a password");
}

function readToken(flags: EvidenceFlags, deps: ReportsCliDeps): string {
  return readSecret(flags.tokenFile, "--token-file", "export token", RECEIVER_TOKEN_ENV, deps, "an https:// receiver needs its export token (the receiver's exportToken output)");
}

/** The stack's domains as the aggregator judges them: against the policy configured now. */
export function configuredPolicies(domains: readonly DomainDeployment[]): ConfiguredDomainPolicy[] {
  return domains.map((d) => ({ domain: d.intent.domain, mode: d.intent.policy.mode, mx: d.intent.policy.mx }));
}

/** Every report read and counted, and what was not. */
export interface Evidence {
  readonly result: AggregateResult;
  /** The inputs that were not reports, up to a limit, with the reason. */
  readonly skipped: readonly InputSkipped[];
  /** Skipped inputs beyond the listed ones. */
  readonly moreSkipped: number;
  /** Inputs that looked like a report but could not be read. */
  readonly broken: number;
  /** Mails that held no report. */
  readonly noReport: number;
}

/**
 * Read every source and aggregate (with `configured`, every stack domain gets a verdict against
 * its current policy). A `ReportSourceError` (no such path, IMAP login failed) is a `CliError`
 * with the code `io`.
 */
export async function readEvidence(plan: EvidencePlan, configured: readonly ConfiguredDomainPolicy[] | undefined, deps: ReportsCliDeps): Promise<Evidence> {
  const aggregator = new TlsRptAggregator({ ...plan.options, ...(configured ? { configured } : {}) });
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
    if (e.kind === "report") aggregator.add(e);
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

  try {
    if (plan.paths.length > 0) for await (const batch of readReportBatches(plan.paths as string[], { dkim: plan.dkim })) for (const e of batch) onEvent(e);
    for (const url of plan.imapUrls) {
      // The IMAP client, and the MIME and DKIM libraries behind it, only for an IMAP source.
      const { readImapMailbox } = require("../components/reports/sources/imap") as typeof import("../components/reports/sources/imap");
      const since = plan.options.since;
      for await (const e of readImapMailbox(url, { password: plan.password, dkim: plan.dkim, markSeen: plan.markSeen, ...(since ? { since } : {}), ...(plan.ca ? { ca: plan.ca } : {}) })) onEvent(e);
    }
    for (const url of plan.receiverUrls) {
      // The receiver's export reader, only for an https:// source.
      const { readReceiverReports } = require("../components/reports/sources/receiver") as typeof import("../components/reports/sources/receiver");
      const since = plan.options.since;
      for await (const e of readReceiverReports(url, { token: plan.token, ...(since ? { since } : {}), ...(plan.ca ? { ca: plan.ca } : {}) })) onEvent(e);
    }
  } catch (err) {
    if (err instanceof ReportSourceError) throw new CliError("io", err.message);
    throw err;
  } finally {
    if (showProgress && lastProgress > 0) deps.progress("\r\u001b[K");
  }
  return { result: aggregator.result(), skipped, moreSkipped, broken, noReport };
}
