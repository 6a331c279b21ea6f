/**
 * One SMTP TLS report (RFC 8460 §4): a JSON object that a sending MTA mails or posts once a day
 * to the addresses of a domain's `_smtp._tls` record, saying how many TLS sessions to the
 * domain's MX hosts succeeded and which failed, and why:
 *
 * ```json
 * { "organization-name": "Company-X", "report-id": "5065427c-23d3-47ca-b6e0-946ea0e8c4be",
 *   "date-range": { "start-datetime": "2016-04-01T00:00:00Z", "end-datetime": "2016-04-01T23:59:59Z" },
 *   "contact-info": "sts-reporting@company-x.example",
 *   "policies": [{ "policy": { "policy-type": "sts", "policy-domain": "company-y.example",
 *                              "policy-string": ["version: STSv1", "mode: testing", ...] },
 *                  "summary": { "total-successful-session-count": 5326, "total-failure-session-count": 303 },
 *                  "failure-details": [{ "result-type": "certificate-expired", "failed-session-count": 100, ... }] }] }
 * ```
 *
 * `parseTlsRptReportJson` reads that text the way real senders write it: tolerant of every quirk
 * seen in the wild (each handled below names its sender), strict about what cannot be attributed
 * (a report with no organization, id or date; a policy block with no domain or no summary; a
 * count that is not a whole number). Errors are values; a caller lists the report as skipped and
 * goes on. Pure: no I/O and no Node-only module, so the same code runs in a Worker.
 */

/** RFC 8460 §4.4: the policy types; senders have been seen to write others, which are kept. */
export const TLSRPT_POLICY_TYPES = ["sts", "tlsa", "no-policy-found"] as const;

/** RFC 8460 §4.3: the result types of the registry (§6.6); others are kept as written. */
export const TLSRPT_RESULT_TYPES = [
  "starttls-not-supported",
  "certificate-host-mismatch",
  "certificate-expired",
  "certificate-not-trusted",
  "validation-failure",
  "tlsa-invalid",
  "dnssec-invalid",
  "dane-required",
  "sts-policy-fetch-error",
  "sts-policy-invalid",
  "sts-webpki-invalid",
] as const;

/** Reports larger than this (in UTF-16 code units of JSON text) are refused: about 1 MiB. */
export const MAX_REPORT_JSON_CHARS = 1024 * 1024;

/** One failure-details entry (RFC 8460 §4.3, §4.4), normalised. */
export interface TlsRptFailureDetail {
  /** `result-type`, as written (lowercase registry values, or the sender's own). */
  readonly resultType: string;
  /** `failed-session-count`. */
  readonly failedSessions: number;
  readonly sendingMtaIp?: string;
  /** `receiving-mx-hostname`, lowercase, without a trailing dot. */
  readonly receivingMxHostname?: string;
  readonly receivingMxHelo?: string;
  readonly receivingIp?: string;
  /** `additional-information` (or `additional-info-uri`). */
  readonly additionalInformation?: string;
  readonly failureReasonCode?: string;
}

/** One element of `policies` (RFC 8460 §4.4), normalised. */
export interface TlsRptPolicyResult {
  /** `sts`, `tlsa`, `no-policy-found`, or what the sender wrote. */
  readonly policyType: string;
  /** The policy domain as a lowercase A-label, e.g. `xn--bcher-kva.example`. */
  readonly policyDomain: string;
  /** The policy as the sender applied it: the lines of an MTA-STS policy, or TLSA records. */
  readonly policyString: readonly string[];
  /** `mx-host` patterns, lowercase; [] when absent. */
  readonly mxHost: readonly string[];
  /** `summary.total-successful-session-count`. */
  readonly successfulSessions: number;
  /** `summary.total-failure-session-count`. */
  readonly failedSessions: number;
  readonly failureDetails: readonly TlsRptFailureDetail[];
}

