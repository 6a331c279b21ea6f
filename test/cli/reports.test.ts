/** `mta-sts reports`: output, --json shape, exit codes, --stack, escaping, and DKIM against a lab DNS server. */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli";
import { makeDkimKey, reportMail, signMail } from "../support/dkim";
import { startDnsServer, TestDnsServer } from "../support/dns-server";
import { dayRange, reportGz, reportJson } from "../support/reports";

const FIXTURES = join(__dirname, "..", "fixtures/reports");
let dir: string;
let dns: TestDnsServer;
const key = makeDkimKey("reporter.example");
const key2 = makeDkimKey("other-reporter.example");

beforeAll(async () => {
  dns = await startDnsServer({ "lab._domainkey.reporter.example": { TXT: [[key.txt.slice(0, 200), key.txt.slice(200)]] }, "lab._domainkey.other-reporter.example": { TXT: [[key2.txt.slice(0, 200), key2.txt.slice(200)]] } });
});
afterAll(() => dns.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-reports-cli-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const reports = (...args: string[]) => runCli(["reports", ...args, "--resolver", dns.address]);

/** Clean reports from two organizations for 14 days: enough for ready. */
function writeReadyDomain(domain: string, mx?: string[]): void {
  for (const day of dayRange(14)) {
    writeFileSync(join(dir, `${domain}-g-${day}.json.gz`), reportGz({ day, domain, org: "Google Inc.", mx }));
    writeFileSync(join(dir, `${domain}-m-${day}.json`), reportJson({ day, domain, org: "Microsoft Corporation", mx }));
  }
}

describe("exit codes and the --json shape", () => {
  test("0 when no domain is not-ready; a mail with no report does not change it", async () => {
    writeReadyDomain("example.com");
    copyFileSync(join(FIXTURES, "cron-no-report.eml"), join(dir, "cron"));
    const { code, out } = await reports(dir, "--json");
    expect(code).toBe(0);
    const json = JSON.parse(out);
    expect(json).toMatchObject({ ok: true, reports: 28, duplicates: 0, skipped: [{ source: join(dir, "cron"), reason: "no report" }] });
    expect(json.domains).toHaveLength(1);
    const d = json.domains[0];
    for (const k of ["domain", "reports", "reporters", "firstDay", "lastDay", "days", "successfulSessions", "failedSessions", "policyTypes", "failuresByResultType", "failures", "readiness"]) expect(d).toHaveProperty(k);
    expect(d).toMatchObject({ domain: "example.com", reports: 28, reporters: ["Google Inc.", "Microsoft Corporation"], firstDay: "2026-03-01", lastDay: "2026-03-14", days: 14, successfulSessions: 280, failedSessions: 0, policyTypes: ["sts"], failuresByResultType: {}, failures: [], readiness: { verdict: "ready", reasons: [] } });
  });

  test("1 when a domain is not-ready; failures carry resultType, sessions, receivingMx, reporter and day", async () => {
    writeReadyDomain("example.com");
    copyFileSync(join(FIXTURES, "google-sts-failure.json"), join(dir, "failure"));
    const { code, out } = await reports(dir, "--json");
    expect(code).toBe(1);
    expect(JSON.parse(out).ok).toBe(false);
    const d = JSON.parse(out).domains[0];
    expect(d.readiness.verdict).toBe("not-ready");
    expect(d.failures).toEqual([{ resultType: "certificate-host-mismatch", sessions: 1, receivingMx: "demo.example.com", reporter: "Google Inc.", day: "2020-01-01", currentPolicy: true }]);
    expect(d.readiness.reasons[0]).toMatchObject({ code: "failures", resultType: "certificate-host-mismatch", sessions: 1, message: expect.any(String) });
  });

  test("1 when an input that looked like a report could not be read, even if every domain is ready", async () => {
    writeReadyDomain("example.com");
    writeFileSync(join(dir, "broken.json"), '{"organization-name": "X"');
    const { code, out } = await reports(dir, "--json");
    expect(code).toBe(1);
    expect(JSON.parse(out).skipped).toEqual([{ source: join(dir, "broken.json"), reason: expect.stringContaining("not JSON") }]);
  });

  test("the same report through two rua addresses, and as a copy in another form, counts once", async () => {
    writeFileSync(join(dir, "a.json"), reportJson({ day: "2026-03-01" }));
    writeFileSync(join(dir, "b.json.gz"), reportGz({ day: "2026-03-01" }));
    const mail = reportMail({ from: "x@reporter.example", submitter: "reporter.example", domain: "example.com", gzBase64: reportGz({ day: "2026-03-01" }).toString("base64"), messageId: "a@b" });
    writeFileSync(join(dir, "c.eml"), mail);
    const json = JSON.parse((await reports(dir, "--json")).out);
    expect([json.reports, json.duplicates]).toEqual([1, 2]);
  });

  test("2 when a path does not exist; --json prints the error envelope", async () => {
    const { code, out } = await reports(join(dir, "missing"), "--json");
    expect(code).toBe(2);
    expect(JSON.parse(out)).toEqual({ ok: false, error: { code: "io", message: expect.stringContaining("no such file or directory") } });
  });

  test("2 on bad flags, naming the flag and the fix", async () => {
    for (const [flag, value] of [["--since", "March"], ["--min-days", "two"], ["--max-failure-rate", "5%"]]) {
      const { code, err } = await reports(dir, flag, value);
      expect(code).toBe(2);
      expect(err).toContain(flag);
    }
  });

  test("an IMAP source without a password, or with one in the URL, cannot run", async () => {
    const none = await runCli(["reports", "imaps://reports@127.0.0.1:1/INBOX", "--json"]);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.out).error.message).toContain("MTA_STS_IMAP_PASSWORD");
    writeFileSync(join(dir, "pw"), "secret\n");
    const inUrl = await runCli(["reports", "imaps://reports:secret@127.0.0.1:1/INBOX", "--password-file", join(dir, "pw")]);
    expect(inUrl.code).toBe(2);
    expect(inUrl.err).toMatch(/never put it on the command line/);
  });
});

