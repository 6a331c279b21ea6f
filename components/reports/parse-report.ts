/**
 * `parseTlsRptReport(bytes | text)`: one TLS report (RFC 8460 §4) from the bytes a sender
 * delivered, gzip'd or not. RFC 8460 §5.3 has senders gzip the JSON (`application/tlsrpt+gzip`),
 * and what the bytes are is decided by their content (the gzip magic bytes), never by a file or
 * attachment name. The model (`components/model/tlsrpt-report.ts`) does the reading; this module
 * adds only the gunzip, which needs Node's zlib.
 *
 * A gzip bomb cannot get past: the decompressed report is bounded to `MAX_REPORT_BYTES` (1 MiB,
 * far above any real report: a day of a large sender's report is a few KiB) and decompression
 * stops there. Never throws.
 */
import { gunzipSync } from "node:zlib";
import { isGzip, parseTlsRptReportJson, TlsRptReportResult } from "../model/tlsrpt-report";

/** The most bytes one report may have after decompression: 1 MiB. */
export const MAX_REPORT_BYTES = 1024 * 1024;

/** Parse one report from its bytes (gzip or JSON) or its JSON text. Never throws. */
export function parseTlsRptReport(input: Uint8Array | string, options: { maxBytes?: number } = {}): TlsRptReportResult {
  const maxBytes = options.maxBytes ?? MAX_REPORT_BYTES;
  if (typeof input === "string") return parseTlsRptReportJson(input);
  if (!(input instanceof Uint8Array)) return { ok: false, error: { kind: "not-json", message: "the report is neither bytes nor text" } };
  let bytes: Uint8Array = input;
  if (isGzip(input)) {
    try {
      // zlib fills output chunks of chunkSize (16 KiB by default) and returns a view of them: a
      // report of a few hundred bytes would hold 16 KiB until collected. Size the chunks to the input.
      const chunkSize = Math.min(64 * 1024, Math.max(1024, input.length * 4));
      bytes = gunzipSync(input, { maxOutputLength: maxBytes, chunkSize });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
        return { ok: false, error: { kind: "too-large", message: `the report is larger than ${maxBytes} bytes once decompressed; refused (a real report is a few KiB)` } };
      }
      return { ok: false, error: { kind: "not-json", message: `the gzip data is damaged (${(err as Error).message})` } };
    }
  } else if (bytes.length > maxBytes) {
    return { ok: false, error: { kind: "too-large", message: `the report is larger than ${maxBytes} bytes; refused` } };
  }
  return parseTlsRptReportJson(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}
