/**
 * `runCheck` against a real DNS server and a real HTTPS server on random ports of 127.0.0.1 (no
 * root, no network): each broken deployment must produce its specific failure, and a correct one
 * must pass every check. Fixtures are rendered by the project's own model (`renderMailDomain`),
 * so the check is tested against exactly what a deployment publishes.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDnsLookup } from "../../../components/check/dns-lookup";
import { fetchPolicy } from "../../../components/check/fetch-policy";
import type { CheckFinding, CheckReport, CheckStatus } from "../../../components/check/findings";
import { CheckCouldNotRun, firstDifference, runCheck } from "../../../components/check/run-check";
import { MailDomainConfig, validateMailDomain } from "../../../components/model/config";
import { renderMailDomain, RenderedMailDomain } from "../../../components/model/rendered";
import { splitTxtValue } from "../../../components/model/records";
import { startDnsServer, TestDnsServer, Zone } from "../../support/dns-server";
import { createTestCa, Handler, serve, Site, startHttpsServer, TestCa, TestHttpsServer } from "../../support/https-server";

const DAY = 86_400_000;

function render(config: MailDomainConfig): RenderedMailDomain {
  const result = validateMailDomain(config);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return renderMailDomain(result.value);
}

/** Long enough that the TLS-RPT record exceeds 255 octets and must be split (RFC 1035 §3.3.14). */
const manyRua = Array.from({ length: 8 }, (_, i) => `mailto:tls-reports-${i}@reports.good.test`);

const good = render({
  domain: "good.test",
  policy: { mode: "enforce", mx: ["mx1.good.test", "*.mail.good.test"], maxAgeSeconds: 1209600 },
  tlsRpt: { rua: manyRua },
});

/** The DNS records of a rendered domain, as a deployment publishes them. */
function publish(zone: Zone, r: RenderedMailDomain, mx: string[], extra: { sts?: string[][]; policyHost?: boolean } = {}): void {
  zone[r.stsRecordName] = { TXT: extra.sts ?? [splitTxtValue(r.stsRecord)] };
  if (r.tlsRptRecord) zone[r.tlsRptRecordName] = { TXT: [splitTxtValue(r.tlsRptRecord)] };
  zone[r.domain] = { MX: mx.map((exchange, i) => ({ priority: 10 * (i + 1), exchange })) };
  if (extra.policyHost !== false) zone[r.policyHost] = { A: ["127.0.0.1"] };
}

function enforce(domain: string, mx: string[], mode: "enforce" | "testing" | "none" = "enforce"): RenderedMailDomain {
  return render({ domain, policy: { mode, mx, maxAgeSeconds: 1209600 } });
}

// Domains with one thing wrong each; the name says what.
const redirect = enforce("redirect.test", ["mx.redirect.test"]);
const notFound = enforce("notfound.test", ["mx.notfound.test"]);
const html = enforce("html.test", ["mx.html.test"]);
const charset = enforce("charset.test", ["mx.charset.test"]);
const huge = enforce("huge.test", ["mx.huge.test"]);
const silent = enforce("silent.test", ["mx.silent.test"]);
const badSyntax = enforce("badsyntax.test", ["mx.badsyntax.test"]);
const twoRecords = enforce("two.test", ["mx.two.test"]);
const noRecord = enforce("norecord.test", ["mx.norecord.test"]);
const badRecord = enforce("badrecord.test", ["mx.badrecord.test"]);
const noTlsRpt = enforce("notlsrpt.test", ["mx.notlsrpt.test"]);
const noHost = enforce("nohost.test", ["mx.nohost.test"]);
const expired = enforce("expired.test", ["mx.expired.test"]);
const soon = enforce("soon.test", ["mx.soon.test"]);
const verySoon = enforce("verysoon.test", ["mx.verysoon.test"]);
const otherName = enforce("othername.test", ["mx.othername.test"]);
const untrusted = enforce("untrusted.test", ["mx.untrusted.test"]);
const uncovered = enforce("uncovered.test", ["mx1.uncovered.test"]);
const uncoveredTesting = enforce("uncovered-testing.test", ["mx1.uncovered-testing.test"], "testing");
const deepWildcard = enforce("deep.test", ["*.mail.deep.test"]);
const idn = render({ domain: "bücher.test", policy: { mode: "enforce", mx: ["mx.bücher.test"], maxAgeSeconds: 1209600 } });
const retired = render({ domain: "retired.test", policy: { mode: "none", mx: [], maxAgeSeconds: 86400 } });
const drifted = enforce("drifted.test", ["mx1.drifted.test"]);
const driftedLive = enforce("drifted.test", ["mx1.drifted.test", "mx2.drifted.test"]);

