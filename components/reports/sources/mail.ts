/**
 * A report mail (RFC 8460 §5.3): `multipart/report; report-type=tlsrpt` (quoted or not) with the
 * report as `application/tlsrpt+gzip`, `application/tlsrpt+json` or `application/tlsrpt`, or an
 * attachment whose file name says `.json`, `.json.gz`, `.gz` or `.zip` (senders that label it
 * `application/octet-stream`). The body text (plain or HTML only, as Microsoft sends it) is not
 * read. MIME is parsed by postal-mime; the DKIM signature is checked by `dkim.ts`.
 */
import PostalMime from "postal-mime";
import { parseTlsRptReport } from "../parse-report";
import { detectContent } from "./detect";
import { verifyReportMail, DkimOptions } from "./dkim";
import { InputSkipped, NO_REPORT, ReportFound, SOURCE_LIMITS, SourceEvent } from "./events";
import { readZipBuffer } from "./zip";

const REPORT_TYPES = new Set(["application/tlsrpt+gzip", "application/tlsrpt+json", "application/tlsrpt"]);
const REPORT_NAME = /\.(json|json\.gz|gz|zip)$/i;

export interface MailOptions {
  readonly dkim?: DkimOptions;
  /** Skip DKIM verification entirely (every report is unauthenticated). Defaults to false. */
  readonly skipDkim?: boolean;
}

/** Every report in one raw mail, or one skipped entry saying why there is none. */
export async function readMail(raw: Uint8Array, source: string, options: MailOptions = {}): Promise<SourceEvent[]> {
  if (raw.byteLength > SOURCE_LIMITS.maxMessageBytes) {
    return [{ kind: "skipped", source, reason: `the mail is larger than ${SOURCE_LIMITS.maxMessageBytes} bytes`, looksLikeReport: false }];
  }
  let email;
  try {
    email = await PostalMime.parse(raw, { attachmentEncoding: "arraybuffer" });
  } catch (err) {
    return [{ kind: "skipped", source, reason: `not a readable MIME message (${(err as Error).message})`, looksLikeReport: false }];
  }
  const candidates = (email.attachments ?? [])
    .filter((a) => REPORT_TYPES.has((a.mimeType ?? "").toLowerCase().split(";")[0].trim()) || REPORT_NAME.test(a.filename ?? ""))
    .slice(0, SOURCE_LIMITS.maxAttachments);
  if (candidates.length === 0) return [{ kind: "skipped", source, reason: NO_REPORT, looksLikeReport: false }];

  const submitter = email.headers.find((h) => h.key === "tls-report-submitter")?.value.trim();
  const dkim = options.skipDkim ? { authenticated: false } : await verifyReportMail(raw, submitter, options.dkim);
  const events: SourceEvent[] = [];
  for (const attachment of candidates) {
    const name = attachment.filename ?? attachment.mimeType;
    const where = `${source} ${name}`;
    const bytes = new Uint8Array(attachment.content as ArrayBuffer);
    const declared = REPORT_TYPES.has((attachment.mimeType ?? "").toLowerCase());
    const kind = detectContent(bytes);
    if (kind === "zip") {
      for await (const e of readZipBuffer(bytes, where)) events.push(withDkim(e, dkim));
      continue;
    }
    if (kind !== "gzip" && kind !== "json") {
      if (declared) events.push({ kind: "skipped", source: where, reason: `labelled ${attachment.mimeType} but is neither JSON nor gzip`, looksLikeReport: true });
      continue;
    }
    const parsed = parseTlsRptReport(bytes);
    if (parsed.ok) events.push({ kind: "report", source: where, report: parsed.value, authenticated: dkim.authenticated, ...(dkim.signer ? { signer: dkim.signer } : {}) });
    else events.push({ kind: "skipped", source: where, reason: parsed.error.message, looksLikeReport: true });
  }
  if (events.length === 0) return [{ kind: "skipped", source, reason: NO_REPORT, looksLikeReport: false }];
  return events;
}

function withDkim(e: SourceEvent, dkim: { authenticated: boolean; signer?: string }): SourceEvent {
  if (e.kind !== "report") return e as InputSkipped;
  const found: ReportFound = { ...e, authenticated: dkim.authenticated, ...(dkim.signer ? { signer: dkim.signer } : {}) };
  return found;
}