/** A report, normalised: every date in UTC, every domain an A-label. */
export interface TlsRptReport {
  readonly organizationName: string;
  readonly reportId: string;
  /** `contact-info`; undefined when absent or `null`. */
  readonly contactInfo?: string;
  /** `date-range.start-datetime` as an ISO 8601 UTC instant, e.g. `2016-04-01T00:00:00.000Z`. */
  readonly startDatetime: string;
  readonly endDatetime: string;
  /** The UTC date of `start-datetime`, `YYYY-MM-DD`: the day the report counts for. */
  readonly day: string;
  readonly policies: readonly TlsRptPolicyResult[];
  /** What was read leniently and changes what counts, e.g. a policy block without a domain. */
  readonly warnings: readonly string[];
}

/** Why a report was refused; `field` is the JSON path of the first problem. */
export interface TlsRptReportError {
  readonly kind: "too-large" | "not-json" | "invalid";
  readonly field?: string;
  readonly message: string;
}

export type TlsRptReportResult = { ok: true; value: TlsRptReport } | { ok: false; error: TlsRptReportError };

/** RFC 1952 §2.3.1: every gzip member starts with ID1 = 0x1f, ID2 = 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The key under which a report counts once (organization and report id, RFC 8460 §4.3). */
export function tlsRptReportKey(report: Pick<TlsRptReport, "organizationName" | "reportId">): string {
  return `${report.organizationName}\u0000${report.reportId}`;
}