let dir: string;
let ca: TestCa;
let dns: TestDnsServer;
let https: TestHttpsServer;
let tls11: TestHttpsServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-check-"));
  ca = createTestCa(dir);
  const other = createTestCa(mkdtempSync(join(dir, "other-")), "some other CA");
  const normalHosts = [good, redirect, notFound, html, charset, huge, silent, badSyntax, twoRecords, noRecord, badRecord, noTlsRpt, uncovered, uncoveredTesting, deepWildcard, idn, retired, drifted];
  const shared = ca.issue("shared", normalHosts.map((r) => r.policyHost));
  const now = Date.now();

  const zone: Zone = {};
  for (const r of normalHosts) publish(zone, r, [`mx.${r.domain}`]);
  publish(zone, good, ["mx1.good.test", "a.mail.good.test"]);
  publish(zone, twoRecords, ["mx.two.test"], { sts: [[twoRecords.stsRecord], ["v=STSv1; id=olderpolicy2025"]] });
  zone[noRecord.stsRecordName] = { TXT: [["some-verification=abc"]] };
  publish(zone, badRecord, ["mx.badrecord.test"], { sts: [["v=STSv1; id=not-alphanumeric!"]] });
  publish(zone, noHost, ["mx.nohost.test"], { policyHost: false });
  publish(zone, uncovered, ["mx1.uncovered.test", "mx2.uncovered.test"]);
  publish(zone, uncoveredTesting, ["mx1.uncovered-testing.test", "mx2.uncovered-testing.test"]);
  publish(zone, deepWildcard, ["a.mail.deep.test", "x.a.mail.deep.test"]);
  publish(zone, idn, ["mx.xn--bcher-kva.test"]);
  publish(zone, retired, ["mx.retired.test"]);
  for (const r of [expired, soon, verySoon, otherName, untrusted]) publish(zone, r, [`mx.${r.domain}`]);
  dns = await startDnsServer(zone);

  const site = (r: RenderedMailDomain, handler: Handler = serve(r.policyText), certificate = shared): [string, Site] => [r.policyHost, { certificate, handler }];
  const sites: Record<string, Site> = Object.fromEntries([
    ...normalHosts.map((r) => site(r)),
    site(redirect, (_req, res) => {
      res.writeHead(301, { location: `https://www.redirect.test/.well-known/mta-sts.txt`, "content-type": "text/plain" });
      res.end(redirect.policyText);
    }),
    // Error pages are HTML, as most servers send them.
    site(notFound, (_req, res) => {
      res.writeHead(404, { "content-type": "text/html" });
      res.end("<h1>not found</h1>\n");
    }),
    site(html, serve(html.policyText, "text/html")),
    site(charset, serve(charset.policyText, "text/plain; charset=utf-8")),
    site(huge, serve(huge.policyText + "x-padding: " + "a".repeat(70 * 1024) + "\r\n")),
    site(silent, () => undefined),
    site(badSyntax, serve(badSyntax.policyText.replace("mode: enforce", "mode: Enforce"))),
    site(drifted, serve(driftedLive.policyText)),
    site(expired, serve(expired.policyText), ca.issue("expired", [expired.policyHost], { notBefore: new Date(now - 90 * DAY), notAfter: new Date(now - 30 * DAY) })),
    site(soon, serve(soon.policyText), ca.issue("soon", [soon.policyHost], { notAfter: new Date(now + 10 * DAY + 3600_000) })),
    site(verySoon, serve(verySoon.policyText), ca.issue("verysoon", [verySoon.policyHost], { notAfter: new Date(now + 3 * DAY + 3600_000) })),
    site(otherName, serve(otherName.policyText), ca.issue("othername", ["mta-sts.someone-else.test"])),
    site(untrusted, serve(untrusted.policyText), other.issue("untrusted", [untrusted.policyHost])),
  ]);
  https = await startHttpsServer(sites);
  tls11 = await startHttpsServer({ [good.policyHost]: { certificate: shared, handler: serve(good.policyText) } }, { minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" });
});

