/** Pure parts of the checker: certificate expiry thresholds, --resolver parsing, drift wording, the report format. */
import { CERT_FAIL_DAYS, CERT_WARN_DAYS, judgeCertificate } from "../../../components/check/certificate";
import { parseServerAddress } from "../../../components/check/dns-lookup";
import type { ServedCertificate } from "../../../components/check/fetch-policy";
import { formatReport } from "../../../components/check/report";
import { firstDifference } from "../../../components/check/run-check";
import { summarise, CheckFinding } from "../../../components/check/findings";

const now = new Date("2026-06-01T12:00:00Z");
const DAY = 86_400_000;
const cert = (validTo: Date, over: Partial<ServedCertificate> = {}): ServedCertificate => ({
  subject: "CN=mta-sts.example.com",
  issuer: "CN=Test CA",
  subjectAltName: "DNS:mta-sts.example.com",
  validFrom: new Date(now.getTime() - 30 * DAY),
  validTo,
  chainTrusted: true,
  matchesHost: true,
  ...over,
});
const expiry = (c: ServedCertificate) => judgeCertificate(c, "mta-sts.example.com", now).find((f) => f.check === "certificate-expiry")!;

describe("RFC 8461 §3.3: certificate expiry ahead (warn under 21 days, fail under 7)", () => {
  test("the thresholds are 21 and 7 days", () => {
    expect([CERT_WARN_DAYS, CERT_FAIL_DAYS]).toEqual([21, 7]);
  });
  test.each([
    [60, "pass"],
    [21, "pass"],
    [20, "warn"],
    [7, "warn"],
    [6, "fail"],
    [0, "fail"],
    [-1, "fail"],
  ])("%d whole days left → %s", (days, status) => {
    expect(expiry(cert(new Date(now.getTime() + days * DAY + 60_000))).status).toBe(status);
  });
  test("a certificate not valid yet fails", () => {
    expect(expiry(cert(new Date(now.getTime() + 90 * DAY), { validFrom: new Date(now.getTime() + DAY) })).message).toMatch(/not valid before/);
  });
  test("an untrusted chain names OpenSSL's reason in words", () => {
    const chain = judgeCertificate(cert(new Date(now.getTime() + 90 * DAY), { chainTrusted: false, chainError: "DEPTH_ZERO_SELF_SIGNED_CERT" }), "mta-sts.example.com", now)[0];
    expect(chain).toMatchObject({ check: "certificate-chain", status: "fail" });
    expect(chain.message).toMatch(/self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
  });
});

describe("--resolver host:port", () => {
  test.each([
    ["127.0.0.1", "127.0.0.1:53"],
    ["127.0.0.1:5353", "127.0.0.1:5353"],
    ["[::1]:5300", "[::1]:5300"],
    ["::1", "[::1]:53"],
  ])("%s → %s", (input, output) => expect(parseServerAddress(input)).toBe(output));
  test.each(["dns.example.com", "127.0.0.1:0", "127.0.0.1:70000", ""])("%j is refused", (input) => {
    expect(() => parseServerAddress(input)).toThrow(TypeError);
  });
});

describe("drift wording", () => {
  test("names the first different line and shows line ends", () => {
    expect(firstDifference("a\r\nb\r\n", "a\r\nc\r\n")).toBe('line 2: live "b" (CRLF), config "c" (CRLF)');
    expect(firstDifference("a\nb\n", "a\r\nb\r\n")).toBe('line 1: live "a", config "a" (CRLF)');
  });
});

describe("the human report: one line per finding, status first", () => {
  test("fix is shown for fail and warn only, and the summary counts each status", () => {
    const findings: CheckFinding[] = [
      { check: "sts-record", status: "pass", message: "ok", fix: "never shown" },
      { check: "policy-http-status", status: "fail", message: "HTTP 404", fix: "serve it" },
      { check: "tlsrpt-record", status: "warn", message: "none", fix: "publish one" },
      { check: "policy-syntax", status: "skip", message: "not checked" },
    ];
    const text = formatReport({ domain: "example.com", policyUrl: "https://mta-sts.example.com/.well-known/mta-sts.txt", checkedAt: now.toISOString(), findings, summary: summarise(findings), ok: false, live: { stsRecords: [], tlsRptRecords: [], mxHosts: [], policyHostAddresses: [] } });
    expect(text.split("\n")).toEqual([
      "mta-sts check example.com (https://mta-sts.example.com/.well-known/mta-sts.txt)",
      "PASS sts-record          ok",
      "FAIL policy-http-status  HTTP 404; fix: serve it",
      "WARN tlsrpt-record       none; fix: publish one",
      "SKIP policy-syntax       not checked",
      "FAILED: 1 failed, 1 warning(s), 1 passed, 1 skipped",
      "",
    ]);
  });
});
