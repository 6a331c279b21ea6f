/**
 * The MTA-STS policy file (RFC 8461 §3.2), served at
 * `https://mta-sts.<domain>/.well-known/mta-sts.txt`. It is a list of `key: value` lines:
 *
 * ```
 * version: STSv1
 * mode: enforce
 * mx: mail.example.com
 * mx: *.example.net
 * max_age: 1296000
 * ```
 *
 * `renderPolicy` writes one canonical form (fixed field order, CRLF after every line, MX patterns
 * normalised and sorted) so that equal intent gives equal bytes, and therefore an equal id.
 * `analysePolicy` reads any policy as a sender would and reports every problem; `parsePolicy` is
 * its strict yes/no form: on an error a sender treats the domain as having no policy.
 */
import { Finding, ParseResult, toParseResult } from "./findings";
import { normaliseMxPattern, readMxPattern } from "./hostname";
import { maxAgeAdvice } from "./max-age-advice";
import { trimTrailingDots, trimWsp } from "./text";

/**
 * RFC 8461 §3.2: the three modes. `enforce`: deliver only to matching MX hosts over valid TLS;
 * `testing`: deliver anyway and report failures; `none`: forget any earlier policy.
 * (An `as const` object so Pulumi's component schema can describe it as an enum.)
 */
export const PolicyMode = { Enforce: "enforce", Testing: "testing", None: "none" } as const;
export type PolicyMode = (typeof PolicyMode)[keyof typeof PolicyMode];
export const POLICY_MODES = [PolicyMode.Enforce, PolicyMode.Testing, PolicyMode.None] as const;

/** RFC 8461 §3.2: `max_age` is at most 31557600 seconds (about one year). */
export const MAX_AGE_LIMIT = 31557600;
/** One week: what we publish when the config does not say. */
export const DEFAULT_MAX_AGE = 604800;
/**
 * RFC 8461 §3.2 suggests a max_age of weeks: in `enforce`, anything shorter (14 days, 1209600 s)
 * is advised against, since an attacker who blocks the policy fetch waits for it to expire.
 */
export const ENFORCE_ADVISED_MAX_AGE = 1209600;
/** RFC 8461 §3.3: senders SHOULD refuse policy bodies larger than 64 KiB. */
export const MAX_POLICY_BYTES = 64 * 1024;

/** What the domain owner wants senders to do. */
export interface PolicyIntent {
  readonly mode: PolicyMode;
  readonly mx: readonly string[];
  readonly maxAgeSeconds: number;
}

/** A policy as read from the wire. */
export interface Policy {
  readonly version: "STSv1";
  readonly mode: PolicyMode;
  /** MX patterns in the order they appear (RFC 8461 §3.2: `mx` may repeat). */
  readonly mx: readonly string[];
  readonly maxAge: number;
  /** Fields this version does not define; RFC 8461 §3.2 says to ignore them. */
  readonly extensions: Readonly<Record<string, string>>;
}

/**
 * Canonical MX list: lowercase A-labels, no trailing dot, duplicates removed, sorted by code
 * unit so that the order the config was written in never changes the bytes. Throws on a value
 * that is not a valid pattern (validate config with `validateMailDomain` to get field paths).
 */
export function canonicalMxPatterns(mx: readonly string[]): string[] {
  const normalised = mx.map((pattern, index) => {
    const result = normaliseMxPattern(pattern);
    if (!result.ok) throw new TypeError(`mx[${index}]: ${result.error.message}`);
    return result.value;
  });
  return [...new Set(normalised)].sort();
}

