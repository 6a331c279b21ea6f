/**
 * Host names and MX patterns, as MTA-STS uses them.
 *
 * A policy names the MX hosts a sender may deliver to (RFC 8461 §3.2, `mx: ["*."] Domain`, where
 * Domain is the RFC 5321 LDH form). People write those names in whatever form they have at hand
 * (upper case, a trailing dot from a zone file, a Unicode IDN), so this module turns every
 * spelling of the same host into one canonical A-label form, and explains precisely why a string
 * is not a host name at all. Pure: no I/O, no Pulumi.
 */
import { isIP } from "node:net";
import { domainToASCII } from "node:url";

/** Why a string was refused, phrased so that it can follow a field path in an error message. */
export interface HostnameProblem {
  readonly message: string;
}

export type HostnameResult = { ok: true; value: string } | { ok: false; error: HostnameProblem };

const LDH_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** True when `s` looks like an IPv4/IPv6 address, bracketed or not (RFC 8461 §3.2 allows only names). */
export function looksLikeIpAddress(s: string): boolean {
  const bare = s.trim().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
  return isIP(bare) !== 0 || /^ipv6:/i.test(bare) || /^[0-9.]+$/.test(bare);
}

/**
 * Canonical A-label form of a host name: lowercase, IDN converted (UTS #46 via WHATWG URL),
 * trailing root dot removed. At least two labels: a bare TLD or single label can not carry a
 * mail domain's policy host. For our own config and the domains we are asked about.
 */
export function normaliseHostname(input: string): HostnameResult {
  return readHostname(input, 2);
}

/**
 * A name as a sender reads it in a live policy or an MX answer: RFC 5321 §4.1.2 `Domain`, which
 * may be a single label. The same canonical form as `normaliseHostname`.
 */
export function normaliseDomainName(input: string): HostnameResult {
  return readHostname(input, 1);
}

function readHostname(input: string, minLabels: 1 | 2): HostnameResult {
  if (typeof input !== "string" || input.trim() === "") {
    return fail("is empty; write a host name such as \"mx1.example.com\"");
  }
  const raw = input.trim();
  if (looksLikeIpAddress(raw)) {
    return fail(`"${raw}" is an IP address; MTA-STS names hosts, never addresses (RFC 8461 §3.2); write the host name instead`);
  }
  if (/\s/.test(raw)) return fail(`"${raw}" contains white space; a host name is labels separated by dots`);
  if (raw.includes("*")) return fail(`"${raw}" contains "*", which is not allowed here`);
  // Checked before IDNA: domainToASCII percent-decodes ("%41" becomes "a") and cuts at "/" or
  // ":" as a URL host parser does, which would turn a non-host-name into a different name.
  const stray = /[^A-Za-z0-9._\-\u0080-\u{10FFFF}]/u.exec(raw);
  if (stray) return fail(`"${raw}" contains "${stray[0]}"; a host name is letters, digits and hyphens in labels separated by dots (RFC 5321 §4.1.2)`);
  const withoutRoot = raw.endsWith(".") ? raw.slice(0, -1) : raw;
  const ascii = domainToASCII(withoutRoot);
  if (ascii === "") return fail(`"${raw}" is not a valid host name (IDNA conversion failed)`);
  const labels = ascii.split(".");
  if (labels.length < minLabels) return fail(`"${raw}" has a single label; write the fully qualified name such as "${raw}.example.com"`);
  if (ascii.length > 253) return fail(`"${raw}" is longer than 253 octets (RFC 1035 §2.3.4)`);
  for (const label of labels) {
    if (label === "") return fail(`"${raw}" has an empty label (two dots in a row)`);
    if (label.length > 63) return fail(`"${raw}" has a label longer than 63 octets (RFC 1035 §2.3.4)`);
    if (!LDH_LABEL.test(label)) {
      return fail(`"${raw}" has the label "${label}": labels are letters, digits and inner hyphens only (RFC 5321 §4.1.2)`);
    }
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return fail(`"${raw}" ends in an all-numeric label; that is not a host name`);
  return { ok: true, value: ascii };
}

/**
 * An mx value as a sender reads it from a live policy (RFC 8461 §3.2:
 * `sts-policy-mx-value = ["*."] Domain`), in canonical form: a name of one or more labels, or
 * `*.` and a name. The wildcard must be the whole left-most label; a bare `*` is no pattern.
 * `*.com` and a single label `mx` are grammatical and match what RFC 8461 §4.1 says they match;
 * whether we would write them ourselves is `normaliseMxPattern`'s question.
 */
export function readMxPattern(input: string): HostnameResult {
  if (typeof input !== "string" || input.trim() === "") {
    return fail("is empty; write an MX host such as \"mx1.example.com\" or a pattern such as \"*.mail.example.com\"");
  }
  const raw = input.trim();
  if (raw === "*" || raw === "*.") {
    return fail(`"${raw}" would match every host; a wildcard must be the left-most label of a domain, as in "*.mail.example.com" (RFC 8461 §4.1)`);
  }
  if (raw.startsWith("*.")) {
    if (raw.slice(2).includes("*")) return misplacedWildcard(raw);
    const rest = normaliseDomainName(raw.slice(2));
    return rest.ok ? { ok: true, value: `*.${rest.value}` } : { ok: false, error: { message: `"${raw}": after "*." ${rest.error.message}` } };
  }
  if (raw.includes("*")) return misplacedWildcard(raw);
  return normaliseDomainName(raw);
}

/**
 * An mx pattern for a policy we publish (our own config): what `readMxPattern` reads, but never a
 * single label and never a wildcard directly over a top-level domain. Both are valid RFC 8461
 * grammar, and both are mistakes in a config: no MX host has a single-label name in public DNS,
 * and `*.com` would admit every host under `.com`, not the domain's own MX hosts.
 */
export function normaliseMxPattern(input: string): HostnameResult {
  const read = readMxPattern(input);
  if (!read.ok) return read;
  const raw = input.trim();
  const wildcard = read.value.startsWith("*.");
  if (!read.value.slice(wildcard ? 2 : 0).includes(".")) {
    return wildcard
      ? fail(`"${raw}" puts the wildcard directly over a top-level domain; write the MX hosts' own domain, as in "*.mail.example.com" (RFC 8461 §4.1)`)
      : fail(`"${raw}" has a single label; write the fully qualified name such as "${raw}.example.com"`);
  }
  return read;
}

function misplacedWildcard(raw: string): HostnameResult {
  return fail(`"${raw}" has "*" somewhere other than a whole left-most label; write "*.example.com" to match exactly one extra label (RFC 8461 §4.1)`);
}

function fail(message: string): HostnameResult {
  return { ok: false, error: { message } };
}
