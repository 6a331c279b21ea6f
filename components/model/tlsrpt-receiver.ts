/**
 * The receiving side of TLS-RPT over HTTPS (RFC 8460 §5.4): a sender POSTs one report, gzip'd
 * (`application/tlsrpt+gzip`) or not (`application/tlsrpt+json`), to an `https:` address of a
 * domain's `rua`, e.g. `https://tlsrpt.example.com/v1/report`, and takes a 2xx answer as
 * delivered. The kit's receiver (a Worker with an R2 bucket) stores each report once and rings
 * an alarm when one reports failures; `mta-sts reports https://<host>` reads them back.
 *
 * The rules of that receiver, in one place: the paths, the media types, the size bound, the
 * storage key of a report (the day first, so a `since` query is a key range; every part a
 * sender wrote encoded, so no organization name can steer where a report lands), which domains
 * a report may be for, and what a failure alert says.
 *
 * Pure: no I/O and no Node-only module (it imports only the report model), so the same code is
 * bundled into the Worker.
 */
import { aggregateReports } from "./tlsrpt-readiness";
import { TlsRptReport } from "./tlsrpt-report";

/** Where senders POST reports: the path of the `https:` rua the receiver is announced under. */
export const TLSRPT_REPORT_PATH = "/v1/report";
/** Where `mta-sts reports` reads the stored reports back (GET, with the export token). */
export const TLSRPT_EXPORT_PATH = "/v1/reports";

/** `https://<hostname>/v1/report`, the rua a domain lists to send its reports to the receiver. */
export function tlsRptReceiverReportUrl(hostname: string): string {
  return `https://${hostname}${TLSRPT_REPORT_PATH}`;
}

/** `https://<hostname>/v1/reports`, where the stored reports are read back. */
export function tlsRptReceiverExportUrl(hostname: string): string {
  return `https://${hostname}${TLSRPT_EXPORT_PATH}`;
}

/**
 * The most bytes a posted report may have, compressed and again decompressed: 1 MiB. A day of a
 * large sender's report is a few KiB; the bound keeps a decompression bomb (a few KiB that
 * inflate to gigabytes) from getting past.
 */
export const MAX_POSTED_REPORT_BYTES = 1024 * 1024;

/** RFC 8460 §5.4, §6.4, §6.5: the two media types a report is posted with. */
export const TLSRPT_MEDIA_TYPES = { gzip: "application/tlsrpt+gzip", json: "application/tlsrpt+json" } as const;

/**
 * Which of the two media types a `Content-Type` header names (parameters such as `charset`
 * ignored, case-insensitive, RFC 9110 §8.3.1), or undefined for anything else.
 */
export function tlsRptMediaType(contentType: string | null | undefined): "gzip" | "json" | undefined {
  if (typeof contentType !== "string") return undefined;
  const type = contentType.split(";", 1)[0].trim().toLowerCase();
  if (type === TLSRPT_MEDIA_TYPES.gzip) return "gzip";
  if (type === TLSRPT_MEDIA_TYPES.json) return "json";
  return undefined;
}

