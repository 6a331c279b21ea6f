/**
 * Reports from the kit's own TLS-RPT receiver (`CloudflareTlsRptReceiver`): `https://<hostname>`.
 * `GET /v1/reports[?since=YYYY-MM-DD]` with `Authorization: Bearer <token>` answers NDJSON, one
 * stored report per line, and a `Link: <...>; rel="next"` header (RFC 8288) while more pages
 * follow. Each line is read by the same parser as a report file.
 *
 * Untrusted like any server: HTTPS only (the token must not cross the network in clear); no
 * redirect is followed, and a next-page link to another origin is refused (either would hand the
 * token to someone else); each line is bounded (a report is at most 1 MiB), each page to the
 * reports a page holds, the pages to `MAX_PAGES`, and every wait for the server by `timeoutMs`.
 * A page that ends in the middle of a line was cut off: that cannot run (exit 2), since the
 * reports after it are missing.
 */
import { IncomingMessage } from "node:http";
import { request } from "node:https";
import { MAX_EXPORT_PAGE_SIZE, TLSRPT_EXPORT_PATH } from "../../model/tlsrpt-receiver";
import { parseTlsRptReport, MAX_REPORT_BYTES } from "../parse-report";
import { ReportSourceError, SourceEvent } from "./events";

export interface ReceiverOptions {
  /** The export token (from --token-file; never from the URL). */
  readonly token: string;
  /** Only reports from this UTC day on (`YYYY-MM-DD`). Defaults to all. */
  readonly since?: string;
  /** Extra CA certificates (PEM) to trust, e.g. a lab CA. Defaults to the system's. */
  readonly ca?: Buffer | string;
  /** Time limit of connecting and of each wait for the server, in ms. Defaults to 30000. */
  readonly timeoutMs?: number;
}

/** Pages read at most: 100,000 pages of 100 reports is ten million reports. */
export const MAX_PAGES = 100_000;
/** A line may hold one report of at most 1 MiB, plus room for the JSON around it. */
const MAX_LINE_BYTES = MAX_REPORT_BYTES + 64 * 1024;

export interface ReceiverTarget {
  /** `https://host[:port]` */
  readonly origin: string;
  /** The first page's URL. */
  readonly exportUrl: URL;
  /** What reports' sources are named by: `https://host[:port]/v1/reports`. */
  readonly display: string;
}

/** Parse `https://tlsrpt.example.com` (or its `/v1/reports` URL); a token in the URL is refused. */
export function parseReceiverUrl(text: string): ReceiverTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ReportSourceError(`${text} is not a URL; write https://tlsrpt.example.com`);
  }
  if (url.protocol !== "https:") throw new ReportSourceError(`${text}: a receiver is read over https:// only (the export token must not cross the network in clear)`);
  if (url.username || url.password) throw new ReportSourceError("the receiver URL holds a user or password: never put the token on the command line; use --token-file");
  if (url.search || url.hash) throw new ReportSourceError(`${url.origin}${url.pathname}: give the receiver's address without a query or fragment (e.g. https://tlsrpt.example.com); use --since for the days`);
  if (!["", "/", TLSRPT_EXPORT_PATH, `${TLSRPT_EXPORT_PATH}/`].includes(url.pathname)) {
    throw new ReportSourceError(`${url.origin}${url.pathname}: give the receiver's address, https://${url.host}, or its export ${url.origin}${TLSRPT_EXPORT_PATH}`);
  }
  return { origin: url.origin, exportUrl: new URL(TLSRPT_EXPORT_PATH, url.origin), display: `${url.origin}${TLSRPT_EXPORT_PATH}` };
}

/** The `rel="next"` target of a Link header (RFC 8288 §3), resolved against `base`. */
export function nextPageUrl(link: string | string[] | undefined, base: URL): URL | undefined {
  const values = Array.isArray(link) ? link : link === undefined ? [] : [link];
  for (const value of values) {
    for (const part of value.split(/,(?=\s*<)/)) {
      const m = /^\s*<([^>]*)>\s*((?:;[^;]*)*)$/.exec(part);
      if (!m) continue;
      const rels = [...m[2].matchAll(/;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;]+))/gi)].flatMap((r) => (r[1] ?? r[2]).toLowerCase().split(/\s+/));
      if (rels.includes("next")) return new URL(m[1], base);
    }
  }
  return undefined;
}

