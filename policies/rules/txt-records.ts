/**
 * Rule 1: the `_mta-sts` and `_smtp._tls` TXT records, wherever they are written (Route 53 or
 * Cloudflare, by our components or by hand), must be what a sender can read.
 *
 * A sender looks up `_mta-sts.<domain>` TXT, drops every record that does not start with
 * `v=STSv1`, and needs exactly one left that parses (RFC 8461 §3.1); the same for
 * `_smtp._tls.<domain>` and `v=TLSRPTv1` (RFC 8460 §3). A typo, a second record, or a record
 * written in the wrong API format makes the sender act as if the domain had no policy at all.
 *
 * Each DNS API has its own way to write a TXT value (see components/dns/txt-values.ts):
 * - Route 53 (`aws:route53/record:Record`, `records`): one entry per TXT record; the provider
 *   adds the outer quotes, so one record of several character-strings is `a""b`. An entry that
 *   is already fully quoted (`"a" "b"`) is read as zone-file text.
 * - Cloudflare (`cloudflare:index/dnsRecord:DnsRecord`, and the v4 `cloudflare:index/record:Record`;
 *   `content`, v4 also `value`): one resource per TXT record, `"a" "b"` in quotes, or plain text.
 * The character-strings are joined without separators before parsing (RFC 7208 §3.3 convention).
 */
import { parseStsRecord, parseTlsRptRecord, selectStsRecord, selectTlsRptRecord } from "../../components/model/records";
import { describe, isUnknown, normaliseHost, outcome, Outcome, RuleResource, Unknown, UNKNOWN } from "./resource";

export const ROUTE53_RECORD = "aws:route53/record:Record";
export const CLOUDFLARE_DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
export const CLOUDFLARE_RECORD_V4 = "cloudflare:index/record:Record";

export type TxtKind = "sts" | "tlsrpt";

/** A TXT record resource at `_mta-sts` or `_smtp._tls`, read from its props. */
export interface MailTxtRecord {
  readonly resource: RuleResource;
  readonly kind: TxtKind;
  readonly dns: "route53" | "cloudflare";
  /** The record name as written, normalised (`_mta-sts.example.com`). */
  readonly name: string;
  /**
   * The mail domain, when the name is written in full (`_mta-sts.example.com` → `example.com`).
   * A bare `_mta-sts` (relative to the zone) gives undefined: the zone's name is not in the props.
   */
  readonly domain?: string;
  /** The TXT values (one per record), joined into one string each; `UNKNOWN` when not known yet. */
  readonly values: (string | Unknown)[] | Unknown;
  /** Values the API format could not be read from, with why. */
  readonly malformed: { value: string; problem: string }[];
}

const LABELS: Record<TxtKind, string> = { sts: "_mta-sts", tlsrpt: "_smtp._tls" };

/**
 * Read a TXT resource as an MTA-STS or TLS-RPT record; undefined when it is not one, or when its
 * name or type is not known yet (then it is judged at `pulumi up`).
 */
export function readMailTxtRecord(resource: RuleResource): MailTxtRecord | undefined {
  const dns = resource.type === ROUTE53_RECORD ? "route53" : resource.type === CLOUDFLARE_DNS_RECORD || resource.type === CLOUDFLARE_RECORD_V4 ? "cloudflare" : undefined;
  if (!dns) return undefined;
  const { type, name } = resource.props;
  if (typeof type !== "string" || type.toUpperCase() !== "TXT" || typeof name !== "string") return undefined;
  const host = normaliseHost(name);
  const kind = (Object.keys(LABELS) as TxtKind[]).find((k) => host === LABELS[k] || host.startsWith(`${LABELS[k]}.`));
  if (!kind) return undefined;
  const domain = host === LABELS[kind] ? undefined : host.slice(LABELS[kind].length + 1);
  const malformed: { value: string; problem: string }[] = [];
  let raw: unknown[] | Unknown;
  if (dns === "route53") {
    const records = resource.props.records;
    raw = isUnknown(records) ? UNKNOWN : Array.isArray(records) ? records : [];
  } else {
    const content = resource.props.content ?? resource.props.value;
    raw = isUnknown(content) ? UNKNOWN : content === undefined ? [] : [content];
  }
  const values = isUnknown(raw)
    ? UNKNOWN
    : raw.map((value) => {
        if (isUnknown(value)) return UNKNOWN;
        if (typeof value !== "string") {
          malformed.push({ value: String(value), problem: "is not text" });
          return "";
        }
        const decoded = dns === "route53" ? route53TxtText(value) : cloudflareTxtText(value);
        if (!decoded.ok) malformed.push({ value, problem: decoded.problem });
        return decoded.ok ? decoded.text : value;
      });
  return { resource, kind, dns, name: host, domain, values, malformed };
}

/** A Route 53 `records` entry as the TXT text a resolver returns (character-strings joined). */
export function route53TxtText(value: string): { ok: true; text: string } | { ok: false; problem: string } {
  // The provider wraps each entry in quotes: `a""b` becomes `"a""b"`, two character-strings.
  const quoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value : `"${value}"`;
  const strings = characterStrings(quoted);
  if (strings) return { ok: true, text: strings.join("") };
  return { ok: false, problem: 'is not a TXT value Route 53 accepts: write it unquoted, with `""` between 255-octet chunks' };
}

/** A Cloudflare `content` as the TXT text a resolver returns. */
export function cloudflareTxtText(value: string): { ok: true; text: string } | { ok: false; problem: string } {
  if (!value.trimStart().startsWith('"')) return { ok: true, text: value };
  const strings = characterStrings(value.trim());
  if (strings) return { ok: true, text: strings.join("") };
  return { ok: false, problem: 'starts with a quote but is not a list of quoted strings; write "v=..." or "part one" "part two"' };
}

