/**
 * The two DNS TXT records.
 *
 * `_mta-sts.<domain>` announces that a policy exists and names its version (RFC 8461 §3.1):
 * `v=STSv1; id=20160831085700Z`. Senders compare the id with the one they cached and refetch the
 * policy when it changed; the record says nothing else.
 *
 * `_smtp._tls.<domain>` asks senders for daily TLS reports (RFC 8460 §3):
 * `v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://reports.example.com/v1`.
 *
 * Several TXT records may exist at one name. Discovery (RFC 8461 §3.1, RFC 8460 §3) discards those
 * that do not start with the version tag; exactly one must remain, otherwise the sender acts as if
 * there were none. A TXT record is one or more character-strings of at most 255 octets each
 * (RFC 1035 §3.3.14), which readers concatenate (RFC 7208 §3.3 describes the convention).
 */
import { Finding, ParseResult, toParseResult } from "./findings";
import { normaliseHostname } from "./hostname";
import { trimWsp } from "./text";

/** A parsed `_mta-sts` record. */
export interface StsRecord {
  /** 1 to 32 letters and digits (RFC 8461 §3.1), e.g. `20160831085700Z`. */
  readonly id: string;
  /** Fields other than `v` and `id`; RFC 8461 §3.1 says to ignore them. */
  readonly extensions: Readonly<Record<string, string>>;
}

/** A parsed `_smtp._tls` record. */
export interface TlsRptRecord {
  /**
   * Report destinations in record order: `mailto:` or `https:` URIs, with the encodings that
   * `encodeRuaUri` applies (`%2C`, `%3B`, `%21`, `%20`) undone; any other percent-encoding is
   * part of the URI and kept as written.
   */
  readonly rua: readonly string[];
  readonly extensions: Readonly<Record<string, string>>;
}

const STS_ID = /^[A-Za-z0-9]{1,32}$/;
// RFC 8461 §3.1 / RFC 8460 §3: ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
const EXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
// ext-value = 1*(%x21-3A / %x3C / %x3E-7E): printable ASCII except "=", ";" and space.
const EXT_VALUE = /^[\x21-\x3a\x3c\x3e-\x7e]+$/;

/** `v=STSv1; id=<id>` (RFC 8461 §3.1). */
export function renderStsRecord(id: string): string {
  if (!STS_ID.test(id)) throw new TypeError(`id: "${id}" must be 1 to 32 letters and digits (RFC 8461 §3.1)`);
  return `v=STSv1; id=${id}`;
}

/**
 * Percent-encode the characters that would end or split a `rua` URI inside the record:
 * RFC 8460 §3 requires "," and "!" to be encoded in a URI, and ";" ends the field.
 */
