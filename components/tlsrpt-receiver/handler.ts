/**
 * What the TLS-RPT receiver Worker answers. Two routes; everything else is `404`:
 *
 * - `POST /v1/report` (RFC 8460 §5.4), from any sender, without authentication (senders have
 *   none). The body is `application/tlsrpt+gzip` or `application/tlsrpt+json`. The report is
 *   read by the same parser `mta-sts reports` uses, and stored once under its key
 *   (`tlsRptStoreKey`): `201` when stored, `200` when that report was stored before (RFC 8460
 *   §5.4 asks for a 2xx either way, so the sender stops retrying). Refused, with nothing stored:
 *   `415` another content type; `413` over 1 MiB as sent or once decompressed; `400` not a
 *   report; `403` a report for a policy domain not pointed at this receiver, so strangers cannot
 *   fill the bucket. A new report with failed sessions is posted to the alert webhook after the
 *   answer; a failing webhook never loses the report, which is already stored.
 * - `GET /v1/reports[?since=YYYY-MM-DD][&limit=N][&cursor=C]` with `Authorization: Bearer
 *   <token>`: the stored reports from that UTC day on, as NDJSON (one report per line, each
 *   line ended by `\n`), at most `limit` per page in key order; when more follow, a
 *   `Link: <...&cursor=...>; rel="next"` header (RFC 8288) gives the next page. A wrong or
 *   missing token is `401`.
 *
 * Answers are JSON (`{ "stored": ... }` or `{ "error": "..." }`) and never cached. Errors never
 * echo the token, the webhook URL or the list of domains.
 */
import {
  ALERT_WEBHOOK_FORMATS,
  AlertFormat,
  DEFAULT_ALERT_WEBHOOK_FORMAT,
  DEFAULT_EXPORT_PAGE_SIZE,
  foreignDomains,
  isUtcDay,
  MAX_EXPORT_PAGE_SIZE,
  MAX_POSTED_REPORT_BYTES,
  oneLineJson,
  TLSRPT_EXPORT_PATH,
  TLSRPT_MEDIA_TYPES,
  TLSRPT_REPORT_PATH,
  tlsRptFailureAlert,
  tlsRptMediaType,
  tlsRptStoreKey,
} from "../model/tlsrpt-receiver";
import { normaliseDomain, parseTlsRptReportJson, TlsRptReport } from "../model/tlsrpt-report";
import { alertPayload } from "./alert-payload";
import { RECEIVER_BINDINGS } from "./bindings";
import { reportBytes } from "./read-body";

/** The part of an R2 bucket binding the receiver uses. */
export interface ReceiverBucket {
  put(key: string, value: string, options: { onlyIf: { etagDoesNotMatch: string }; httpMetadata: { contentType: string }; customMetadata: Record<string, string> }): Promise<unknown>;
  get(key: string): Promise<{ text(): Promise<string> } | null>;
  list(options: { startAfter?: string; cursor?: string; limit: number }): Promise<{ objects: { key: string }[]; truncated: boolean; cursor?: string }>;
}

/** The Worker's bindings (names in bindings.ts). */
export interface ReceiverEnv {
  readonly REPORTS: ReceiverBucket;
  /** The accepted policy domains: a JSON binding (a list), or its text. */
  readonly ALLOWED_DOMAINS?: unknown;
  readonly EXPORT_TOKEN?: string;
  readonly ALERT_WEBHOOK_URL?: string;
  readonly ALERT_WEBHOOK_FORMAT?: string;
  readonly EXPORT_PAGE_SIZE?: string | number;
}

/** What outlives the answer: the alert is sent in `waitUntil`. */
export interface ReceiverContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** How long the webhook may take before the alert is given up. */
export const ALERT_TIMEOUT_MS = 10_000;
/** Reads of a page of the export running at once (Workers allow six connections per request). */
const EXPORT_PREFETCH = 4;
/** R2 cursors are short; a longer one is not one. */
const MAX_CURSOR_LENGTH = 1024;

const JSON_HEADERS = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };

function answer(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(`${JSON.stringify(body)}\n`, { status, headers: { ...JSON_HEADERS, ...headers } });
}

