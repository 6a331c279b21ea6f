/**
 * What a file is, from its first bytes (never from its name: Maildir files have none worth
 * reading, and senders name attachments `.gz`, `.json.gz` or nothing).
 */
import { isGzip } from "../../model/tlsrpt-report";

export type ContentKind = "gzip" | "json" | "zip" | "mbox" | "mail" | "other";

/** RFC 5322 §2.2: a header field starts a mail; its name is printable ASCII without ":". */
const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;

const LATIN1 = new TextDecoder("latin1");

export function detectContent(head: Uint8Array): ContentKind {
  if (isGzip(head)) return "gzip";
  // APPNOTE.TXT 4.3.7: a zip's local file header signature is PK\x03\x04 (PK\x05\x06 when empty).
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 3 || head[2] === 5)) return "zip";
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  const start = i;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
  if (head[i] === 0x7b) return "json"; // "{"
  const text = LATIN1.decode(head.subarray(start, start + 256));
  // RFC 4155: an mbox message starts with a "From " line.
  if (text.startsWith("From ")) return "mbox";
  if (HEADER_LINE.test(text)) return "mail";
  return "other";
}
