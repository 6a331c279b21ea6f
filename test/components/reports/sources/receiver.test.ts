/**
 * The `https://` report source of `mta-sts reports` against servers that misbehave (a local
 * HTTPS server on 127.0.0.1 with a test CA): the token goes to the receiver's own address only
 * (no redirect followed, no next page on another host), every line and page is bounded, and an
 * export that was cut off cannot pass for a complete one. The real receiver is in
 * tlsrpt-receiver-worker.test.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nextPageUrl, parseReceiverUrl, readReceiverReports, ReceiverOptions } from "../../../../components/reports/sources/receiver";
import { SourceEvent } from "../../../../components/reports/sources/events";
import { createTestCa, startHttpsServer, TestCa, TestHttpsServer } from "../../../support/https-server";
import { reportJson } from "../../../support/reports";

let dir: string;
let ca: TestCa;
let server: TestHttpsServer;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
const seen: { url: string; authorization?: string }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-receiver-source-"));
  ca = createTestCa(dir);
  server = await startHttpsServer({
    "127.0.0.1": {
      certificate: ca.issue("receiver", ["127.0.0.1"]),
      handler: (req, res) => {
        seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
        handler(req, res);
      },
    },
  });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  seen.length = 0;
});

const base = () => `https://127.0.0.1:${server.port}`;
const options = (extra: Partial<ReceiverOptions> = {}): ReceiverOptions => ({ token: "secret-token", ca: ca.caPem, timeoutMs: 3000, ...extra });

async function readAll(extra: Partial<ReceiverOptions> = {}): Promise<SourceEvent[]> {
  const events: SourceEvent[] = [];
  for await (const e of readReceiverReports(base(), options(extra))) events.push(e);
  return events;
}

const ndjson = (res: ServerResponse, lines: string[], headers: Record<string, string> = {}) => {
  res.writeHead(200, { "Content-Type": "application/x-ndjson", ...headers });
  res.end(lines.map((l) => `${l}\n`).join(""));
};

describe("the receiver's address", () => {
  test.each([
    ["https://tlsrpt.example.com", "https://tlsrpt.example.com/v1/reports"],
    ["https://tlsrpt.example.com/", "https://tlsrpt.example.com/v1/reports"],
    ["https://tlsrpt.example.com:8443/v1/reports", "https://tlsrpt.example.com:8443/v1/reports"],
  ])("%s is read at %s", (text, url) => {
    expect(parseReceiverUrl(text).exportUrl.href).toBe(url);
  });

  test.each([
    ["http://tlsrpt.example.com", /https:\/\/ only/],
    ["https://user:token@tlsrpt.example.com", /never put the token on the command line/],
    ["https://tlsrpt.example.com/?since=2026-01-01", /--since/],
    ["https://tlsrpt.example.com/v1/report", /give the receiver's address/],
  ])("%s is refused", (text, message) => {
    expect(() => parseReceiverUrl(text)).toThrow(message);
  });
});

describe("Link: rel=next (RFC 8288)", () => {
  const page = new URL("https://tlsrpt.example.com/v1/reports?limit=3");
  test.each([
    ['</v1/reports?cursor=abc>; rel="next"', "https://tlsrpt.example.com/v1/reports?cursor=abc"],
    ['<https://x.example/a>; rel="prev", </v1/reports?cursor=b>; rel=next', "https://tlsrpt.example.com/v1/reports?cursor=b"],
    ['</v1/reports?cursor=c>; title="x"; rel="prefetch next"', "https://tlsrpt.example.com/v1/reports?cursor=c"],
  ])("%s", (link, next) => {
    expect(nextPageUrl(link, page)?.href).toBe(next);
  });
  test("no next link, no next page", () => {
    expect(nextPageUrl('</v1/reports?cursor=c>; rel="prev"', page)).toBeUndefined();
    expect(nextPageUrl(undefined, page)).toBeUndefined();
  });
});

describe("reading the export", () => {
  test("sends the token as a Bearer header, since as a query, and follows the pages", async () => {
    handler = (req, res) => {
      const cursor = new URL(req.url ?? "", base()).searchParams.get("cursor");
      if (!cursor) ndjson(res, [reportJson({ day: "2026-03-01" })], { Link: '</v1/reports?since=2026-03-01&cursor=p2>; rel="next"' });
      else ndjson(res, [reportJson({ day: "2026-03-02" })]);
    };
    const events = await readAll({ since: "2026-03-01" });
    expect(events.map((e) => (e.kind === "report" ? e.report.day : e.reason))).toEqual(["2026-03-01", "2026-03-02"]);
    expect(events.map((e) => e.source)).toEqual([`${base()}/v1/reports#1`, `${base()}/v1/reports#2`]);
    expect(seen).toEqual([
      { url: "/v1/reports?since=2026-03-01", authorization: "Bearer secret-token" },
      { url: "/v1/reports?since=2026-03-01&cursor=p2", authorization: "Bearer secret-token" },
    ]);
  });

  test("a next page on another host is refused before the token is sent there", async () => {
    handler = (_req, res) => ndjson(res, [reportJson({ day: "2026-03-01" })], { Link: '<https://attacker.example/v1/reports?cursor=x>; rel="next"' });
    await expect(readAll()).rejects.toThrow(/next page is on another host \(https:\/\/attacker\.example\)/);
  });

  test("a redirect is not followed", async () => {
    handler = (_req, res) => {
      res.writeHead(302, { Location: "https://attacker.example/" });
      res.end();
    };
    await expect(readAll()).rejects.toThrow(/answered 302 \(a redirect\); not followed/);
    expect(seen).toHaveLength(1);
  });

  test("401 says what the token file must hold; 404 asks whether this is a receiver", async () => {
    handler = (_req, res) => {
      res.writeHead(401);
      res.end();
    };
    await expect(readAll()).rejects.toThrow(/refused the token \(401\); --token-file must hold the receiver's exportToken/);
    handler = (_req, res) => {
      res.writeHead(404);
      res.end();
    };
    await expect(readAll()).rejects.toThrow(/answered 404 \(is this a TLS-RPT receiver of this kit\?\)/);
  });

  test("a line that is not a report is skipped (and counts as unreadable); the rest is read", async () => {
    handler = (_req, res) => ndjson(res, ['{"hello": "world"}', reportJson({ day: "2026-03-01" })]);
    const events = await readAll();
    expect(events.map((e) => e.kind)).toEqual(["skipped", "report"]);
    expect(events[0]).toMatchObject({ looksLikeReport: true, reason: expect.stringContaining("organization-name") });
  });

  test("a line over the bound of a report is skipped unread; the lines after it are read", async () => {
    handler = (_req, res) => ndjson(res, [`{"x": "${"y".repeat(2 * 1024 * 1024)}"}`, reportJson({ day: "2026-03-01" })]);
    const events = await readAll();
    expect(events.map((e) => e.kind)).toEqual(["skipped", "report"]);
    expect(events[0]).toMatchObject({ reason: expect.stringContaining("larger than") });
  });

  test("an export that stops in the middle of a line was cut off: it cannot run", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-ndjson" });
      res.end(`${reportJson({ day: "2026-03-01" })}\n{"organization-name": "Goo`);
    };
    await expect(readAll()).rejects.toThrow(/ended in the middle of a line/);
  });

  test("a page of more lines than a page holds is refused", async () => {
    handler = (_req, res) => ndjson(res, Array.from({ length: 1000 }, () => "{}"));
    await expect(readAll()).rejects.toThrow(/more than 999 lines/);
  });

  test("a server that stops answering is given up after the time limit", async () => {
    handler = (_req, res) => {
      res.writeHead(200, { "Content-Type": "application/x-ndjson" });
      res.write(`${reportJson({ day: "2026-03-01" })}\n`);
      // ... and nothing more.
    };
    const started = Date.now();
    await expect(readAll({ timeoutMs: 500 })).rejects.toThrow(/broke off|sent nothing/);
    expect(Date.now() - started).toBeLessThan(2500);
  });
});
