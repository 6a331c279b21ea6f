/**
 * What every report source (files, zip, mail, mbox, Maildir, IMAP) yields: a report with where
 * it came from and whether a DKIM signature vouches for it, or a skipped input with the reason.
 * Sources never stop on a bad input; they stop (throwing `ReportSourceError`) only when they
 * cannot run at all: a path that does not exist, an IMAP login that fails.
 */
import type { TlsRptReport } from "../../model/tlsrpt-report";

export interface ReportFound {
  readonly kind: "report";
  /** Where it was read, e.g. `reports/2026-11.mbox#12 google.com!example.com!...json.gz`. */
  readonly source: string;
  readonly report: TlsRptReport;
  /** A valid DKIM signature of the reporter's domain covers the mail (RFC 8460 §5.3); false for files. */
  readonly authenticated: boolean;
  /** The DKIM signing domain (`d=`) that vouches for it, when authenticated. */
  readonly signer?: string;
}

export interface InputSkipped {
  readonly kind: "skipped";
  readonly source: string;
  readonly reason: string;
  /**
   * True when the input looked like a report (a report attachment, JSON or gzip content) but
   * could not be read: that makes `mta-sts reports` exit 1. A mail with no report, or a file
   * that is neither a report nor a mail, does not.
   */
  readonly looksLikeReport: boolean;
}

export type SourceEvent = ReportFound | InputSkipped;

/** The reason given for a mail that holds no report (a cron mail in the same mailbox). */
export const NO_REPORT = "no report";

/** The source could not run at all (exit 2). */
export class ReportSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportSourceError";
  }
}

/** Bounds on every input, so no file, mail or archive can exhaust memory or time. */
export const SOURCE_LIMITS = {
  /** One mail (a file, a Maildir entry, an mbox message, an IMAP message): 16 MiB. */
  maxMessageBytes: 16 * 1024 * 1024,
  /** One report file or archive member before decompression: 16 MiB. */
  maxFileBytes: 16 * 1024 * 1024,
  /** One zip archive: 64 MiB, at most 10,000 members. */
  maxZipBytes: 64 * 1024 * 1024,
  maxZipEntries: 10000,
  /** Report attachments per mail. */
  maxAttachments: 100,
  /** Directory depth when walking (a Maildir is 2 deep). */
  maxDepth: 32,
} as const;
