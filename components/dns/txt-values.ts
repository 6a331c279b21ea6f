/**
 * How each DNS API wants a TXT value written. A TXT record is a list of character-strings of at
 * most 255 octets (RFC 1035 §3.3.14); a TLS-RPT record with several report URIs easily exceeds
 * that, so long values are split and every writer has its own way to say "several strings".
 * Pure string functions: no Pulumi, so they are tested directly.
 */
import { splitTxtValue } from "../model/records";

/**
 * Route 53 (`aws.route53.Record.records`): the provider wraps each entry in quotes, so one
 * record of several character-strings is written as `a""b` (the provider makes it `"a""b"`).
 */
export function route53TxtValue(value: string): string {
  return splitTxtValue(value).join('""');
}

/**
 * A TXT value in zone-file presentation form (RFC 1035 §5.1): one double-quoted
 * character-string per 255 octets (RFC 1035 §3.3.14), `"` and `\` escaped, separated by a space:
 * `"a" "b"`. What `mta-sts render` prints, and what Cloudflare's API takes.
 */
export function presentationTxt(value: string): string {
  return splitTxtValue(value)
    .map((chunk) => `"${chunk.replace(/(["\\])/g, "\\$1")}"`)
    .join(" ");
}

/**
 * Cloudflare (`cloudflare.DnsRecord.content`): the API expects the TXT content in its
 * presentation form, quoted: `"a" "b"`.
 */
export function cloudflareTxtContent(value: string): string {
  return presentationTxt(value);
}