/** Parse the JSON text of one report. Never throws. */
export function parseTlsRptReportJson(text: string): TlsRptReportResult {
  if (typeof text !== "string") return fail("not-json", "the report is not text");
  if (text.length > MAX_REPORT_JSON_CHARS) {
    return fail("too-large", `the report is larger than ${MAX_REPORT_JSON_CHARS} characters; no sender writes a report that big`);
  }
  let doc: unknown;
  try {
    // A UTF-8 byte order mark is not JSON (RFC 8259 §8.1) but harmless; drop it.
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    return fail("not-json", `the report is not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return normaliseTlsRptReport(doc);
}

class Invalid extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

/**
 * `err`, an error about a field of an element, about that field of the whole report: the
 * element's code names its fields from itself (`summary`), and only a failure pays for the full
 * path (`policies[2].summary`).
 */
function within(element: string, err: unknown): unknown {
  return err instanceof Invalid ? new Invalid(err.field === "" ? element : `${element}.${err.field}`, err.message) : err;
}

/** Validate and normalise an already parsed JSON value as a report. Never throws. */
export function normaliseTlsRptReport(doc: unknown): TlsRptReportResult {
  try {
    return { ok: true, value: readReport(doc) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, error: { kind: "invalid", field: err.field, message: `${err.field}: ${err.message}` } };
    return fail("invalid", `the report could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function readReport(doc: unknown): TlsRptReport {
  if (!isObject(doc)) throw new Invalid("(top level)", "a report is a JSON object (RFC 8460 §4.4)");
  const warnings: string[] = [];
  // RFC 8460 §4.3: organization-name and report-id identify the report; without them it can
  // neither be attributed to a reporter nor de-duplicated.
  const organizationName = requiredText(doc, "organization-name", "organization-name");
  const reportId = requiredText(doc, "report-id", "report-id");
  const contactInfo = optionalText(doc["contact-info"], "contact-info"); // null from some senders
  const range = doc["date-range"];
  if (!isObject(range)) throw new Invalid("date-range", "missing; a report covers a date range (RFC 8460 §4.4)");
  const start = readDateTime(range["start-datetime"], "date-range.start-datetime");
  const end = readDateTime(range["end-datetime"], "date-range.end-datetime");
  if (end.ms < start.ms) throw new Invalid("date-range.end-datetime", `${end.iso} is before the start ${start.iso}`);
  const rawPolicies = doc.policies;
  if (!Array.isArray(rawPolicies) || rawPolicies.length === 0) {
    throw new Invalid("policies", "missing or empty; a report lists the policies it applied (RFC 8460 §4.4)");
  }
  const policies: TlsRptPolicyResult[] = [];
  for (let index = 0; index < rawPolicies.length; index++) {
    let block: TlsRptPolicyResult | undefined;
    try {
      block = readPolicyBlock(rawPolicies[index]);
    } catch (err) {
      throw within(`policies[${index}]`, err);
    }
    // Postfix's tlsrpt-reporter omits policy-domain in `no-policy-found` blocks. Its sessions
    // cannot be attributed to a domain, so they are not counted; the rest of the report is.
    if (block) policies.push(block);
    else warnings.push(`policies[${index}].policy.policy-domain is missing; its sessions are not counted for any domain`);
  }
  if (policies.length === 0) {
    throw new Invalid("policies[0].policy.policy-domain", "no policy block names its domain, so the report cannot be attributed to any domain (RFC 8460 §4.4)");
  }
  const report: { -readonly [K in keyof TlsRptReport]: TlsRptReport[K] } = {
    organizationName,
    reportId,
    startDatetime: start.iso,
    endDatetime: end.iso,
    // Counting rule: a day is the UTC date of start-datetime. RFC 8460 §4.1 asks for UTC days;
    // a range ending at 23:59:59Z or at 00:00:00Z of the next day is the same day.
    day: start.day,
    policies,
    warnings,
  };
  if (contactInfo !== undefined) report.contactInfo = contactInfo;
  return report;
}

/** One element of `policies`; undefined when it names no domain. Fields are named from the element. */
function readPolicyBlock(raw: unknown): TlsRptPolicyResult | undefined {
  if (!isObject(raw)) throw new Invalid("", "each element of policies is an object (RFC 8460 §4.4)");
  const policy = raw.policy;
  if (!isObject(policy)) throw new Invalid("policy", "missing; every block says which policy it applied (RFC 8460 §4.4)");
  const policyType = requiredText(policy, "policy-type", "policy.policy-type");
  const rawDomain = policy["policy-domain"];
  if (rawDomain === undefined || rawDomain === null || rawDomain === "") return undefined;
  if (typeof rawDomain !== "string") throw new Invalid("policy.policy-domain", "must be a domain name (RFC 8460 §4.4)");
  const policyDomain = normaliseDomain(rawDomain);
  if (!policyDomain) throw new Invalid("policy.policy-domain", `"${clip(rawDomain)}" is not a domain name (RFC 8460 §4.4)`);

  const summary = raw.summary;
  if (!isObject(summary)) throw new Invalid("summary", "missing; the session counts are what a report is for (RFC 8460 §4.4)");
  const successfulSessions = count(summary["total-successful-session-count"], "summary.total-successful-session-count");
  const failedSessions = count(summary["total-failure-session-count"], "summary.total-failure-session-count");

  const details = raw["failure-details"];
  const failureDetails: TlsRptFailureDetail[] = [];
  // failure-details may be absent (Google, Microsoft on success) or [] (mox); both mean none.
  if (details !== undefined && details !== null) {
    if (!Array.isArray(details)) throw new Invalid("failure-details", "must be a list (RFC 8460 §4.4)");
    for (let i = 0; i < details.length; i++) {
      try {
        failureDetails.push(readFailureDetail(details[i]));
      } catch (err) {
        throw within(`failure-details[${i}]`, err);
      }
    }
  }
  return {
    policyType,
    policyDomain,
    policyString: readPolicyString(policy["policy-string"], "policy.policy-string"),
    mxHost: readMxHost(policy["mx-host"], "policy.mx-host"),
    successfulSessions,
    failedSessions,
    failureDetails,
  };
}

/** One failure-details entry; fields are named from the entry. */
function readFailureDetail(raw: unknown): TlsRptFailureDetail {
  if (!isObject(raw)) throw new Invalid("", "each failure detail is an object (RFC 8460 §4.4)");
  // RFC 8460 §4.3: result-type and failed-session-count are what a detail is; Mail.ru writes
  // entries with only these two (and failure-reason-code). Unknown result types stay as written.
  const resultType = requiredText(raw, "result-type", "result-type");
  const failedSessions = count(raw["failed-session-count"], "failed-session-count", true);
  const mx = optionalText(raw["receiving-mx-hostname"], "receiving-mx-hostname");
  return compact({
    resultType,
    failedSessions,
    sendingMtaIp: optionalText(raw["sending-mta-ip"], "sending-mta-ip"),
    receivingMxHostname: mx === undefined ? undefined : mx.toLowerCase().replace(/\.$/, ""),
    receivingMxHelo: optionalText(raw["receiving-mx-helo"], "receiving-mx-helo"),
    receivingIp: optionalText(raw["receiving-ip"], "receiving-ip"),
    // RFC 8460 §4.4 names the field additional-information; its value is an
    // "additional-info-uri", and some senders use that as the field name.
    additionalInformation: optionalText(raw["additional-information"] ?? raw["additional-info-uri"], "additional-information"),
    failureReasonCode: optionalText(raw["failure-reason-code"], "failure-reason-code"),
  });
}

/**
 * RFC 8460 §4.4: policy-string is a list of strings (the policy's lines, or one TLSA record each).
 * Absent (Microsoft and Mail.ru when the fetch failed) or [] means the sender had none to show.
 * Microsoft writes its `tlsa` records as ONE string holding a JSON-encoded list
 * (`["[\"3 1 1 7FF8...\"]"]`); that is unpacked into the records.
 */
function readPolicyString(raw: unknown, path: string): string[] {
  if (raw === undefined || raw === null) return [];
  const items = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(items)) throw new Invalid(path, "must be a list of strings (RFC 8460 §4.4)");
  const lines: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== "string") throw new Invalid(`${path}[${i}]`, "must be a string (RFC 8460 §4.4)");
    const unpacked = items.length === 1 ? jsonStringList(item) : undefined;
    if (unpacked) lines.push(...unpacked);
    else lines.push(item);
  }
  return lines;
}

