/**
 * The TLS-RPT receiver Worker, run as the component uploads it (the bundle in dist/worker), in
 * the real Workers runtime (workerd through miniflare) with R2 buckets, over HTTPS on
 * 127.0.0.1. RFC 8460 §5.4: senders POST one report, gzip'd or not, and take a 2xx as
 * delivered. One workerd serves every receiver of this file (one start-up): the first answers on
 * the address itself and is the one `mta-sts reports https://127.0.0.1:<port>` reads (it pages
 * 4 reports at a time); the others are reached by their host name: `store` posts its alerts as
 * JSON, `slack` and `teams` in their shapes, `failing` to a webhook that answers 500 and
 * `unreachable` to one nobody listens on. The webhook is a local HTTP server that records each
 * call.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { runCli } from "../../support/cli";
import { createTestCa, TestCa } from "../../support/https-server";
import { httpsRequest, HttpsResult, RunningReceivers, startReceivers, startWebhookServer, WebhookServer } from "../../support/receiver";
import { dayRange, reportGz, reportJson } from "../../support/reports";
import { freePort } from "../../support/workers";

const FIXTURES = join(__dirname, "..", "..", "fixtures/reports");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const TOKEN = randomBytes(24).toString("hex");
const ALLOWED = ["example.com", "company-y.example", "test.xmox.nl", "karlsen.fr", "ready.example", "paged.example"];
const HOSTS = { store: "store.receiver.test", slack: "slack.receiver.test", teams: "teams.receiver.test", failing: "failing.receiver.test", unreachable: "unreachable.receiver.test" };

let dir: string;
let ca: TestCa;
let hook: WebhookServer;
let rx: RunningReceivers;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-receiver-"));
  ca = createTestCa(join(dir, "ca"));
  hook = await startWebhookServer();
  const closedPort = await freePort();
  const base = { allowedDomains: ALLOWED, exportToken: TOKEN };
  rx = await startReceivers(
    [
      // Small pages, so mta-sts reports follows the cursor over several of them.
      { name: "cli", ...base, exportPageSize: 4 },
      { name: HOSTS.store, ...base, alertWebhookUrl: `${hook.url}/json` },
      { name: HOSTS.slack, ...base, alertWebhookUrl: `${hook.url}/slack`, alertWebhookFormat: "slack" },
      { name: HOSTS.teams, ...base, alertWebhookUrl: `${hook.url}/teams`, alertWebhookFormat: "teams" },
      { name: HOSTS.failing, ...base, alertWebhookUrl: `${hook.url}/fail` },
      { name: HOSTS.unreachable, ...base, alertWebhookUrl: `http://127.0.0.1:${closedPort}/nobody` },
    ],
    ca.issue("receiver", ["127.0.0.1", ...Object.values(HOSTS)]),
  );
}, 120_000);

afterAll(async () => {
  await rx?.dispose();
  await hook?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const JSON_TYPE = "application/tlsrpt+json";
const GZIP_TYPE = "application/tlsrpt+gzip";

/** POST a report to a receiver (`store` unless named; `null` for the first, on the address). */
function post(body: Buffer | string, contentType: string | undefined, host: string | null = HOSTS.store, extra: { chunked?: boolean } = {}): Promise<HttpsResult> {
  return httpsRequest(`${rx.url}/v1/report`, { method: "POST", headers: contentType ? { "Content-Type": contentType } : {}, body, ca: ca.caPem, ...(host ? { host } : {}), ...extra });
}

/** GET a page of the export (`null`: no Authorization header). */
function exportPage(query = "", token: string | null = TOKEN, host: string | null = HOSTS.store): Promise<HttpsResult> {
  return httpsRequest(`${rx.url}/v1/reports${query}`, { headers: token === null ? {} : { Authorization: `Bearer ${token}` }, ca: ca.caPem, ...(host ? { host } : {}) });
}

/** Every line of every page, following the Link headers, and how many pages it took. */
async function exportAll(query: string, host: string | null = HOSTS.store): Promise<{ lines: string[]; pages: number }> {
  const lines: string[] = [];
  let next: string | undefined = `/v1/reports${query}`;
  let pages = 0;
  while (next && pages < 50) {
    const page = await httpsRequest(`${rx.url}${next}`, { headers: { Authorization: `Bearer ${TOKEN}` }, ca: ca.caPem, ...(host ? { host } : {}) });
    expect(page.status).toBe(200);
    pages++;
    expect(page.text().endsWith("\n") || page.text() === "").toBe(true);
    lines.push(...page.text().split("\n").filter((l) => l !== ""));
    next = /^<([^>]+)>; rel="next"$/.exec(String(page.headers.link ?? ""))?.[1];
  }
  return { lines, pages };
}