/** Every report the receiver holds (since `options.since`). Throws `ReportSourceError` when it cannot be read. */
export async function* readReceiverReports(urlText: string, options: ReceiverOptions): AsyncGenerator<SourceEvent> {
  const target = parseReceiverUrl(urlText);
  let page: URL | undefined = new URL(target.exportUrl);
  if (options.since) page.searchParams.set("since", options.since);
  let line = 0;
  for (let pages = 0; page; pages++) {
    if (pages >= MAX_PAGES) throw new ReportSourceError(`${target.display}: more than ${MAX_PAGES} pages; use --since to read fewer days`);
    const response = await get(page, target, options);
    const next = nextPageUrl(response.headers.link, page);
    if (next && next.origin !== target.origin) throw new ReportSourceError(`${target.display}: the next page is on another host (${next.origin}); refused, the token is for ${target.origin} only`);
    let lines = 0;
    for await (const item of ndjsonLines(response, target, options.timeoutMs ?? 30000)) {
      line++;
      if (++lines > MAX_EXPORT_PAGE_SIZE) throw new ReportSourceError(`${target.display}: a page held more than ${MAX_EXPORT_PAGE_SIZE} lines, more than the receiver sends; is this the receiver?`);
      const source = `${target.display}#${line}`;
      if (item === undefined) {
        yield { kind: "skipped", source, reason: `the line is larger than ${MAX_LINE_BYTES} bytes; not read`, looksLikeReport: true };
        continue;
      }
      const parsed = parseTlsRptReport(item);
      if (parsed.ok) yield { kind: "report", source, report: parsed.value, authenticated: false };
      else yield { kind: "skipped", source, reason: parsed.error.message, looksLikeReport: true };
    }
    page = next;
  }
}

/** One GET of a page: a 200 NDJSON response, or a `ReportSourceError` that says what to do. */
function get(url: URL, target: ReceiverTarget, options: ReceiverOptions): Promise<IncomingMessage> {
  const timeout = options.timeoutMs ?? 30000;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        headers: { Authorization: `Bearer ${options.token}`, Accept: "application/x-ndjson" },
        timeout,
        ...(options.ca ? { ca: options.ca } : {}),
        // Node sends SNI for a host name and none for an address (RFC 6066 §3).
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status === 200) {
          resolve(res);
          return;
        }
        res.resume();
        if (status === 401) reject(new ReportSourceError(`${target.display}: the receiver refused the token (401); --token-file must hold the receiver's exportToken (pulumi stack output tlsRptReceiver --show-secrets)`));
        else if (status >= 300 && status < 400) reject(new ReportSourceError(`${target.display}: the receiver answered ${status} (a redirect); not followed, the token is for this address only`));
        else reject(new ReportSourceError(`${target.display}: the receiver answered ${status}${status === 404 ? " (is this a TLS-RPT receiver of this kit?)" : ""}`));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeout} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => reject(new ReportSourceError(`${target.display}: cannot read the receiver (${err.code ?? err.message})`)));
    req.end();
  });
}

/**
 * The lines of an NDJSON body as text; undefined for a line over MAX_LINE_BYTES (skipped, the
 * rest read). A body that stops before its last line ends, or whose connection breaks, throws.
 */
async function* ndjsonLines(res: IncomingMessage, target: ReceiverTarget, timeoutMs: number): AsyncGenerator<string | undefined> {
  res.setTimeout(timeoutMs, () => res.destroy(new Error(`the receiver sent nothing for ${timeoutMs} ms`)));
  let parts: Buffer[] = [];
  let size = 0;
  let oversized = false;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        start = nl + 1;
        if (oversized || size + piece.length > MAX_LINE_BYTES) yield undefined;
        else {
          const text = Buffer.concat([...parts, piece], size + piece.length).toString("utf8");
          if (text.trim() !== "") yield text;
        }
        parts = [];
        size = 0;
        oversized = false;
      }
      const rest = chunk.subarray(start);
      if (rest.length === 0) continue;
      if (oversized || size + rest.length > MAX_LINE_BYTES) {
        oversized = true;
        parts = [];
        size = 0;
      } else {
        parts.push(Buffer.from(rest));
        size += rest.length;
      }
    }
  } catch (err) {
    throw new ReportSourceError(`${target.display}: the export broke off (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run again`);
  }
  if (!res.complete) throw new ReportSourceError(`${target.display}: the export broke off before the page ended; run again`);
  if (size > 0 || oversized) throw new ReportSourceError(`${target.display}: the export ended in the middle of a line (it was cut off); run again`);
}
