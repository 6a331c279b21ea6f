/**
 * The MX hosts' STARTTLS (RFC 3207) and certificates (RFC 8461 §4.2), against a Node SMTP
 * stand-in on a random port (no root): the client's bounds in bytes and time against hostile
 * servers, how each problem counts in each mode, and the findings `check` prints.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CERT_FAIL_DAYS } from "../../../components/check/certificate";
import type { DnsLookup } from "../../../components/check/dns-lookup";
import { checkMxTls, judgeMxHost, MAX_MX_HOSTS_CHECKED } from "../../../components/check/mx-tls";
import { formatReport } from "../../../components/check/report";
import { probeStarttls, StarttlsProbeResult } from "../../../components/check/smtp-starttls";
import { summarise } from "../../../components/check/findings";
import { createTestCa, IssuedCertificate, TestCa } from "../../support/https-server";
import { SmtpStandIn, startSmtpServer } from "../../support/smtp-server";

const DAY = 86_400_000;
let dir: string;
let ca: TestCa;
let good: IssuedCertificate;
let smtp: SmtpStandIn;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-mx-tls-"));
  ca = createTestCa(dir);
  good = ca.issue("mx", ["mx1.example.test", "mx2.example.test"]);
  smtp = await startSmtpServer({ certificates: { "mx1.example.test": good, "other.example.test": ca.issue("other", ["other.example.test"]) } });
});
afterAll(async () => {
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  smtp.behaviour = "starttls";
});

const probe = (host = "mx1.example.test", extra: Partial<Parameters<typeof probeStarttls>[0]> = {}) =>
  probeStarttls({ host, address: "127.0.0.1", port: smtp.port, ca: ca.caPem, timeoutMs: 3000, ...extra });

describe("the STARTTLS client: EHLO, STARTTLS, a TLS 1.2+ handshake, the certificate with its verdict", () => {
  test("a correct MX: TLS 1.3, a certificate that chains to the CA and names the host; the client sent EHLO, STARTTLS and QUIT only", async () => {
    const result = await probe();
    expect(result).toMatchObject({ ok: true, tlsVersion: "TLSv1.3", greeting: "220 mx.stand-in.test ESMTP", certificate: { chainTrusted: true, matchesHost: true } });
    const session = smtp.sessions[smtp.sessions.length - 1];
    // The server sees the client's QUIT over TLS a moment after the client is done (bounded wait).
    for (let i = 0; i < 50 && !session.commands.includes("(tls) QUIT"); i++) await new Promise((r) => setTimeout(r, 20));
    expect(session.commands).toEqual(["EHLO mta-sts-check.invalid", "STARTTLS", "(tls) QUIT"]);
    expect(session.tls).toBe(true);
  });

  test("SNI picks the certificate: another host name gets a certificate that does not name it, still returned with the verdict", async () => {
    const result = await probe("other.example.test");
    expect(result).toMatchObject({ ok: true, certificate: { matchesHost: true } });
    const wrong = await probe("mx3.example.test");
    expect(wrong).toMatchObject({ ok: true, certificate: { matchesHost: false } });
  });

  test("without --ca-file's authority, the chain is untrusted (not refused: the checker names the problem)", async () => {
    expect(await probe("mx1.example.test", { ca: undefined })).toMatchObject({ ok: true, certificate: { chainTrusted: false, chainError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" } });
  });

  test.each([
    ["no-starttls", "no-starttls", /EHLO does not offer STARTTLS/],
    ["refuse-starttls", "starttls-refused", /STARTTLS was answered "454 4\.7\.0 TLS not available"/],
    ["inject-after-220", "smtp", /sent 14 bytes after its 220 to STARTTLS, before the TLS handshake \(RFC 3207 §6\)/],
    ["reject", "smtp", /the greeting is "554 5\.7\.1 no mail here", not 220/],
  ] as const)("a server that %s: stage %s", async (behaviour, stage, message) => {
    smtp.behaviour = behaviour;
    const result = await probe();
    expect(result).toMatchObject({ ok: false, stage });
    expect((result as { message: string }).message).toMatch(message);
  });

  test("a server that never speaks: no-greeting when the time limit ends, not later", async () => {
    smtp.behaviour = "silent";
    const started = Date.now();
    const result = await probe("mx1.example.test", { timeoutMs: 400 });
    expect(result).toMatchObject({ ok: false, stage: "no-greeting", code: "ETIMEDOUT" });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("a 1 GB banner: cut off after 16 KiB, long before the server could send it all", async () => {
    smtp.behaviour = "flood";
    const result = await probe();
    expect(result).toMatchObject({ ok: false, stage: "smtp", message: expect.stringMatching(/more than 16384 bytes before STARTTLS/) });
    // The server may have pushed a few socket buffers' worth before the client hung up; never the gigabyte.
    await new Promise((r) => setTimeout(r, 200));
    expect(smtp.sessions[smtp.sessions.length - 1].bytesWritten).toBeLessThan(64 * 1024 * 1024);
  });

  test("a hostile greeting (10 KB, with terminal escapes): quoted in at most a few hundred characters, escaped in the report", async () => {
    const hostile = createServer((socket) => socket.end(`554 \x1b[2K\x1b[1AOK all good${"A".repeat(10_000)}\r\n`));
    await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", () => r()));
    try {
      const result = await probeStarttls({ host: "mx1.example.test", address: "127.0.0.1", port: (hostile.address() as { port: number }).port, timeoutMs: 3000 });
      expect(result).toMatchObject({ ok: false, stage: "smtp" });
      const message = (result as { message: string }).message;
      expect(message.length).toBeLessThan(400);
      expect(message).toMatch(/… \(\d+ more characters\)/);
      const findings = judgeMxHost("mx1.example.test", { kind: "probed", address: "127.0.0.1", result }, { mode: "enforce", mx: ["mx1.example.test"] }, new Date());
      const text = formatReport({ domain: "example.test", policyUrl: "https://mta-sts.example.test/.well-known/mta-sts.txt", checkedAt: "", findings, summary: summarise(findings), ok: false, live: { stsRecords: [], tlsRptRecords: [], mxHosts: [], policyHostAddresses: [] } });
      expect(text).not.toMatch(/\x1b/);
      expect(text).toContain("\\u001b[2K");
      expect(Math.max(...text.split("\n").map((l) => l.length))).toBeLessThan(800);
    } finally {
      await new Promise<void>((r) => hostile.close(() => r()));
    }
  });

  test("a server that offers only TLS 1.1: the handshake fails (stage tls)", async () => {
    const old = await startSmtpServer({ certificates: { "mx1.example.test": good }, tls: { maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" } });
    try {
      const result = await probeStarttls({ host: "mx1.example.test", address: "127.0.0.1", port: old.port, ca: ca.caPem, timeoutMs: 3000 });
      expect(result).toMatchObject({ ok: false, stage: "tls" });
    } finally {
      await old.close();
    }
  });

  test("nothing listening: stage connect (ECONNREFUSED)", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(await probeStarttls({ host: "mx1.example.test", address: "127.0.0.1", port, timeoutMs: 2000 })).toMatchObject({ ok: false, stage: "connect", code: "ECONNREFUSED" });
  });
});

describe("how each MX problem counts: a failure under enforce, a warning otherwise; unreachable from here is a warning", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const cert = (over: Partial<{ matchesHost: boolean; chainTrusted: boolean; validTo: Date }> = {}) => ({
    subject: "CN=mx1.example.test",
    issuer: "CN=test CA",
    subjectAltName: "DNS:mx1.example.test",
    validFrom: new Date(now.getTime() - 30 * DAY),
    validTo: new Date(now.getTime() + 60 * DAY),
    chainTrusted: true,
    matchesHost: true,
    ...over,
  });
  const tls = (c: ReturnType<typeof cert>): StarttlsProbeResult => ({ ok: true, tlsVersion: "TLSv1.3", certificate: c, greeting: "220 x" });
  const enforce = { mode: "enforce", mx: ["*.example.test"] };
  const testing = { mode: "testing", mx: ["*.example.test"] };
  const statusOf = (check: string, findings: ReturnType<typeof judgeMxHost>) => findings.find((f) => f.check === check)?.status;

  test("all well: five passes, the name finding naming the pattern that admits the host", () => {
    const findings = judgeMxHost("mx1.example.test", { kind: "probed", address: "192.0.2.25", result: tls(cert()) }, enforce, now);
    expect(findings.map((f) => `${f.status} ${f.check}`)).toEqual(["pass mx-starttls", "pass mx-tls", "pass mx-certificate-chain", "pass mx-certificate-name", "pass mx-certificate-expiry"]);
    expect(findings[3].message).toBe(`mx1.example.test: the certificate is valid for mx1.example.test, which the policy's mx pattern "*.example.test" admits`);
    expect(findings.every((f) => f.host === "mx1.example.test")).toBe(true);
  });

  test("a certificate naming another host: fail under enforce, warn under testing, warn without a policy", () => {
    const outcome = { kind: "probed" as const, address: "192.0.2.25", result: tls(cert({ matchesHost: false })) };
    const failing = judgeMxHost("mx1.example.test", outcome, enforce, now).find((f) => f.check === "mx-certificate-name")!;
    expect(failing).toMatchObject({ status: "fail", fix: "issue a certificate whose subjectAltName includes DNS:mx1.example.test" });
    expect(failing.message).toMatch(/does not name mx1\.example\.test .*senders enforcing the policy refuse this MX host, so mail to it bounces \(RFC 8461 §4\.2\)$/);
    expect(statusOf("mx-certificate-name", judgeMxHost("mx1.example.test", outcome, testing, now))).toBe("warn");
    expect(statusOf("mx-certificate-name", judgeMxHost("mx1.example.test", outcome, undefined, now))).toBe("warn");
  });

  test("a certificate subject of many kilobytes is quoted in part: the finding stays one readable line", () => {
    const outcome = { kind: "probed" as const, address: "192.0.2.25", result: tls({ ...cert({ matchesHost: false }), subject: `CN=${"x".repeat(20_000)}`, subjectAltName: `DNS:${"y".repeat(20_000)}` }) };
    const finding = judgeMxHost("mx1.example.test", outcome, enforce, now).find((f) => f.check === "mx-certificate-name")!;
    expect(finding.message.length).toBeLessThan(1200);
    expect(finding.message).toMatch(/^mx1\.example\.test: the certificate does not name mx1\.example\.test \(subject CN=x+… \(\d+ more characters\); DNS:y+… \(\d+ more characters\)\)/);
  });

  test("expiry uses the policy host's thresholds: 5 days left fails under enforce, 15 days warns in any mode, 60 days passes", () => {
    const at = (days: number, policy = enforce) => statusOf("mx-certificate-expiry", judgeMxHost("mx1.example.test", { kind: "probed", address: "a", result: tls(cert({ validTo: new Date(now.getTime() + days * DAY + 1000) })) }, policy, now));
    expect(CERT_FAIL_DAYS).toBe(7);
    expect(at(5)).toBe("fail");
    expect(at(5, testing)).toBe("warn");
    expect(at(15)).toBe("warn");
    expect(at(60)).toBe("pass");
    expect(at(-1)).toBe("fail");
  });

  test("an untrusted chain or a TLS handshake without TLS 1.2+: fail under enforce", () => {
    expect(statusOf("mx-certificate-chain", judgeMxHost("h.test", { kind: "probed", address: "a", result: tls({ ...cert({ chainTrusted: false }), chainError: "CERT_HAS_EXPIRED" } as never) }, enforce, now))).toBe("fail");
    const handshake = judgeMxHost("h.test", { kind: "probed", address: "a", result: { ok: false, stage: "tls", code: "ERR_SSL_UNSUPPORTED_PROTOCOL", message: "unsupported protocol" } }, enforce, now);
    expect(handshake.map((f) => `${f.status} ${f.check}`)).toEqual(["pass mx-starttls", "fail mx-tls", "skip mx-certificate-chain", "skip mx-certificate-name", "skip mx-certificate-expiry"]);
  });

  test("no connection, or no greeting: a warning saying 'not reachable from here', in enforce too, the rest skipped", () => {
    for (const stage of ["connect", "no-greeting"] as const) {
      const findings = judgeMxHost("mx1.example.test", { kind: "probed", address: "192.0.2.25", result: { ok: false, stage, message: "connect ETIMEDOUT 192.0.2.25:25" } }, enforce, now);
      expect(findings[0]).toMatchObject({ check: "mx-starttls", status: "warn", fix: expect.stringMatching(/--skip-mx-tls/) });
      expect(findings[0].message).toMatch(/^mx1\.example\.test: not reachable from here: mx1\.example\.test \(192\.0\.2\.25\) port 25: connect ETIMEDOUT.*many networks block outbound port 25/);
      expect(findings.slice(1).every((f) => f.status === "skip")).toBe(true);
    }
  });

  test("a server that speaks but offers no STARTTLS: fail under enforce (senders refuse it), warn under testing", () => {
    const outcome = { kind: "probed" as const, address: "a", result: { ok: false as const, stage: "no-starttls" as const, message: "EHLO does not offer STARTTLS" } };
    expect(statusOf("mx-starttls", judgeMxHost("h.test", outcome, enforce, now))).toBe("fail");
    expect(statusOf("mx-starttls", judgeMxHost("h.test", outcome, testing, now))).toBe("warn");
  });
});

describe("checkMxTls: every live MX host, each once, at most ten", () => {
  const lookup = (addresses: Record<string, string[]>): Pick<DnsLookup, "addresses"> => ({ addresses: async (name) => addresses[name] ?? [] });

  test("each host resolved and connected to; a null MX connects to nothing; live shows what was seen", async () => {
    const { findings, live } = await checkMxTls(["mx1.example.test", "mx2.example.test", "mx1.example.test"], { mode: "enforce", mx: ["*.example.test"] }, { dns: lookup({ "mx1.example.test": ["127.0.0.1"], "mx2.example.test": ["127.0.0.1"] }), probe: probeStarttls }, { ca: ca.caPem, port: smtp.port, now: new Date(), timeoutMs: 3000 });
    expect(findings.filter((f) => f.status !== "pass")).toEqual([]);
    expect(live).toEqual([
      { host: "mx1.example.test", address: "127.0.0.1", reachable: true, tlsVersion: "TLSv1.3", certificateValidTo: expect.any(String) },
      { host: "mx2.example.test", address: "127.0.0.1", reachable: true, tlsVersion: "TLSv1.3", certificateValidTo: expect.any(String) },
    ]);
    expect((await checkMxTls([""], undefined, { dns: lookup({}), probe: probeStarttls }, { now: new Date() })).findings).toEqual([]);
  });

  test("a domain with 30 MX hosts: the first ten are connected to, the rest named in one skipped finding", async () => {
    const asked: string[] = [];
    const hosts = Array.from({ length: 30 }, (_, i) => `mx${i}.many.test`);
    const { findings } = await checkMxTls(hosts, undefined, { dns: { addresses: async (n) => (asked.push(n), []) }, probe: probeStarttls }, { now: new Date() });
    expect(asked).toEqual(hosts.slice(0, MAX_MX_HOSTS_CHECKED));
    expect(findings[findings.length - 1]).toMatchObject({ status: "skip", message: expect.stringMatching(/^not checked: 20 more MX host\(s\) \(mx10\.many\.test, mx11\.many\.test, mx12\.many\.test, \.\.\.\); only the first 10/) });
  });
});