describe("POST /v1/report stores each report once (RFC 8460 §5.4)", () => {
  test("a gzip'd report (application/tlsrpt+gzip) is stored with 201 under day/domain/organization/report-id", async () => {
    const res = await post(gzipSync(fixture("rfc8460-example.json")), GZIP_TYPE);
    expect([res.status, res.json()]).toEqual([201, { stored: true }]);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(await rx.keys(HOSTS.store)).toContain("2016-04-01/company-y.example/Company-X/5065427c-23d3-47ca-b6e0-946ea0e8c4be.json");
  });

  test("a JSON report (application/tlsrpt+json, with a charset) is stored with 201; Microsoft's date-times without a zone are read as UTC", async () => {
    const res = await post(fixture("microsoft-no-timezone.json"), `${JSON_TYPE}; charset=utf-8`);
    expect(res.status).toBe(201);
    expect(await rx.keys(HOSTS.store)).toContain("2023-01-10/test.xmox.nl/Microsoft%20Corporation/133198585438131172%2Btest%2Exmox%2Enl.json");
  });

  test("the same report again, and again gzip'd, is a duplicate: 200, nothing new stored", async () => {
    const body = fixture("microsoft-tlsa-sts.json");
    expect((await post(body, JSON_TYPE)).status).toBe(201);
    const before = await rx.keys(HOSTS.store);
    const again = await post(body, JSON_TYPE);
    const gzipped = await post(gzipSync(body), GZIP_TYPE);
    expect([again.status, again.json()]).toEqual([200, { stored: false, duplicate: true }]);
    expect(gzipped.status).toBe(200);
    expect(await rx.keys(HOSTS.store)).toEqual(before);
  });

  test("a hostile organization-name cannot steer the key: it is one encoded key level", async () => {
    const hostile = JSON.parse(reportJson({ day: "2026-05-01", org: "../../2099-01-01/x/\u0000\n.%2F" }));
    expect((await post(JSON.stringify(hostile), JSON_TYPE)).status).toBe(201);
    const key = (await rx.keys(HOSTS.store)).find((k) => k.startsWith("2026-05-01/"))!;
    expect(key).toBe("2026-05-01/example.com/%2E%2E%2F%2E%2E%2F2099-01-01%2Fx%2F%00%0A%2E%252F/2026-05-01T00%3A00%3A00Z_example%2Ecom_%2E%2E%2F%2E%2E%2F2099-01-01%2Fx%2F%00%0A%2E%252F.json");
    expect(key.split("/")).toHaveLength(4);
  });
});