const refuse = (status: number, message: string, headers: Record<string, string> = {}) => answer(status, { error: message }, headers);

export async function handleRequest(request: Request, env: ReceiverEnv, ctx: ReceiverContext, send: typeof fetch = fetch): Promise<Response> {
  const url = new URL(request.url);
  try {
    if (url.pathname === TLSRPT_REPORT_PATH && request.method === "POST") return await receiveReport(request, url, env, ctx, send);
    if (url.pathname === TLSRPT_EXPORT_PATH && request.method === "GET") return await exportReports(request, url, env);
  } catch (err) {
    // A fault of the receiver or of R2, never of the sender's report: 500, so the sender retries.
    console.error(`tlsrpt receiver: ${request.method} ${url.pathname} failed: ${err instanceof Error ? err.message : String(err)}`);
    return refuse(500, "the receiver could not handle the request; retry later");
  }
  await request.body?.cancel().catch(() => undefined);
  return refuse(404, "not found");
}

/** The accepted domains, as lowercase A-labels; undefined when the binding is not a list of domains. */
function allowedDomains(env: ReceiverEnv): string[] | undefined {
  let value = env.ALLOWED_DOMAINS;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(value)) return undefined;
  const domains: string[] = [];
  for (const item of value) {
    const domain = typeof item === "string" ? normaliseDomain(item) : undefined;
    if (!domain) return undefined;
    domains.push(domain);
  }
  return domains;
}

async function receiveReport(request: Request, url: URL, env: ReceiverEnv, ctx: ReceiverContext, send: typeof fetch): Promise<Response> {
  if (!tlsRptMediaType(request.headers.get("Content-Type"))) {
    await request.body?.cancel().catch(() => undefined);
    return refuse(415, `a report is posted as ${TLSRPT_MEDIA_TYPES.gzip} or ${TLSRPT_MEDIA_TYPES.json} (RFC 8460 §5.4)`);
  }
  const body = await reportBytes(request.body, request.headers.get("Content-Length"), MAX_POSTED_REPORT_BYTES);
  if (!body.ok) return refuse(body.status, body.message);
  const text = new TextDecoder("utf-8").decode(body.bytes);
  const parsed = parseTlsRptReportJson(text);
  if (!parsed.ok) return refuse(parsed.error.kind === "too-large" ? 413 : 400, `not a TLS report: ${parsed.error.message}`);
  const report = parsed.value;

  const allowed = allowedDomains(env);
  if (!allowed) {
    console.error(`tlsrpt receiver: the ${RECEIVER_BINDINGS.allowedDomains} binding is not a list of domains`);
    return refuse(500, "the receiver is misconfigured; retry later");
  }
  const foreign = foreignDomains(report, allowed);
  if (foreign.length > 0) return refuse(403, `this receiver takes no reports for ${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""}`);

  const key = tlsRptStoreKey(report);
  if (!key.ok) return refuse(400, `${key.field}: ${key.message}`);
  // Conditional put: written only when no object has this key, so a copy (the same report sent
  // again, or through a second rua address) never replaces what was stored first.
  const stored = await env.REPORTS.put(key.key, oneLineJson(text), {
    onlyIf: { etagDoesNotMatch: "*" },
    httpMetadata: { contentType: TLSRPT_MEDIA_TYPES.json },
    customMetadata: { receivedAt: new Date().toISOString() },
  });
  if (stored === null) return answer(200, { stored: false, duplicate: true });

  const alert = tlsRptFailureAlert(report);
  const webhook = env.ALERT_WEBHOOK_URL;
  if (alert && typeof webhook === "string" && webhook !== "") ctx.waitUntil(sendAlert(webhook, alertFormat(env), alert, url.hostname, send, report));
  return answer(201, { stored: true });
}

function alertFormat(env: ReceiverEnv): AlertFormat {
  const format = env.ALERT_WEBHOOK_FORMAT;
  return (ALERT_WEBHOOK_FORMATS as readonly string[]).includes(format ?? "") ? (format as AlertFormat) : DEFAULT_ALERT_WEBHOOK_FORMAT;
}