/** The canonical policy bytes for an intent (RFC 8461 §3.2), CRLF after every line. */
export function renderPolicy(intent: PolicyIntent): string {
  if (!(POLICY_MODES as readonly string[]).includes(intent.mode)) {
    throw new TypeError(`mode: "${intent.mode}" is not one of enforce, testing, none (RFC 8461 §3.2)`);
  }
  if (!Number.isInteger(intent.maxAgeSeconds) || intent.maxAgeSeconds < 0 || intent.maxAgeSeconds > MAX_AGE_LIMIT) {
    throw new TypeError(`maxAgeSeconds: ${intent.maxAgeSeconds} must be a whole number from 0 to ${MAX_AGE_LIMIT} (RFC 8461 §3.2)`);
  }
  const mx = canonicalMxPatterns(intent.mx);
  if (mx.length === 0 && intent.mode !== "none") {
    throw new TypeError(`mx: mode "${intent.mode}" needs at least one mx pattern (RFC 8461 §3.2)`);
  }
  const lines = ["version: STSv1", `mode: ${intent.mode}`, ...mx.map((m) => `mx: ${m}`), `max_age: ${intent.maxAgeSeconds}`];
  return lines.map((line) => `${line}\r\n`).join("");
}

// RFC 8461 §3.2 ABNF: sts-policy-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
const FIELD_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
// sts-policy-ext-value = sts-policy-vchar *(*WSP sts-policy-vchar); vchar is %x21-7E or UTF-8.
const FIELD_VALUE = /^[^\x00-\x20\x7f]([^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x20\x7f])?$/u;