describe("what the receiver refuses, storing nothing", () => {
  let before: string[];
  beforeEach(async () => {
    before = await rx.keys(HOSTS.store);
  });
  afterEach(async () => {
    expect(await rx.keys(HOSTS.store)).toEqual(before);
  });

  test.each([
    ["text/plain", "text/plain"],
    ["application/json", "application/json"],
    ["no content type", undefined],
  ])("415 for a report sent as %s", async (_label, type) => {
    const res = await post(fixture("google-sts-failure.json"), type);
    expect(res.status).toBe(415);
    expect(res.json().error).toContain("application/tlsrpt+gzip or application/tlsrpt+json");
  });

  test("413 for a body over 1 MiB, with a Content-Length and sent chunked without one (the sender gets the answer, not a reset)", async () => {
    const big = Buffer.from(JSON.stringify({ "organization-name": "X", padding: "x".repeat(1024 * 1024) }));
    for (const chunked of [false, true]) {
      const res = await post(big, JSON_TYPE, HOSTS.store, { chunked });
      expect([chunked, res.status]).toEqual([chunked, 413]);
      expect(res.json().error).toContain("larger than 1048576 bytes as sent");
    }
  });

  test("413 for a decompression bomb: 16 KiB that inflate to 16 MiB stop at 1 MiB", async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"organization-name": "'), Buffer.alloc(16 * 1024 * 1024, 0x41), Buffer.from('"}')]));
    expect(bomb.length).toBeLessThan(32 * 1024);
    const res = await post(bomb, GZIP_TYPE);
    expect(res.status).toBe(413);
    expect(res.json().error).toContain("once decompressed");
  });

  test("400 for damaged gzip", async () => {
    const damaged = Buffer.from(gzipSync(fixture("rfc8460-example.json")));
    damaged.fill(0x55, 20, 60);
    const res = await post(damaged, GZIP_TYPE);
    expect(res.status).toBe(400);
    expect(res.json().error).toContain("gzip");
  });

  test.each([
    ["JSON that is not a report", '{"hello": "world"}', "organization-name"],
    ["text that is not JSON", "this is not a report", "not JSON"],
    ["a report whose blocks name no policy domain", fixture("google-unattributed.json").toString(), "policy-domain"],
  ])("400 for %s, with the parser's reason", async (_label, body, reason) => {
    const res = await post(body, JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.json().error).toContain(reason);
  });

  test("403 for a report about a domain not pointed at this receiver, alone or beside an allowed one", async () => {
    const foreign = await post(reportJson({ day: "2026-03-01", domain: "stranger.example" }), JSON_TYPE);
    expect(foreign.status).toBe(403);
    expect(foreign.json().error).toContain("stranger.example");
    const mixed = JSON.parse(reportJson({ day: "2026-03-01", domain: "example.com" }));
    mixed.policies.push({ ...mixed.policies[0], policy: { ...mixed.policies[0].policy, "policy-domain": "stranger.example" } });
    expect((await post(JSON.stringify(mixed), JSON_TYPE)).status).toBe(403);
  });

  test.each([
    ["GET", "/"],
    ["GET", "/v1/report"],
    ["POST", "/v1/reports"],
    ["PUT", "/v1/report"],
    ["POST", "/v1/report/"],
    ["POST", "/V1/REPORT"],
    ["GET", "/.well-known/mta-sts.txt"],
  ])("404 for %s %s", async (method, path) => {
    const res = await httpsRequest(`${rx.url}${path}`, { method, headers: { "Content-Type": JSON_TYPE }, body: method === "GET" ? undefined : reportJson({ day: "2026-03-02" }), ca: ca.caPem, host: HOSTS.store });
    expect(res.status).toBe(404);
  });
});