describe("human output", () => {
  test("one aligned line per domain for 300 domains, sorted by verdict then domain, then the reasons", async () => {
    const domains = Array.from({ length: 300 }, (_, i) => `d${String(i).padStart(3, "0")}.example`);
    for (const [i, domain] of domains.entries()) {
      const details = i % 50 === 0 ? [{ "result-type": "certificate-expired", "failed-session-count": 2, "receiving-mx-hostname": `mx.${domain}` }] : undefined;
      writeFileSync(join(dir, `${domain}.json`), reportJson({ day: "2026-03-01", domain, failed: details ? 2 : 0, details }));
    }
    const { code, out } = await reports(dir);
    expect(code).toBe(1);
    const lines = out.split("\n");
    const table = lines.slice(1, 301);
    expect(lines[0]).toMatch(/^verdict\s+domain\s+days\s+reporters\s+sessions\s+failures$/);
    expect(table.every((l) => l.length === lines[0].length)).toBe(true);
    expect(table.slice(0, 6).every((l) => l.startsWith("not-ready "))).toBe(true);
    expect(table[0]).toContain("d000.example");
    expect(table[6]).toMatch(/^insufficient-evidence  d001\.example/);
    expect(out).toContain("not-ready d050.example:\n  failures: certificate-expired: 2 failed sessions to mx.d050.example, reported by Google Inc. on 2026-03-01; renew the MX's certificate");
  });

  test("untrusted bytes from a report never reach the terminal raw", async () => {
    writeFileSync(join(dir, "evil.json"), reportJson({ day: "2026-03-01", org: "Evil\u001b[2J\u001b]0;owned\u0007 Corp\u202e", failed: 1, details: [{ "result-type": "x\u001b[31mred", "failed-session-count": 1, "receiving-mx-hostname": "mx\r\nfake line" }] }));
    const { out } = await reports(dir);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(out).toContain("Evil\\x1b[2J\\x1b]0;owned\\x07 Corp\\u202e");
  });
});

test("progress goes to stderr only when it is a terminal, and is cleared at the end", async () => {
  const { Command } = await import("commander");
  const { registerReports } = await import("../../cli/reports");
  writeFileSync(join(dir, "r.json"), reportJson({ day: "2026-03-01" }));
  for (const tty of [true, false]) {
    const progress: string[] = [];
    const out: string[] = [];
    const ctx = { exitCode: 0, out: (t: string) => void out.push(t), err: () => undefined, readStdin: async () => "" };
    const program = new Command().exitOverride();
    registerReports(program, ctx, { env: {}, stderrIsTTY: () => tty, progress: (t) => void progress.push(t), progressAfterMs: 0 });
    await program.parseAsync(["reports", dir, "--json"], { from: "user" });
    expect(progress).toEqual(tty ? ["\rreading reports: 1 inputs", "\r\u001b[K"] : []);
    expect(out.join("")).not.toContain("reading reports");
  }
});