/** Read a policy as a sender would and report every problem found, with its line. */
export function analysePolicy(text: string): { value?: Policy; findings: Finding[] } {
  const findings: Finding[] = [];
  const error = (kind: string, message: string, line?: number): void => void findings.push({ severity: "error", kind, message, line });
  const warn = (kind: string, message: string, line?: number): void => void findings.push({ severity: "warning", kind, message, line });

  if (typeof text !== "string") {
    error("syntax", "the policy is not text");
    return { findings };
  }
  if (Buffer.byteLength(text, "utf8") > MAX_POLICY_BYTES) {
    error("too-large", `the policy is larger than ${MAX_POLICY_BYTES} bytes; senders refuse it (RFC 8461 §3.3)`);
  }
  // RFC 8461 §3.2: sts-policy-term = LF / CRLF, and the last terminator is optional.
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  while (lines.length > 1 && lines[lines.length - 1] === "") {
    warn("trailing-blank-line", "blank line at the end of the policy; the grammar allows one final line end only", lines.length);
    lines.pop();
  }

  const first = new Map<string, { value: string; line: number }>();
  const mx: { value: string; line: number }[] = [];
  const extensions: Record<string, string> = {};

  lines.forEach((line, index): void => {
    const lineNo = index + 1;
    if (line.includes("\r")) return error("syntax", "a bare CR inside a line; lines end with LF or CRLF (RFC 8461 §3.2)", lineNo);
    if (line.trim() === "") return error("syntax", "blank line; every line must be a `key: value` field (RFC 8461 §3.2)", lineNo);
    const colon = line.indexOf(":");
    if (colon < 0) return error("syntax", `"${line}" is not a \`key: value\` field (RFC 8461 §3.2)`, lineNo);
    const key = line.slice(0, colon);
    // sts-policy-field-delim = ":" *WSP, and each field may be followed by *WSP.
    const value = trimWsp(line.slice(colon + 1));
    if (!FIELD_NAME.test(key)) {
      return error("syntax", `"${key}" is not a field name: letters, digits, "_", "-", "." with no space before ":" (RFC 8461 §3.2)`, lineNo);
    }
    if (!FIELD_VALUE.test(value)) return error("syntax", `field "${key}" has an empty or unprintable value (RFC 8461 §3.2)`, lineNo);
    if (key === "mx") {
      mx.push({ value, line: lineNo });
      return;
    }
    if (first.has(key)) {
      // RFC 8461 §3.2: only mx may repeat; for any other field the first occurrence counts.
      return warn("duplicate-field", `"${key}" appears again; senders use the first one (line ${first.get(key)!.line})`, lineNo);
    }
    first.set(key, { value, line: lineNo });
    if (!["version", "mode", "max_age"].includes(key)) {
      // RFC 8461 §3.2: fields this version does not define are ignored. Keys are case-sensitive,
      // so "Mode" is such a field and does not set the mode.
      extensions[key] = value;
      const known = ["version", "mode", "max_age", "mx"].find((k) => k.toLowerCase() === key.toLowerCase());
      warn("unknown-field", known ? `"${key}" is not "${known}": field names are case-sensitive, senders ignore it` : `"${key}" is not an STSv1 field; senders ignore it`, lineNo);
    }
  });

  const version = first.get("version");
  if (!version) error("missing-field", "no `version: STSv1` line (RFC 8461 §3.2)");
  else if (version.value !== "STSv1") error("invalid-value", `version is "${version.value}"; the only version is "STSv1" (case-sensitive, RFC 8461 §3.2)`, version.line);

  const mode = first.get("mode");
  if (!mode) error("missing-field", "no `mode:` line; write enforce, testing or none (RFC 8461 §3.2)");
  else if (!(POLICY_MODES as readonly string[]).includes(mode.value)) {
    error("invalid-value", `mode is "${mode.value}"; it must be exactly enforce, testing or none (case-sensitive, RFC 8461 §3.2)`, mode.line);
  }

  const maxAge = first.get("max_age");
  let maxAgeValue: number | undefined;
  if (!maxAge) error("missing-field", "no `max_age:` line; write the policy lifetime in seconds (RFC 8461 §3.2)");
  else if (!/^[0-9]{1,10}$/.test(maxAge.value)) {
    error("invalid-value", `max_age is "${maxAge.value}"; it must be 1 to 10 digits of seconds (RFC 8461 §3.2)`, maxAge.line);
  } else if (Number(maxAge.value) > MAX_AGE_LIMIT) {
    error("invalid-value", `max_age is ${maxAge.value}; the maximum is ${MAX_AGE_LIMIT} seconds (RFC 8461 §3.2)`, maxAge.line);
  } else {
    maxAgeValue = Number(maxAge.value);
    // A missing or invalid mode (already an error) is advised on as any mode but enforce is.
    const advice = maxAgeAdvice(mode?.value === "enforce" ? "enforce" : "testing", maxAgeValue);
    if (advice) warn("short-max-age", `max_age ${advice.message}`, maxAge.line);
  }

  for (const entry of mx) {
    if (/[^\x00-\x7f]/.test(entry.value)) {
      const ascii = readMxPattern(entry.value);
      const hint = ascii.ok ? `; write its A-label "${ascii.value}"` : "";
      error("invalid-value", `mx "${entry.value}" is not ASCII: policies carry A-labels (RFC 8461 §3.2, Domain from RFC 5321)${hint}`, entry.line);
      continue;
    }
    // RFC 8461 §3.2: sts-policy-mx-value = ["*."] Domain, and RFC 5321 §4.1.2 Domain has no
    // root dot, so a zone-file spelling "mx.example.com." is not a valid mx value.
    if (entry.value.endsWith(".")) {
      error("invalid-value", `mx "${entry.value}" ends with a dot; policies name hosts without the root dot, write "${trimTrailingDots(entry.value)}" (RFC 8461 §3.2, Domain from RFC 5321 §4.1.2)`, entry.line);
      continue;
    }
    // Read as a sender reads it (RFC 8461 §3.2 grammar). A pattern that grammar allows but our
    // own config refuses (a single label, "*." over a top-level domain) is only a warning here.
    const result = readMxPattern(entry.value);
    if (!result.ok) error("invalid-value", `mx ${result.error.message}`, entry.line);
    else {
      const ours = normaliseMxPattern(entry.value);
      if (!ours.ok) warn("broad-mx-pattern", `mx ${ours.error.message}; senders accept it and match it as written (RFC 8461 §4.1)`, entry.line);
    }
  }
  if (mode && mode.value !== "none" && mx.length === 0) {
    error("missing-field", `mode ${mode.value} needs at least one \`mx:\` line (RFC 8461 §3.2)`);
  }

  if (findings.some((f) => f.severity === "error")) return { findings };
  const value: Policy = {
    version: "STSv1",
    mode: mode!.value as PolicyMode,
    mx: mx.map((m) => m.value),
    maxAge: maxAgeValue!,
    extensions,
  };
  return { value, findings };
}

/** Strict parse (RFC 8461 §3.2). Never throws; on failure, the first error a sender stops at. */
export function parsePolicy(text: string): ParseResult<Policy> {
  const { value, findings } = analysePolicy(text);
  return toParseResult(value, findings);
}