describe("GET /v1/reports: the export for mta-sts reports", () => {
  test("with the token: 200, NDJSON, one stored report per line, each a report the parser reads", async () => {
    const res = await exportPage("?since=2016-01-01");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/x-ndjson; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-store");
    const lines = res.text().split("\n");
    expect(lines.pop()).toBe("");
    const ids = lines.map((l) => JSON.parse(l)["report-id"]);
    expect(ids).toEqual(expect.arrayContaining(["5065427c-23d3-47ca-b6e0-946ea0e8c4be", "133198585438131172+test.xmox.nl"]));
  });

  test.each([
    ["a wrong token", `${TOKEN}x`],
    ["a token of another length", "short"],
    ["no token", null],
  ])("401 with %s, with a Bearer challenge and no report", async (_label, token) => {
    const res = await exportPage("", token);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="tlsrpt"');
    expect(res.text()).not.toContain("report-id");
  });

  test("401 for the token sent as Basic or as a query parameter", async () => {
    const basic = await httpsRequest(`${rx.url}/v1/reports`, { headers: { Authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString("base64")}` }, ca: ca.caPem, host: HOSTS.store });
    const query = await exportPage(`?token=${TOKEN}`, null);
    expect([basic.status, query.status]).toEqual([401, 401]);
  });

  test("since is a key range: only the reports from that UTC day on", async () => {
    const { lines } = await exportAll("?since=2023-01-10");
    const days = lines.map((l) => JSON.parse(l)["date-range"]["start-datetime"].slice(0, 10));
    expect(days.length).toBeGreaterThan(0);
    expect(days.every((d) => d >= "2023-01-10")).toBe(true);
    expect(days).not.toContain("2016-04-01");
  });

  test("400 for a since, limit or cursor that is not one", async () => {
    for (const query of ["?since=2026-13-01", "?since=March", "?limit=0", "?limit=1000", "?limit=x", "?cursor="]) {
      expect([query, (await exportPage(query)).status]).toEqual([query, 400]);
    }
  });

  test("pages with a cursor: every report once across pages of 3, in key order, the same as one page", async () => {
    for (const day of dayRange(10, "2025-01-01")) expect((await post(reportGz({ day, domain: "paged.example" }), GZIP_TYPE)).status).toBe(201);
    const paged = await exportAll("?since=2025-01-01&limit=3");
    const whole = await exportAll("?since=2025-01-01&limit=999");
    expect(paged.pages).toBeGreaterThan(3);
    expect(whole.pages).toBe(1);
    expect(paged.lines).toEqual(whole.lines);
    expect(new Set(paged.lines).size).toBe(paged.lines.length);
  });
});

describe("alerts: a new report with failures is posted to the webhook", () => {
  test("json: our summary with domain, reporter, result types, counts and receiving MX", async () => {
    expect((await post(fixture("google-sts-failure.json"), JSON_TYPE)).status).toBe(201);
    const [call] = await hook.waitFor("/json", (c) => c.body.reporter === "Google Inc.");
    expect(call.contentType).toBe("application/json");
    expect(call.body).toEqual({
      kind: "mta-sts-tlsrpt-failure",
      version: 1,
      receiver: HOSTS.store,
      reporter: "Google Inc.",
      reportId: "2020-01-01T00:00:00Z_example.com",
      day: "2020-01-01",
      domains: [{ domain: "example.com", failedSessions: 1, successfulSessions: 23, resultTypes: [{ resultType: "certificate-host-mismatch", sessions: 1 }], receivingMx: ["demo.example.com"], policyTypes: ["sts"] }],
    });
  });

  test("a report without failures, and a copy of a failure already alerted, ring nothing", async () => {
    expect((await post(reportJson({ day: "2026-06-01", domain: "example.com", org: "Quiet Reporter" }), JSON_TYPE)).status).toBe(201);
    expect((await post(fixture("google-sts-failure.json"), JSON_TYPE)).status).toBe(200);
    // A later failure proves the webhook is being called; the two before it sent nothing.
    expect((await post(fixture("mailru-fetch-errors.json"), JSON_TYPE)).status).toBe(201);
    const [mailru] = await hook.waitFor("/json", (c) => c.body.reporter === "Mail.ru");
    expect(mailru.body).toMatchObject({ domains: [{ domain: "example.com", resultTypes: [{ resultType: "sts-policy-fetch-error", sessions: 2 }] }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const json = hook.calls.filter((c) => c.path === "/json");
    expect(json.filter((c) => c.body.reporter === "Quiet Reporter")).toHaveLength(0);
    expect(json.filter((c) => c.body.reportId === "2020-01-01T00:00:00Z_example.com")).toHaveLength(1);
  });

  test("slack: { text }, with the sender's < > & escaped so it cannot mention @channel or make a link", async () => {
    const report = JSON.parse(fixture("google-sts-failure.json").toString());
    report["organization-name"] = "<!channel> & <https://evil.example|click>";
    expect((await post(JSON.stringify(report), JSON_TYPE, HOSTS.slack)).status).toBe(201);
    const [call] = await hook.waitFor("/slack", () => true);
    expect(Object.keys(call.body)).toEqual(["text"]);
    expect(call.body.text).toContain("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;");
    expect(call.body.text).not.toMatch(/<!channel>|<https:/);
    expect(call.body.text).toContain("example.com: 1 failed TLS session (23 successful)");
    expect(call.body.text).toContain("certificate-host-mismatch 1");
    expect(call.body.text).toContain("receiving MX: demo.example.com");
  });

  test("teams: a message with one Adaptive Card whose every text from the report is a TextRun (never Markdown)", async () => {
    const report = JSON.parse(fixture("google-sts-failure.json").toString());
    report["organization-name"] = "[click me](https://evil.example) **Google**";
    expect((await post(JSON.stringify(report), JSON_TYPE, HOSTS.teams)).status).toBe(201);
    const [call] = await hook.waitFor("/teams", () => true);
    expect(call.body).toMatchObject({ type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: { type: "AdaptiveCard", version: "1.4" } }] });
    const texts: { type: string; text: string }[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === "object") {
        if ("text" in node) texts.push(node as { type: string; text: string });
        Object.values(node).forEach(walk);
      }
    };
    walk(call.body.attachments[0].content.body);
    expect(texts.length).toBeGreaterThan(2);
    expect(texts.every((t) => t.type === "TextRun")).toBe(true);
    expect(texts.map((t) => t.text).join("\n")).toContain("[click me](https://evil.example) **Google** reports failed TLS sessions on 2020-01-01");
  });

  test("a webhook that answers 500 still gets the alert, and the report is stored (201)", async () => {
    const res = await post(fixture("google-sts-failure.json"), JSON_TYPE, HOSTS.failing);
    expect(res.status).toBe(201);
    await hook.waitFor("/fail", () => true);
    expect(await rx.keys(HOSTS.failing)).toEqual(["2020-01-01/example.com/Google%20Inc%2E/2020-01-01T00%3A00%3A00Z_example%2Ecom.json"]);
  });

  test("a webhook nobody listens on loses nothing: 201, stored, and readable from the export", async () => {
    expect((await post(gzipSync(fixture("google-sts-failure.json")), GZIP_TYPE, HOSTS.unreachable)).status).toBe(201);
    expect(await rx.keys(HOSTS.unreachable)).toHaveLength(1);
    const lines = (await exportPage("", TOKEN, HOSTS.unreachable)).text().trim().split("\n");
    expect(JSON.parse(lines[0])["report-id"]).toBe("2020-01-01T00:00:00Z_example.com");
  });
});

describe("mta-sts reports https://<receiver> --token-file", () => {
  const cliFiles = ["rfc8460-example.json", "google-sts-failure.json", "mailru-fetch-errors.json", "microsoft-no-timezone.json", "microsoft-tlsa-sts.json", "empty-failure-fields.json"];
  let files: string;
  let tokenFile: string;

  beforeAll(async () => {
    files = join(dir, "files");
    mkdirSync(files);
    tokenFile = join(dir, "token");
    writeFileSync(tokenFile, `${TOKEN}\n`);
    // The fixtures, and a domain ready for enforce (14 days, two reporters), some gzip'd; each
    // written as a file and posted to the receiver that answers on the address.
    const reports: [string, Buffer][] = cliFiles.map((f) => [f, fixture(f)]);
    for (const day of dayRange(14, "2026-03-01")) {
      reports.push([`g-${day}.json.gz`, reportGz({ day, domain: "ready.example", org: "Google Inc." })]);
      reports.push([`m-${day}.json`, Buffer.from(reportJson({ day, domain: "ready.example", org: "Microsoft Corporation" }))]);
    }
    for (const [name, bytes] of reports) {
      writeFileSync(join(files, name), bytes);
      const res = await post(bytes, name.endsWith(".gz") ? GZIP_TYPE : JSON_TYPE, null);
      expect([name, res.status]).toEqual([name, 201]);
    }
  });

  const fromReceiver = (...args: string[]) => runCli(["reports", `https://127.0.0.1:${rx.port}`, "--token-file", tokenFile, "--ca-file", ca.caPath, ...args]);

  test("gives the same verdicts, counts and failures as the same reports read from files, across 9 pages", async () => {
    // 34 reports, 4 per page.
    expect((await exportAll("", null)).pages).toBe(9);
    const viaFiles = await runCli(["reports", files, "--json"]);
    const viaReceiver = await fromReceiver("--json");
    expect(viaFiles.code).toBe(1); // the fixtures hold failures: not-ready domains
    expect(viaReceiver.code).toBe(viaFiles.code);
    const fromFiles = JSON.parse(viaFiles.out);
    expect(fromFiles.reports).toBe(34);
    expect(fromFiles.domains.find((d: { domain: string }) => d.domain === "ready.example").readiness.verdict).toBe("ready");
    expect(JSON.parse(viaReceiver.out)).toEqual(fromFiles);
  });

  test("the human output is the same line for line", async () => {
    const viaFiles = await runCli(["reports", files]);
    const viaReceiver = await fromReceiver();
    expect(viaReceiver.out).toBe(viaFiles.out);
    expect(viaReceiver.err).toBe("");
  });

  test("--since is asked of the receiver and gives the same answer as for files", async () => {
    const viaFiles = JSON.parse((await runCli(["reports", files, "--since", "2026-03-08", "--json"])).out);
    const viaReceiver = JSON.parse((await fromReceiver("--since", "2026-03-08", "--json")).out);
    expect(viaReceiver.domains).toEqual(viaFiles.domains);
    // The files before the day are read and set aside; the receiver does not send them.
    expect(viaFiles.outsideWindow).toBeGreaterThan(0);
    expect(viaReceiver.outsideWindow).toBe(0);
  });

  test("a wrong token cannot run (exit 2), naming the token file's job; so does a missing one", async () => {
    const wrong = join(dir, "wrong-token");
    writeFileSync(wrong, "not-the-token\n");
    const refused = await runCli(["reports", `https://127.0.0.1:${rx.port}`, "--token-file", wrong, "--ca-file", ca.caPath, "--json"]);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.out).error.message).toContain("refused the token (401)");
    const missing = await runCli(["reports", `https://127.0.0.1:${rx.port}`, "--ca-file", ca.caPath], "", {});
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("--token-file");
  });

  test("an untrusted certificate cannot run: without --ca-file the test CA is not trusted", async () => {
    const run = await runCli(["reports", `https://127.0.0.1:${rx.port}`, "--token-file", tokenFile]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/cannot read the receiver \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)\)/);
  });
});