function jsonStringList(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith("[") || !t.endsWith("]")) return undefined;
  try {
    const value: unknown = JSON.parse(t);
    return Array.isArray(value) && value.every((v) => typeof v === "string") ? (value as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 8460 §4.4 mx-host: one pattern or a list; seen as a string, a list, [] or absent. */
function readMxHost(raw: unknown, path: string): string[] {
  if (raw === undefined || raw === null) return [];
  const items = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(items)) throw new Invalid(path, "must be a host pattern or a list of them (RFC 8460 §4.4)");
  const out: string[] = [];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== "string") throw new Invalid(`${path}[${i}]`, "must be a string (RFC 8460 §4.4)");
    const host = item.trim().toLowerCase().replace(/\.$/, "");
    if (host !== "" && !out.includes(host)) out.push(host);
  }
  return out;
}

/**
 * The results of a pure function for the inputs seen last, at most `max` of them. Real TLS reports
 * repeat their values: every report of a day has the same `start-datetime`, and a fleet has a
 * few hundred policy domains, so each is read once and looked up after that. When the cache is
 * full it starts again empty: memory stays bounded whatever the input, and a run over more
 * distinct values than `max` is only slower, never wrong.
 */
class BoundedCache<V> {
  private readonly values = new Map<string, V>();

  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    return this.values.get(key);
  }

  /** Remember `value` for `key`, and return it. */
  set(key: string, value: V): V {
    if (this.values.size >= this.max) this.values.clear();
    this.values.set(key, value);
    return value;
  }
}

/**
 * RFC 8460 §4.4: date-times are RFC 3339 §5.6. Microsoft writes them without a time zone
 * (`2023-01-10T00:00:00`); RFC 8460 §4.1 asks for UTC, so a missing zone is read as UTC.
 * Returns the instant in milliseconds since the epoch, as an ISO 8601 UTC string, and its UTC day.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:?\d{2})?)?$/;

interface DateTime {
  readonly ms: number;
  /** e.g. `2016-04-01T00:00:00.000Z`. */
  readonly iso: string;
  /** e.g. `2016-04-01`. */
  readonly day: string;
}

/** Date-times read so far: every report of a day repeats the same two. */
const DATE_TIMES = new BoundedCache<DateTime>(4096);

function readDateTime(raw: unknown, path: string): DateTime {
  if (typeof raw !== "string") throw new Invalid(path, "missing; write an RFC 3339 date-time such as 2016-04-01T00:00:00Z (RFC 8460 §4.4)");
  return DATE_TIMES.get(raw) ?? DATE_TIMES.set(raw, parseDateTime(raw, path));
}