describe("--stack: judged against the policy configured now", () => {
  function writeStack(domains: { domain: string; mode: string; mx: string[] }[]): string {
    const path = join(dir, "stack.yaml");
    writeFileSync(path, `domains:\n${domains.map((d) => `  - domain: ${d.domain}\n    host: aws\n    hostedZoneId: Z1\n    policy: { mode: ${d.mode}, mx: [${d.mx.join(", ")}] }\n`).join("")}`);
    return path;
  }

  test("every stack domain gets a verdict and its mode; testing and ready stands out; an enforce domain with failures is the first line", async () => {
    const reportsDir = join(dir, "r");
    mkdirSync(reportsDir);
    const stack = writeStack([
      { domain: "ready.example", mode: "testing", mx: ["mx.ready.example"] },
      { domain: "example.com", mode: "enforce", mx: ["demo.example.com"] },
      { domain: "quiet.example", mode: "testing", mx: ["mx.quiet.example"] },
    ]);
    for (const day of dayRange(14)) {
      writeFileSync(join(reportsDir, `g-${day}`), reportJson({ day, domain: "ready.example", org: "Google Inc.", mx: ["mx.ready.example"] }));
      writeFileSync(join(reportsDir, `m-${day}`), reportJson({ day, domain: "ready.example", org: "Microsoft Corporation" }));
    }
    copyFileSync(join(FIXTURES, "google-sts-failure.json"), join(reportsDir, "failure.json"));
    const human = await reports(reportsDir, "--stack", stack);
    expect(human.code).toBe(1);
    const lines = human.out.split("\n");
    expect(lines[0]).toMatch(/^REFUSING MAIL  example\.com is in enforce and senders report 1 failed sessions/);
    expect(human.out).toMatch(/\nready\s+ready\.example\s+testing .* <- ready for enforce\n/);
    expect(human.out).toMatch(/\ninsufficient-evidence\s+quiet\.example\s+testing/);
    const json = JSON.parse((await reports(reportsDir, "--stack", stack, "--json")).out);
    expect(json.domains.map((d: any) => [d.domain, d.mode, d.readiness.verdict])).toEqual([
      ["example.com", "enforce", "not-ready"],
      ["quiet.example", "testing", "insufficient-evidence"],
      ["ready.example", "testing", "ready"],
    ]);
  });

  test("reports for an older mx set do not count toward ready and their failures do not make it not-ready", async () => {
    const stack = writeStack([{ domain: "example.com", mode: "testing", mx: ["mx.new.example"] }]);
    for (const day of dayRange(14)) {
      writeFileSync(join(dir, `g-${day}`), reportJson({ day, org: "Google Inc.", mx: ["mx.old.example"], failed: 1, details: [{ "result-type": "certificate-expired", "failed-session-count": 1 }] }));
      writeFileSync(join(dir, `m-${day}`), reportJson({ day, org: "Microsoft Corporation", mx: ["mx.old.example"] }));
    }
    const { code, out } = await reports(dir, "--stack", stack, "--json");
    expect(code).toBe(0);
    const d = JSON.parse(out).domains[0];
    expect(d.readiness.verdict).toBe("insufficient-evidence");
    expect(d.readiness.reasons.map((r: any) => r.code)).toContain("older-policy");
    expect(d.failures.every((f: any) => f.currentPolicy === false)).toBe(true);
  });
});

describe("DKIM against a lab DNS server (RFC 8460 §5.3)", () => {
  async function writeMails(sign: boolean): Promise<void> {
    for (const day of dayRange(14)) {
      for (const [submitter, k, org] of [["reporter.example", key, "Reporter"], ["other-reporter.example", key2, "Other Reporter"]] as const) {
        const raw = reportMail({ from: `tlsrpt@${submitter}`, submitter, domain: "example.com", gzBase64: reportGz({ day, org }).toString("base64"), messageId: `${day}@${submitter}` });
        writeFileSync(join(dir, `${submitter}-${day}.eml`), sign ? await signMail(raw, k) : raw);
      }
    }
  }

  test("signed report mails are authenticated and stay ready under --require-authenticated", async () => {
    await writeMails(true);
    const { code, out } = await reports(dir, "--require-authenticated", "--json");
    expect(code).toBe(0);
    const d = JSON.parse(out).domains[0];
    expect(d.readiness.verdict).toBe("ready");
    expect(d.evidence.reporters).toEqual(["other-reporter.example", "reporter.example"]);
  });

  test("unsigned (forged) report mails look ready without the flag, and prove nothing with it", async () => {
    await writeMails(false);
    expect(JSON.parse((await reports(dir, "--json")).out).domains[0].readiness.verdict).toBe("ready");
    const strict = JSON.parse((await reports(dir, "--json", "--require-authenticated")).out).domains[0].readiness;
    expect(strict.verdict).toBe("insufficient-evidence");
    expect(strict.reasons.map((r: any) => r.code)).toContain("unauthenticated");
  });
});

describe("--html", () => {
  test("writes a self-contained page with every untrusted string escaped", async () => {
    writeFileSync(join(dir, "r.json"), reportJson({ day: "2026-03-01", org: "<script>alert(1)</script>", failed: 1, details: [{ "result-type": "<img src=x onerror=alert(1)>", "failed-session-count": 1 }] }));
    const html = join(dir, "out.html");
    expect((await reports(join(dir, "r.json"), "--html", html)).code).toBe(1);
    const page = readFileSync(html, "utf8");
    expect(page).not.toContain("<script>alert(1)");
    expect(page).not.toContain("<img src=x");
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).not.toMatch(/\b(src|href)=["']?(https?:)?\/\//);
  });
});