/** Post the alert; a failure is logged (without the URL, a credential) and the report stays stored. */
async function sendAlert(webhook: string, format: AlertFormat, alert: NonNullable<ReturnType<typeof tlsRptFailureAlert>>, receiver: string, send: typeof fetch, report: TlsRptReport): Promise<void> {
  try {
    const res = await send(webhook, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(alertPayload(alert, format, receiver)),
      redirect: "manual",
      signal: AbortSignal.timeout(ALERT_TIMEOUT_MS),
    });
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) console.error(`tlsrpt receiver: the alert webhook answered ${res.status} for a report of ${report.day}; the report is stored`);
  } catch (err) {
    console.error(`tlsrpt receiver: the alert webhook could not be reached (${err instanceof Error ? err.name : "error"}); the report is stored`);
  }
}

/** Constant-time comparison of the presented token with the secret, through their SHA-256 digests. */
async function tokenMatches(presented: string, secret: string): Promise<boolean> {
  const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const [a, b] = await Promise.all([digest(presented), digest(secret)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i] ^ b[i];
  return difference === 0;
}

function pageSize(env: ReceiverEnv, url: URL): number | undefined {
  const given = url.searchParams.get("limit") ?? (env.EXPORT_PAGE_SIZE === undefined ? undefined : String(env.EXPORT_PAGE_SIZE));
  if (given === undefined || given === "") return DEFAULT_EXPORT_PAGE_SIZE;
  if (!/^\d{1,4}$/.test(given) || Number(given) < 1 || Number(given) > MAX_EXPORT_PAGE_SIZE) return undefined;
  return Number(given);
}

async function exportReports(request: Request, url: URL, env: ReceiverEnv): Promise<Response> {
  const secret = env.EXPORT_TOKEN;
  const auth = request.headers.get("Authorization") ?? "";
  const presented = /^Bearer +(\S+)$/i.exec(auth.trim())?.[1];
  // RFC 6750 §3: the challenge names the scheme.
  if (typeof secret !== "string" || secret === "" || presented === undefined || !(await tokenMatches(presented, secret))) {
    return refuse(401, "a valid export token is required: Authorization: Bearer <token>", { "WWW-Authenticate": 'Bearer realm="tlsrpt"' });
  }
  const since = url.searchParams.get("since");
  if (since !== null && !isUtcDay(since)) return refuse(400, "since must be a UTC day written YYYY-MM-DD, e.g. since=2026-03-01");
  const limit = pageSize(env, url);
  if (limit === undefined) return refuse(400, `limit must be a whole number from 1 to ${MAX_EXPORT_PAGE_SIZE}`);
  const cursor = url.searchParams.get("cursor");
  if (cursor !== null && (cursor === "" || cursor.length > MAX_CURSOR_LENGTH)) return refuse(400, "cursor must be the one a Link header gave");

  // Keys start with the day, and "2026-03-01" sorts before every "2026-03-01/...": the reports
  // since a day are the keys after it.
  const page = await env.REPORTS.list({ ...(since ? { startAfter: since } : {}), ...(cursor ? { cursor } : {}), limit });
  const headers: Record<string, string> = { "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff" };
  if (page.truncated && page.cursor) {
    const next = new URLSearchParams({ ...(since ? { since } : {}), limit: String(limit), cursor: page.cursor });
    headers.Link = `<${TLSRPT_EXPORT_PATH}?${next.toString()}>; rel="next"`;
  }
  const keys = page.objects.map((o) => o.key);
  return new Response(reportLines(env.REPORTS, keys), { status: 200, headers });
}

/** The stored reports of `keys` as lines, read a few at a time ahead of the reader. */
function reportLines(bucket: ReceiverBucket, keys: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pending: Promise<string | undefined>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < EXPORT_PREFETCH && next < keys.length) {
      const key = keys[next++];
      // An object deleted between the list and the read is left out.
      const read = bucket.get(key).then((o) => (o ? o.text() : undefined));
      // A failed read fails the stream when its turn comes; until then it is not unhandled.
      read.catch(() => undefined);
      pending.push(read);
    }
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        fill();
        const head = pending.shift();
        if (!head) {
          controller.close();
          return;
        }
        const text = await head;
        if (text === undefined) continue;
        controller.enqueue(encoder.encode(`${oneLineJson(text)}\n`));
        return;
      }
    },
  });
}