afterAll(async () => {
  await dns?.close();
  await https?.close();
  await tls11?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function check(r: RenderedMailDomain, options: { expect?: RenderedMailDomain; port?: number; timeoutMs?: number } = {}): Promise<CheckReport> {
  return runCheck(
    { domain: r.domain, ca: ca.caPem, httpsPort: options.port ?? https.port, timeoutMs: options.timeoutMs ?? 3000, expect: options.expect },
    { dns: createDnsLookup({ server: dns.address, timeoutMs: 1000, tries: 1 }), fetchPolicy },
  );
}

function findings(report: CheckReport, check: string): CheckFinding[] {
  return report.findings.filter((f) => f.check === check);
}

function status(report: CheckReport, check: string): CheckStatus[] {
  return findings(report, check).map((f) => f.status);
}

function message(report: CheckReport, check: string): string {
  return findings(report, check).map((f) => f.message).join(" | ");
}

describe("a correct deployment", () => {
  test("passes every check: one record, TLS, trusted certificate for the name, 200 text/plain, valid policy, covered MX, TLS-RPT", async () => {
    const report = await check(good);
    expect(report.findings.filter((f) => f.status !== "pass")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.findings.map((f) => f.check)).toEqual(
      expect.arrayContaining(["sts-record", "policy-host", "policy-tls", "certificate-chain", "certificate-name", "certificate-expiry", "policy-http-status", "policy-content-type", "policy-size", "policy-syntax", "mx-coverage", "tlsrpt-record"]),
    );
    expect(report.live.policyId).toBe(good.policyId);
    expect(report.live.policy).toEqual({ mode: "enforce", mx: ["*.mail.good.test", "mx1.good.test"], maxAge: 1209600 });
    expect(report.live.mxHosts).toEqual(["mx1.good.test", "a.mail.good.test"]);
  });

  test("--expect with the same config: live policy bytes, id and records equal the rendering", async () => {
    const report = await check(good, { expect: good });
    expect(status(report, "expect-sts-record")).toEqual(["pass"]);
    expect(status(report, "expect-tlsrpt-record")).toEqual(["pass"]);
    expect(status(report, "expect-policy")).toEqual(["pass"]);
    expect(report.ok).toBe(true);
  });
});

describe("RFC 8461 §3.1: the _mta-sts TXT record", () => {
  test("two records starting with v=STSv1 fail: senders ignore both", async () => {
    const report = await check(twoRecords);
    expect(status(report, "sts-record")).toEqual(["fail"]);
    expect(message(report, "sts-record")).toMatch(/2 TXT records at _mta-sts start with "v=STSv1"/);
    expect(report.ok).toBe(false);
  });

  test("no record starting with v=STSv1 fails: the domain does not use MTA-STS for senders", async () => {
    const report = await check(noRecord);
    expect(status(report, "sts-record")).toEqual(["fail"]);
    expect(message(report, "sts-record")).toMatch(/no TXT record starting with "v=STSv1".*some-verification=abc/);
  });

  test("an id that is not 1 to 32 letters and digits fails", async () => {
    const report = await check(badRecord);
    expect(status(report, "sts-record")).toEqual(["fail"]);
    expect(message(report, "sts-record")).toMatch(/id "not-alphanumeric!"/);
  });
});

describe("RFC 8460 §3: the _smtp._tls TXT record", () => {
  test("a record longer than 255 octets, split into several character-strings, is read joined and passes", async () => {
    expect(splitTxtValue(good.tlsRptRecord!).length).toBeGreaterThan(1);
    const report = await check(good);
    expect(status(report, "tlsrpt-record")).toEqual(["pass"]);
    expect(message(report, "tlsrpt-record")).toContain(manyRua[7]);
    expect(report.live.tlsRptRecords).toEqual([good.tlsRptRecord]);
  });

  test("no TLS-RPT record is a warning, not a failure", async () => {
    const report = await check(noTlsRpt);
    expect(status(report, "tlsrpt-record")).toEqual(["warn"]);
    expect(report.ok).toBe(true);
  });
});

describe("RFC 8461 §3.3: fetching the policy over HTTPS", () => {
  test("a redirect fails and is not followed", async () => {
    const before = https.requests.length;
    const report = await check(redirect);
    expect(status(report, "policy-http-status")).toEqual(["fail"]);
    expect(message(report, "policy-http-status")).toMatch(/HTTP 301 redirect to https:\/\/www\.redirect\.test\/.*must not follow redirects/);
    expect(https.requests.slice(before)).toEqual(["mta-sts.redirect.test /.well-known/mta-sts.txt"]);
    expect(status(report, "policy-syntax")).toEqual(["skip"]);
  });

  test("404 fails: only 200 is a policy, and the error page's type and size are not judged as a policy", async () => {
    const report = await check(notFound);
    expect(report.findings.filter((f) => f.status === "fail").map((f) => f.check)).toEqual(["policy-http-status"]);
    expect(message(report, "policy-http-status")).toMatch(/HTTP 404/);
    expect(status(report, "policy-content-type")).toEqual(["skip"]);
  });

  test("a content type other than text/plain fails", async () => {
    const report = await check(html);
    expect(status(report, "policy-content-type")).toEqual(["fail"]);
    expect(message(report, "policy-content-type")).toMatch(/"text\/html"/);
  });

  test("text/plain with a charset parameter passes", async () => {
    const report = await check(charset);
    expect(status(report, "policy-content-type")).toEqual(["pass"]);
  });

  test("a body over 64 KiB fails and reading stops at the limit", async () => {
    const report = await check(huge);
    expect(status(report, "policy-size")).toEqual(["fail"]);
    expect(message(report, "policy-size")).toMatch(/larger than 65536 bytes/);
  });

  test("a server that never answers fails at the time limit", async () => {
    const started = Date.now();
    const report = await check(silent, { timeoutMs: 500 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(status(report, "policy-fetch")).toEqual(["fail"]);
    expect(message(report, "policy-fetch")).toMatch(/within 500 ms, the time limit/);
  });

  test("a server that offers only TLS 1.1 fails: TLS 1.2 or newer is required", async () => {
    const report = await check(good, { port: tls11.port });
    expect(status(report, "policy-tls")).toEqual(["fail"]);
    expect(message(report, "policy-tls")).toMatch(/no TLS 1\.2\+ handshake/);
  });

  test("a policy host without an address fails and the HTTPS checks are skipped", async () => {
    const report = await check(noHost);
    expect(status(report, "policy-host")).toEqual(["fail"]);
    expect(status(report, "policy-tls")).toEqual(["skip"]);
  });

  test("a policy with a grammar error fails (RFC 8461 §3.2: mode is case-sensitive)", async () => {
    const report = await check(badSyntax);
    expect(status(report, "policy-syntax")).toContain("fail");
    expect(message(report, "policy-syntax")).toMatch(/line 2: mode is "Enforce"/);
    expect(status(report, "mx-coverage")).toEqual(["skip"]);
  });
});

describe("RFC 8461 §3.3: the policy host's certificate", () => {
  test("an expired certificate fails", async () => {
    const report = await check(expired);
    expect(status(report, "certificate-expiry")).toEqual(["fail"]);
    expect(message(report, "certificate-expiry")).toMatch(/expired on/);
    expect(message(report, "certificate-chain")).toMatch(/CERT_HAS_EXPIRED/);
  });

  test("a certificate for another name fails", async () => {
    const report = await check(otherName);
    expect(status(report, "certificate-name")).toEqual(["fail"]);
    expect(message(report, "certificate-name")).toMatch(/does not name mta-sts\.othername\.test.*DNS:mta-sts\.someone-else\.test/);
    expect(status(report, "certificate-chain")).toEqual(["pass"]);
  });

  test("a certificate from an untrusted authority fails", async () => {
    const report = await check(untrusted);
    expect(status(report, "certificate-chain")).toEqual(["fail"]);
    expect(status(report, "certificate-name")).toEqual(["pass"]);
  });

  test("a certificate expiring in 10 days is a warning (under 21)", async () => {
    const report = await check(soon);
    expect(status(report, "certificate-expiry")).toEqual(["warn"]);
    expect(report.live.daysUntilCertificateExpiry).toBe(10);
    expect(report.ok).toBe(true);
  });

  test("a certificate expiring in 3 days fails (under 7)", async () => {
    const report = await check(verySoon);
    expect(status(report, "certificate-expiry")).toEqual(["fail"]);
    expect(message(report, "certificate-expiry")).toMatch(/expires in 3 day/);
  });
});

describe("RFC 8461 §4.1: live MX hosts against the policy's mx patterns", () => {
  test("in enforce, an MX host no pattern matches fails and is named: that mail would bounce", async () => {
    const report = await check(uncovered);
    expect(status(report, "mx-coverage")).toEqual(["fail"]);
    expect(message(report, "mx-coverage")).toMatch(/MX host\(s\) mx2\.uncovered\.test match no mx pattern.*bounces/);
    expect(message(report, "mx-coverage")).not.toMatch(/mx1\.uncovered\.test match/);
  });

  test("in testing, the same gap is a warning", async () => {
    const report = await check(uncoveredTesting);
    expect(status(report, "mx-coverage")).toEqual(["warn"]);
    expect(report.ok).toBe(true);
  });

  test("a wildcard covers exactly one label: x.a.mail.deep.test is not matched by *.mail.deep.test", async () => {
    const report = await check(deepWildcard);
    expect(status(report, "mx-coverage")).toEqual(["fail"]);
    expect(message(report, "mx-coverage")).toMatch(/MX host\(s\) x\.a\.mail\.deep\.test match no/);
  });

  test("an IDN mail domain and MX, written in Unicode in the config, match in A-label form", async () => {
    expect(idn.domain).toBe("xn--bcher-kva.test");
    const report = await check(idn);
    expect(report.live.policy?.mx).toEqual(["mx.xn--bcher-kva.test"]);
    expect(status(report, "mx-coverage")).toEqual(["pass"]);
    expect(report.findings.filter((f) => f.status === "fail")).toEqual([]);
  });

  test("mode none restricts nothing and passes", async () => {
    const report = await check(retired);
    expect(status(report, "mx-coverage")).toEqual(["pass"]);
    expect(report.live.policy?.mode).toBe("none");
    expect(report.ok).toBe(true);
  });
});

describe("--expect: drift between the live deployment and the config", () => {
  test("a served policy that is not what the config renders under the announced id fails, naming the first different line", async () => {
    const report = await check(drifted, { expect: drifted });
    expect(status(report, "expect-sts-record")).toEqual(["pass"]);
    expect(status(report, "expect-policy")).toEqual(["fail"]);
    expect(message(report, "expect-policy")).toMatch(/line 4: live "mx: mx2\.drifted\.test" \(CRLF\), config "max_age: 1209600" \(CRLF\)/);
  });

  test("a record with another id fails", async () => {
    const report = await check(drifted, { expect: driftedLive });
    expect(status(report, "expect-sts-record")).toEqual(["fail"]);
    expect(message(report, "expect-sts-record")).toContain(`the config renders "${driftedLive.stsRecord}"`);
    expect(status(report, "expect-policy")).toEqual(["pass"]);
  });

  test("a TLS-RPT record the config does not have fails", async () => {
    const noReports = render({ domain: "good.test", policy: { mode: "enforce", mx: ["mx1.good.test", "*.mail.good.test"], maxAgeSeconds: 1209600 } });
    const report = await check(good, { expect: noReports });
    expect(status(report, "expect-tlsrpt-record")).toEqual(["fail"]);
  });
});

describe("could not run", () => {
  test("a DNS server that never answers is not a finding but CheckCouldNotRun", async () => {
    dns.mode = "drop";
    try {
      await expect(check(good)).rejects.toBeInstanceOf(CheckCouldNotRun);
    } finally {
      dns.mode = "answer";
    }
  });
});

describe("--expect: the drift finding's wording", () => {
  test("names the first different line and shows line ends", () => {
    expect(firstDifference("a\r\nb\r\n", "a\r\nc\r\n")).toBe('line 2: live "b" (CRLF), config "c" (CRLF)');
    expect(firstDifference("a\nb\n", "a\r\nb\r\n")).toBe('line 1: live "a", config "a" (CRLF)');
  });
});