function parseDateTime(raw: string, path: string): DateTime {
  const m = DATE_TIME.exec(raw.trim());
  if (!m) throw new Invalid(path, `"${clip(raw)}" is not an RFC 3339 date-time such as 2016-04-01T00:00:00Z (RFC 8460 §4.4)`);
  const [, y, mo, d, h = "0", mi = "0", s = "0", frac, zone] = m;
  const fields = [Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s)];
  const ms = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], frac ? Number(frac.slice(0, 3).padEnd(3, "0")) : 0);
  const back = new Date(ms);
  // Date.UTC rolls 2024-02-30 over to March; a real date reads back the same.
  if (fields[1] < 1 || fields[1] > 12 || back.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 60) {
    throw new Invalid(path, `"${clip(raw)}" is not a valid date and time`);
  }
  let offsetMinutes = 0;
  if (zone && zone !== "Z" && zone !== "z") {
    const digits = zone.replace(":", "");
    offsetMinutes = (digits[0] === "-" ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const instant = ms - offsetMinutes * 60000;
  const iso = new Date(instant).toISOString();
  return { ms: instant, iso, day: iso.slice(0, 10) };
}

/** Domains read so far (false: not a domain name): a fleet has a few hundred, in every report. */
const DOMAINS = new BoundedCache<string | false>(8192);

/**
 * A domain as a lowercase A-label. IDNA is the WHATWG URL host parser's (UTS #46), which Node and
 * Workers both provide as the global URL.
 */
export function normaliseDomain(input: string): string | undefined {
  const known = DOMAINS.get(input) ?? DOMAINS.set(input, toALabel(input) ?? false);
  return known === false ? undefined : known;
}

function toALabel(input: string): string | undefined {
  const raw = input.trim().replace(/\.$/, "");
  if (raw === "" || raw.length > 253 || !/^[A-Za-z0-9._\-\u0080-\u{10FFFF}]+$/u.test(raw)) return undefined;
  let ascii: string;
  if (/^[a-z0-9._-]+$/.test(raw) && !/(^|\.)xn--/.test(raw)) ascii = raw; // already a lowercase LDH name: nothing for IDNA to do
  else {
    try {
      ascii = new URL(`http://${raw}/`).hostname;
    } catch {
      return undefined;
    }
  }
  const labels = ascii.split(".");
  if (labels.length < 2 || ascii.length > 253) return undefined;
  if (!labels.every((l) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?$/.test(l))) return undefined;
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return undefined; // an IPv4 address
  return ascii;
}

/** The `mx:` values of an MTA-STS policy's lines (RFC 8461 §3.2), lowercase, sorted, unique. */
export function policyStringMx(lines: readonly string[]): string[] {
  const mx = new Set<string>();
  for (const line of lines) {
    const m = /^mx[ \t]*:[ \t]*(\S+)[ \t]*$/.exec(line.replace(/\r?\n$/, ""));
    if (m) mx.add(m[1].toLowerCase().replace(/\.$/, ""));
  }
  return [...mx].sort();
}

function requiredText(obj: Record<string, unknown>, key: string, path: string): string {
  const v = obj[key];
  const text = typeof v === "string" ? v.trim() : "";
  if (text === "") throw new Invalid(path, `missing or empty; it is required (RFC 8460 §4.4)`);
  return text;
}

function optionalText(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") throw new Invalid(path, "must be a string (RFC 8460 §4.4)");
  // Empty strings (seen for every optional field of one sender's fetch-error details) say nothing.
  return v === "" ? undefined : v;
}

/**
 * A session count: a whole number from 0. An absent summary count reads as 0 (Google has been
 * seen leaving out a zero count); a present one that is not a whole number is refused, since no
 * sum over it could be trusted.
 */
function count(v: unknown, path: string, required = false): number {
  if (v === undefined || v === null) {
    if (required) throw new Invalid(path, "missing; it is required (RFC 8460 §4.4)");
    return 0;
  }
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw new Invalid(path, `${clip(JSON.stringify(v))} is not a whole number of sessions from 0`);
  return v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function fail(kind: TlsRptReportError["kind"], message: string): TlsRptReportResult {
  return { ok: false, error: { kind, message } };
}
