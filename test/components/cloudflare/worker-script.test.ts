/**
 * The generated Worker, run as-is in the real Workers runtime (workerd via miniflare, offline,
 * on 127.0.0.1): RFC 8461 §3.3 says the policy is served over HTTPS at exactly
 * `/.well-known/mta-sts.txt` with a `text/plain` media type, and that senders must not follow
 * redirects, so the path must answer 200 itself. Publish before announce (docs/invariants.md)
 * needs `no-store`, so no cache serves old bytes under a new id.
 */
import { domainToASCII } from "node:url";
import { renderWorkerScript, WORKER_COMPATIBILITY_DATE } from "../../../components/cloudflare/worker-script";
import { POLICY_PATH } from "../../../components/model/rendered";
import { validateDomainArgs } from "../../../components/validate-args";
import { httpRequest, RunningWorker, startWorker } from "../../support/workers";

const POLICIES = {
  "enforce with a wildcard mx": validateDomainArgs({ domain: "example.org", policy: { mode: "enforce", mx: ["*.mail.protection.outlook.com"], maxAgeSeconds: 1209600 } }).rendered,
  "testing with several mx": validateDomainArgs({ domain: "example.com", policy: { mode: "testing", mx: ["mx2.example.com", "MX1.example.com.", "*.backup.example.net"], maxAgeSeconds: 86400 } }).rendered,
  // An IDN domain and IDN mx: the served bytes hold A-labels (RFC 8461 §3.2 names LDH domains).
  "an IDN mx": validateDomainArgs({ domain: "bücher.example", policy: { mode: "enforce", mx: ["mx.bücher.example", "*.почта.example"], maxAgeSeconds: 604800 } }).rendered,
  "mode none (retirement)": validateDomainArgs({ domain: "old.example", policy: { mode: "none", maxAgeSeconds: 86400 } }).rendered,
};

describe.each(Object.entries(POLICIES))("the generated Worker, for a policy in %s", (_label, rendered) => {
  let worker: RunningWorker;
  beforeAll(async () => {
    worker = await startWorker(renderWorkerScript(rendered.policyText), WORKER_COMPATIBILITY_DATE);
  });
  afterAll(async () => {
    await worker?.dispose();
  });

  it("answers GET on the policy path with 200 and exactly the policy bytes", async () => {
    const res = await httpRequest(`${worker.url}${POLICY_PATH}`);
    expect(res.status).toBe(200);
    expect(res.body.equals(Buffer.from(rendered.policyText, "utf8"))).toBe(true);
    expect(res.body.toString("utf8")).toBe(rendered.policyText);
  });

  it("labels the policy text/plain; charset=utf-8 and forbids caching it", async () => {
    const res = await httpRequest(`${worker.url}${POLICY_PATH}`);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.headers.location).toBeUndefined();
  });

  it("answers HEAD on the policy path with 200, the same headers and no body", async () => {
    const res = await httpRequest(`${worker.url}${POLICY_PATH}`, "HEAD");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body.length).toBe(0);
  });

  it("serves the policy for a request with a query string, since the path is what matters", async () => {
    const res = await httpRequest(`${worker.url}${POLICY_PATH}?v=1`);
    expect(res.status).toBe(200);
    expect(res.body.toString("utf8")).toBe(rendered.policyText);
  });

  it.each(["/", "/.well-known/", "/.well-known/mta-sts.txt/", "/.well-known/MTA-STS.TXT", "/mta-sts.txt", "/.well-known/mta-sts.txt.bak", "/favicon.ico"])(
    "answers %s with 404 and no redirect",
    async (path) => {
      const res = await httpRequest(`${worker.url}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.location).toBeUndefined();
      expect(res.body.toString("utf8")).not.toContain("version: STSv1");
    },
  );

  it("refuses other methods on the policy path with 405 and Allow: GET, HEAD", async () => {
    const res = await httpRequest(`${worker.url}${POLICY_PATH}`, "POST");
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET, HEAD");
  });

  it("answers a request with any Host header the same way (it is bound to one custom domain)", async () => {
    const res = await httpRequest(`${worker.url}${POLICY_PATH}`, "GET", { Host: rendered.policyHost });
    expect(res.status).toBe(200);
    expect(res.body.toString("utf8")).toBe(rendered.policyText);
  });
});

describe("renderWorkerScript", () => {
  it("serves IDN mx as A-labels (the fixture really is IDN)", async () => {
    const text = POLICIES["an IDN mx"].policyText;
    expect(text).toContain(`mx: mx.${domainToASCII("bücher.example")}\r\n`);
    expect(text).toContain(`mx: *.${domainToASCII("почта.example")}\r\n`);
    const worker = await startWorker(renderWorkerScript(text), WORKER_COMPATIBILITY_DATE);
    try {
      expect((await httpRequest(`${worker.url}${POLICY_PATH}`)).body.toString("latin1")).toBe(text);
    } finally {
      await worker.dispose();
    }
  });

  it("gives the same script for the same policy bytes (no timestamps: no diff, no redeploy)", () => {
    const text = POLICIES["an IDN mx"].policyText;
    expect(renderWorkerScript(text)).toBe(renderWorkerScript(text));
  });

  it("gives a different script when the policy bytes change", () => {
    expect(renderWorkerScript(POLICIES["enforce with a wildcard mx"].policyText)).not.toBe(renderWorkerScript(POLICIES["testing with several mx"].policyText));
  });

  it("embeds bytes that would break a naive template (quotes, backslashes, ${}) intact", async () => {
    const tricky = 'version: STSv1\r\nmode: testing\r\nmx: a.example.com\r\nmax_age: 86400\r\n"`${x}\\\u2028';
    const worker = await startWorker(renderWorkerScript(tricky), WORKER_COMPATIBILITY_DATE);
    try {
      const res = await httpRequest(`${worker.url}${POLICY_PATH}`);
      expect(res.body.toString("utf8")).toBe(tricky);
    } finally {
      await worker.dispose();
    }
  });

  it("refuses an empty policy", () => {
    expect(() => renderWorkerScript("")).toThrow(/policyText/);
  });
});