/**
 * Zone-file character-strings (RFC 1035 §5.1): `"a" "b"` or `"a""b"` → ["a", "b"], with `\"`,
 * `\\` and `\DDD` escapes; undefined when the text is not such a list.
 */
export function characterStrings(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /[ \t]/.test(text[i])) i++;
    if (i >= text.length) break;
    if (text[i] !== '"') return undefined;
    i++;
    let current = "";
    let closed = false;
    while (i < text.length) {
      const c = text[i];
      if (c === "\\") {
        const digits = /^[0-9]{3}/.exec(text.slice(i + 1));
        if (digits) {
          current += String.fromCharCode(Number(digits[0]));
          i += 4;
        } else if (i + 1 < text.length) {
          current += text[i + 1];
          i += 2;
        } else return undefined;
        continue;
      }
      if (c === '"') {
        closed = true;
        i++;
        break;
      }
      current += c;
      i++;
    }
    if (!closed) return undefined;
    out.push(current);
  }
  return out.length > 0 ? out : undefined;
}

/** Rule 1, per resource: the record must parse as a sender reads it. */
export function checkTxtRecord(resource: RuleResource): Outcome {
  const result = outcome();
  const record = readMailTxtRecord(resource);
  if (!record) return result;
  const { kind, name } = record;
  const tag = kind === "sts" ? "v=STSv1" : "v=TLSRPTv1";
  const example = kind === "sts" ? '"v=STSv1; id=<1 to 32 letters and digits>"' : '"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"';
  const rfc = kind === "sts" ? "RFC 8461 §3.1" : "RFC 8460 §3";
  const where = `${name} TXT ${describe(resource)}`;
  if (isUnknown(record.values) || record.values.some(isUnknown)) {
    result.undecidable.push({ reason: `${where}: the value is not known until the resources it is computed from exist; it is checked at \`pulumi up\`` });
    return result;
  }
  for (const { value, problem } of record.malformed) {
    result.violations.push({ message: `${where}: the value ${JSON.stringify(value)} ${problem}.` });
  }
  if (record.malformed.length > 0) return result;
  const texts = record.values as string[];
  const selected = kind === "sts" ? selectStsRecord(texts) : selectTlsRptRecord(texts);
  if (selected.ok) return result;
  const { kind: problem, message, records } = selected.error;
  if (problem === "none") {
    const near = texts.find((t) => t.toLowerCase().replace(/\s/g, "").startsWith(tag.toLowerCase()));
    const hint = near !== undefined ? ` ("${near}" is close: the tag is case-sensitive and has no spaces)` : "";
    result.violations.push({ message: `${where}: no value starts with "${tag}"${hint}, so senders find no ${kind === "sts" ? "MTA-STS policy" : "TLS-RPT record"} (${rfc}). Write ${example}.` });
  } else if (problem === "multiple") {
    result.violations.push({ message: `${where}: ${message}. Keep one value: ${records.map((r) => JSON.stringify(r)).join(", ")}.` });
  } else {
    const parsed = kind === "sts" ? parseStsRecord(records[0]) : parseTlsRptRecord(records[0]);
    const detail = parsed.ok ? message : parsed.error.message;
    result.violations.push({ message: `${where}: ${JSON.stringify(records[0])} is not a valid record: ${detail}. Write ${example}.` });
  }
  return result;
}

/**
 * Rule 1, across the stack: two resources that both publish a `v=STSv1` (or `v=TLSRPTv1`) value
 * at the same name make senders ignore both (RFC 8461 §3.1, RFC 8460 §3). A Route 53 record set is
 * one resource, so this catches Cloudflare records (one resource per value) and a Route 53 record
 * declared next to a Cloudflare one for the same name. Route 53 records with a `setIdentifier`
 * (weighted, latency... routing) answer one set per query and are not counted against each other.
 */
export function checkTxtRecordsUnique(resources: readonly RuleResource[]): Outcome {
  const result = outcome();
  const byName = new Map<string, { record: MailTxtRecord; value: string }[]>();
  for (const resource of resources) {
    const record = readMailTxtRecord(resource);
    if (!record || isUnknown(record.values)) continue;
    const tag = record.kind === "sts" ? "v=STSv1" : "v=TLSRPTv1";
    for (const value of record.values) {
      if (isUnknown(value) || !startsWithTag(value, tag)) continue;
      const key = `${record.kind} ${record.name}`;
      byName.set(key, [...(byName.get(key) ?? []), { record, value }]);
    }
  }
  for (const entries of byName.values()) {
    const owners = new Set(entries.map((e) => e.record.resource));
    if (owners.size < 2) continue; // several values in one Route 53 set: checkTxtRecord reports it
    const routed = entries.filter((e) => e.record.dns === "route53" && typeof e.record.resource.props.setIdentifier === "string");
    if (routed.length === entries.length) continue;
    const { name, kind } = entries[0].record;
    const tag = kind === "sts" ? "v=STSv1" : "v=TLSRPTv1";
    const list = entries.map((e) => `${describe(e.record.resource)} = ${JSON.stringify(e.value)}`).join("; ");
    for (const owner of owners) {
      result.violations.push({
        urn: owner.urn,
        message: `${name}: ${owners.size} TXT records in this stack start with "${tag}" (${list}); senders then ignore them all (${kind === "sts" ? "RFC 8461 §3.1" : "RFC 8460 §3"}). Keep exactly one: delete the hand-written record or import it into the component that manages this domain.`,
      });
    }
  }
  return result;
}

/** The discovery filter of RFC 8461 §3.1 / RFC 8460 §3: the tag, then `;`, blanks or the end. */
function startsWithTag(value: string, tag: string): boolean {
  return value.startsWith(tag) && /^(?:[ \t;]|$)/.test(value.slice(tag.length));
}