export function encodeRuaUri(uri: string): string {
  return uri.replace(/[,;! ]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"));
}

/** `v=TLSRPTv1; rua=<uri>,<uri>` (RFC 8460 §3), with each URI encoded by `encodeRuaUri`. */
export function renderTlsRptRecord(input: { rua: readonly string[] }): string {
  if (!Array.isArray(input.rua) || input.rua.length === 0) {
    throw new TypeError("rua: at least one mailto: or https: URI is required (RFC 8460 §3)");
  }
  return `v=TLSRPTv1; rua=${input.rua.map(encodeRuaUri).join(",")}`;
}

/**
 * Split a TXT value into character-strings of at most 255 octets (RFC 1035 §3.3.14), for DNS
 * writers that need them separately. Readers join them without separators.
 */
export function splitTxtValue(value: string, maxOctets = 255): string[] {
  const chunks: string[] = [];
  let current = "";
  for (const char of value) {
    if (Buffer.byteLength(current + char, "utf8") > maxOctets) {
      chunks.push(current);
      current = "";
    }
    current += char;
  }
  chunks.push(current);
  return chunks;
}

type Fields = { fields: { key: string; value: string }[]; findings: Finding[] };

/** Split `v=...; k=v; k=v` into fields, per the shared ABNF of RFC 8461 §3.1 and RFC 8460 §3. */
function splitTagFields(txt: string, versionTag: string, rfc: string): Fields {
  const findings: Finding[] = [];
  const error = (kind: string, message: string) => findings.push({ severity: "error", kind, message });
  if (typeof txt !== "string") {
    error("syntax", "the record is not text");
    return { fields: [], findings };
  }
  // The record must start with the version field, exactly (case-sensitive).
  if (!txt.startsWith(versionTag)) {
    error("syntax", `the record must start with "${versionTag}" (case-sensitive, ${rfc})`);
    return { fields: [], findings };
  }
  // sep = *WSP ";" *WSP, and a trailing separator is allowed.
  const parts = txt.split(";").map(trimWsp);
  if (parts[0] !== versionTag) error("syntax", `"${parts[0]}" is not "${versionTag}" (${rfc})`);
  if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
  const fields: { key: string; value: string }[] = [];
  for (const part of parts.slice(1)) {
    const eq = part.indexOf("=");
    if (eq <= 0) {
      error("syntax", `"${part}" is not a \`key=value\` field (${rfc})`);
      continue;
    }
    fields.push({ key: part.slice(0, eq), value: part.slice(eq + 1) });
  }
  return { fields, findings };
}

/** Read an `_mta-sts` TXT value as a sender would (RFC 8461 §3.1) and report every problem. */
export function analyseStsRecord(txt: string): { value?: StsRecord; findings: Finding[] } {
  const rfc = "RFC 8461 §3.1";
  const { fields, findings } = splitTagFields(txt, "v=STSv1", rfc);
  const error = (kind: string, message: string) => findings.push({ severity: "error", kind, message });
  let id: string | undefined;
  const extensions: Record<string, string> = {};
  for (const { key, value } of fields) {
    if (key === "id") {
      if (id !== undefined) {
        // RFC 8461 §3.1 defines id once; like the policy fields, the first occurrence counts.
        findings.push({ severity: "warning", kind: "duplicate-field", message: `"id" appears again; senders use the first one (${rfc})` });
        continue;
      }
      if (!STS_ID.test(value)) error("invalid-value", `id "${value}" must be 1 to 32 letters and digits (${rfc})`);
      id = value;
    } else if (!EXT_NAME.test(key) || !EXT_VALUE.test(value)) {
      error("syntax", `"${key}=${value}" is not a valid extension field (${rfc})`);
    } else if (!(key in extensions)) {
      extensions[key] = value;
    }
  }
  if (id === undefined && !findings.some((f) => f.severity === "error")) {
    error("missing-field", `no "id=" field; write "v=STSv1; id=<1-32 letters and digits>" (${rfc})`);
  }
  if (findings.some((f) => f.severity === "error")) return { findings };
  return { value: { id: id!, extensions }, findings };
}

/** Strict parse of an `_mta-sts` TXT value (RFC 8461 §3.1). Never throws. */
export function parseStsRecord(txt: string): ParseResult<StsRecord> {
  const { value, findings } = analyseStsRecord(txt);
  return toParseResult(value, findings);
}

/** Read a `_smtp._tls` TXT value as a sender would (RFC 8460 §3) and report every problem. */
export function analyseTlsRptRecord(txt: string): { value?: TlsRptRecord; findings: Finding[] } {
  const rfc = "RFC 8460 §3";
  const { fields, findings } = splitTagFields(txt, "v=TLSRPTv1", rfc);
  const error = (kind: string, message: string) => findings.push({ severity: "error", kind, message });
  let rua: string[] | undefined;
  const extensions: Record<string, string> = {};
  for (const { key, value } of fields) {
    if (key === "rua") {
      if (rua !== undefined) {
        findings.push({ severity: "warning", kind: "duplicate-field", message: `"rua" appears again; senders use the first one (${rfc})` });
        continue;
      }
      // tlsrpt-rua = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
      rua = value.split(",").map((u) => u.trim());
      for (const uri of rua) {
        const problem = recordRuaProblem(uri);
        if (problem) error("invalid-value", `rua "${uri}" ${problem} (${rfc})`);
      }
    } else if (!EXT_NAME.test(key) || !EXT_VALUE.test(value)) {
      error("syntax", `"${key}=${value}" is not a valid extension field (${rfc})`);
    } else if (!(key in extensions)) {
      extensions[key] = value;
    }
  }
  if (rua === undefined && !findings.some((f) => f.severity === "error")) {
    error("missing-field", `no "rua=" field; write "v=TLSRPTv1; rua=mailto:tlsrpt@example.com" (${rfc})`);
  }
  if (findings.some((f) => f.severity === "error")) return { findings };
  return { value: { rua: rua!.map(decodeRuaUri), extensions }, findings };
}

/** Strict parse of a `_smtp._tls` TXT value (RFC 8460 §3). Never throws. */
export function parseTlsRptRecord(txt: string): ParseResult<TlsRptRecord> {
  const { value, findings } = analyseTlsRptRecord(txt);
  return toParseResult(value, findings);
}

/**
 * Why a rua URI as the record writes it is unusable: first what only the record's form has (the
 * characters `encodeRuaUri` encodes must arrive encoded), then the URI itself, with those
 * encodings undone, by the rule the config uses too (`ruaUriProblem`).
 */
function recordRuaProblem(uri: string): string | undefined {
  if (uri === "") return "is empty";
  if (/[\s;!]/.test(uri)) return "contains a space, \";\" or \"!\" that must be percent-encoded";
  return ruaUriProblem(decodeRuaUri(uri));
}

/**
 * Why a TLS-RPT report URI is unusable, or undefined when senders can report to it (RFC 8460 §3:
 * `mailto:` with an address, or an `https:` URL). The one rule for a URI, whether a config gives
 * it or a record carries it (`parseTlsRptRecord` returns the URI with the record's encodings
 * undone): the phrase follows the URI in a message, `"<uri>" <problem>`.
 */
export function ruaUriProblem(uri: string): string | undefined {
  if (uri === "") return "is empty";
  // RFC 8460 §3: tlsrpt-uri is an RFC 3986 URI: ASCII only, "%" only as "%" HEXDIG HEXDIG.
  if (/[^\x20-\x7e]/.test(uri)) return 'contains non-ASCII or control characters; a URI carries A-labels (e.g. "xn--bcher-kva.example") and percent-encoding (RFC 3986 §2)';
  if (/%(?![0-9A-Fa-f]{2})/.test(uri)) return 'has a "%" that is not followed by two hex digits (RFC 3986 §2.1)';
  const scheme = uri.slice(0, uri.indexOf(":") + 1).toLowerCase();
  if (scheme === "mailto:") {
    // RFC 6068: mailto:<addr-spec>[?hfields]. One address whose domain is a host name; a "," in
    // it would be a second recipient.
    const address = uri.slice("mailto:".length).split("?")[0];
    const at = address.lastIndexOf("@");
    const valid = at > 0 && !/[\s@<>,;]/.test(address.slice(0, at)) && normaliseHostname(address.slice(at + 1)).ok;
    return valid ? undefined : "is not mailto: with a valid address";
  }
  if (scheme === "https:") {
    // RFC 9110 §4.2.2: an https URI has an authority ("//host"); WHATWG URL would also accept
    // "https:reports.example.com" and "https:///reports.example.com".
    if (!/^https:\/\/[^/?#]/i.test(uri)) return 'is not a valid https: URL: it needs "https://" and a host';
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return "is not a valid https: URL";
    }
    return normaliseHostname(url.hostname).ok ? undefined : "has no valid host";
  }
  // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), named when it is one.
  return /^[a-z][a-z0-9+.-]*:$/i.test(scheme) ? `uses the scheme "${scheme}", which is neither mailto: nor https:` : "is neither mailto: nor https:";
}

/**
 * The inverse of `encodeRuaUri`: only its four encodings are decoded. Decoding everything would
 * change the URI (`?to=a%26b` would become `?to=a&b`, another query).
 */
function decodeRuaUri(uri: string): string {
  return uri.replace(/%(2C|3B|21|20)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The one record discovery selected, or why there is none (the sender then acts as if unset). */
export type Discovery<T> =
  | { ok: true; value: T; record: string }
  | { ok: false; error: { kind: "none" | "multiple" | "invalid"; message: string; records: string[] } };

/**
 * RFC 8461 §3.1 discovery over every TXT record found at `_mta-sts.<domain>`: each record is given
 * as its character-strings (joined without separators) or as one string; those not starting with
 * `v=STSv1` are discarded; exactly one must remain and it must parse.
 */
export function selectStsRecord(txtRecords: readonly (string | readonly string[])[]): Discovery<StsRecord> {
  return select(txtRecords, "v=STSv1", "_mta-sts", parseStsRecord, "RFC 8461 §3.1");
}

/** RFC 8460 §3 discovery over every TXT record found at `_smtp._tls.<domain>`. */
export function selectTlsRptRecord(txtRecords: readonly (string | readonly string[])[]): Discovery<TlsRptRecord> {
  return select(txtRecords, "v=TLSRPTv1", "_smtp._tls", parseTlsRptRecord, "RFC 8460 §3");
}

function select<T>(
  txtRecords: readonly (string | readonly string[])[],
  versionTag: string,
  label: string,
  parse: (txt: string) => ParseResult<T>,
  rfc: string,
): Discovery<T> {
  const joined = txtRecords.map((r) => (typeof r === "string" ? r : r.join("")));
  // RFC 8461 §3.1 / RFC 8460 §3: records that do not begin with "v=STSv1;" ("v=TLSRPTv1;") are
  // discarded. We also keep the tag followed by *WSP ";" (the sts-sep of the ABNF) or by nothing
  // (then reported as invalid), but never a longer tag such as "v=STSv10", which is another
  // version and must not make a valid record count as "multiple".
  const candidates = joined.filter((r) => r.startsWith(versionTag) && /^(?:[ \t;]|$)/.test(r.slice(versionTag.length)));
  if (candidates.length === 0) {
    return { ok: false, error: { kind: "none", message: `no TXT record at ${label} starts with "${versionTag}"`, records: joined } };
  }
  if (candidates.length > 1) {
    return {
      ok: false,
      error: { kind: "multiple", message: `${candidates.length} TXT records at ${label} start with "${versionTag}"; exactly one is allowed, so senders ignore them all (${rfc})`, records: candidates },
    };
  }
  const parsed = parse(candidates[0]);
  if (!parsed.ok) return { ok: false, error: { kind: "invalid", message: parsed.error.message, records: candidates } };
  return { ok: true, value: parsed.value, record: candidates[0] };
}