/** How a `since` is written: a UTC day, `YYYY-MM-DD`, that exists. */
export function isUtcDay(text: unknown): text is string {
  if (typeof text !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** The alert formats: Slack's `{ text }`, a Teams Adaptive Card, or this kit's own JSON. */
export const ALERT_WEBHOOK_FORMATS = ["slack", "teams", "json"] as const;
export type AlertFormat = (typeof ALERT_WEBHOOK_FORMATS)[number];
export const DEFAULT_ALERT_WEBHOOK_FORMAT: AlertFormat = "json";

/**
 * Reports per page of the export. Each page is one R2 list and one read per report, within a
 * Worker's 1,000 operations on Cloudflare services per invocation; 100 keeps a page well inside
 * the Workers Free plan's 10 ms of CPU time.
 */
export const DEFAULT_EXPORT_PAGE_SIZE = 100;
export const MAX_EXPORT_PAGE_SIZE = 999;

/**
 * The longest encoded `organization-name` and `report-id` a key takes. With the day (10), the
 * domain (at most 253) and the separators, a key stays under R2's 1,024 bytes. Real senders'
 * names and ids are a few dozen characters; longer ones are refused rather than cut, since two
 * cut names could meet and one report would be taken for a copy of the other.
 */
export const MAX_ENCODED_ORGANIZATION_NAME = 300;
export const MAX_ENCODED_REPORT_ID = 400;

const UTF8 = new TextEncoder();

/**
 * A sender's text as a key part: every UTF-8 byte outside `A-Z a-z 0-9 _ ~ -` as `%XX`
 * (uppercase hex). Injective (a `%` is itself encoded), and the result holds no `/` (no new key
 * level), no `.` (no `..`), no control character and nothing a tool syncing the bucket to a file
 * system could read as a path.
 */
export function encodeKeyPart(text: string): string {
  let out = "";
  for (const byte of UTF8.encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

// A lone surrogate cannot be encoded as UTF-8: TextEncoder would write U+FFFD for it, and two
// different names would share a key.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export type StoreKeyResult = { ok: true; key: string } | { ok: false; field: string; message: string };

/** The distinct policy domains of a report, in the order of its blocks (A-labels). */
export function reportDomains(report: Pick<TlsRptReport, "policies">): string[] {
  return [...new Set(report.policies.map((p) => p.policyDomain))];
}

/**
 * Where a report is stored: `<day>/<policy-domain>/<organization-name>/<report-id>.json`, e.g.
 * `2016-04-01/company-y.example/Company-X/5065427c-23d3-47ca-b6e0-946ea0e8c4be.json`. The day
 * comes first, so the reports since a day are the keys after it. The organization and id make
 * the key of a report (RFC 8460 §4.3): a copy gets the same key and is stored once. The domain
 * is the first block's; the key is a function of the report alone.
 */
export function tlsRptStoreKey(report: Pick<TlsRptReport, "day" | "organizationName" | "reportId" | "policies">): StoreKeyResult {
  if (!isUtcDay(report.day)) return { ok: false, field: "date-range.start-datetime", message: `the report's day ${JSON.stringify(report.day)} is not a date from year 0000 to 9999` };
  const domain = report.policies[0]?.policyDomain;
  if (!domain) return { ok: false, field: "policies", message: "the report names no policy domain" };
  const parts: [string, string, number][] = [
    ["organization-name", report.organizationName, MAX_ENCODED_ORGANIZATION_NAME],
    ["report-id", report.reportId, MAX_ENCODED_REPORT_ID],
  ];
  const encoded: string[] = [];
  for (const [field, text, max] of parts) {
    if (LONE_SURROGATE.test(text)) return { ok: false, field, message: `${field} holds an unpaired surrogate, which is not Unicode text` };
    const part = encodeKeyPart(text);
    if (part.length > max) return { ok: false, field, message: `${field} is too long to store (${part.length} characters encoded, at most ${max}); a sender's ${field} is a few dozen characters` };
    encoded.push(part);
  }
  return { ok: true, key: `${report.day}/${domain}/${encoded[0]}/${encoded[1]}.json` };
}

/**
 * A report's JSON text on one line, as the export writes it (one report per line, NDJSON). In
 * valid JSON a line break can only be whitespace between tokens (RFC 8259 §2, §7: a string holds
 * none unescaped), so each becomes a space and the value is unchanged; a leading byte order mark
 * (RFC 8259 §8.1) is dropped.
 */
export function oneLineJson(text: string): string {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return body.replace(/[\r\n]+/g, " ").trim();
}

/** The report's domains that are not in `allowed` (A-labels): a report for any of them is refused. */
export function foreignDomains(report: Pick<TlsRptReport, "policies">, allowed: readonly string[]): string[] {
  const set = new Set(allowed);
  return reportDomains(report).filter((d) => !set.has(d));
}

/** What a failure alert says about one domain of a report. */
export interface DomainFailureAlert {
  /** The policy domain (A-label). */
  readonly domain: string;
  readonly failedSessions: number;
  readonly successfulSessions: number;
  /** Failed sessions per result type, largest first; the sessions no detail explains as `unspecified`. */
  readonly resultTypes: readonly { readonly resultType: string; readonly sessions: number }[];
  /** `receiving-mx-hostname` of the failures, sorted; empty when the sender did not say. */
  readonly receivingMx: readonly string[];
  /** `sts`, `tlsa`, `no-policy-found`. */
  readonly policyTypes: readonly string[];
}

/** The short summary a failure alert carries. */
export interface FailureAlert {
  /** `organization-name`: who reported. */
  readonly reporter: string;
  readonly reportId: string;
  /** The UTC day the report counts for. */
  readonly day: string;
  /** Only the domains with failed sessions. */
  readonly domains: readonly DomainFailureAlert[];
}

/** At most this many result types and MX names are listed per domain; the rest are counted in. */
export const MAX_ALERT_ITEMS = 10;

/**
 * The alert for a report with failed sessions, or undefined when every session succeeded.
 * Sessions are counted by the rules `mta-sts reports` uses (the same aggregation), so the alert
 * and the verdict never disagree about a report.
 */
export function tlsRptFailureAlert(report: TlsRptReport): FailureAlert | undefined {
  const domains: DomainFailureAlert[] = [];
  for (const d of aggregateReports([report]).domains) {
    if (d.failedSessions === 0) continue;
    const detailed = Object.values(d.failuresByResultType).reduce((n, s) => n + s, 0);
    const types = Object.entries(d.failuresByResultType).map(([resultType, sessions]) => ({ resultType, sessions }));
    if (d.failedSessions > detailed) types.push({ resultType: "unspecified", sessions: d.failedSessions - detailed });
    types.sort((a, b) => b.sessions - a.sessions || a.resultType.localeCompare(b.resultType));
    const mx = [...new Set(d.failures.map((f) => f.receivingMx).filter((m): m is string => m !== null))].sort();
    domains.push({
      domain: d.domain,
      failedSessions: d.failedSessions,
      successfulSessions: d.successfulSessions,
      resultTypes: types.slice(0, MAX_ALERT_ITEMS),
      receivingMx: mx.slice(0, MAX_ALERT_ITEMS),
      policyTypes: d.policyTypes,
    });
  }
  if (domains.length === 0) return undefined;
  return { reporter: report.organizationName, reportId: report.reportId, day: report.day, domains };
}
