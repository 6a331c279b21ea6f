/**
 * `mta-sts check` as a command: options, the one-line-per-finding report, --json, --expect with a
 * real config file, and the exit codes (0 ok, 1 failures, 2 could not run), against a local DNS
 * server and a local HTTPS server on random ports (no root).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { registerCheck, defaultCheckDeps } from "../../cli/check";
import { CliContext, CliError } from "../../cli/verb-contract";
import type { CheckReport } from "../../components/check/findings";
import { validateMailDomain } from "../../components/model/config";
import { splitTxtValue } from "../../components/model/records";
import { renderMailDomain } from "../../components/model/rendered";
import { startDnsServer, TestDnsServer } from "../support/dns-server";
import { createTestCa, serve, startHttpsServer, TestCa, TestHttpsServer } from "../support/https-server";
import { SmtpStandIn, startSmtpServer } from "../support/smtp-server";

const configYaml = `domains:
  - domain: example.test
    policy:
      mode: enforce
      mx: [mx1.example.test]
      maxAgeSeconds: 1209600
    tlsRpt:
      rua: [mailto:tlsrpt@example.test]
`;
const intent = validateMailDomain({ domain: "example.test", policy: { mode: "enforce", mx: ["mx1.example.test"], maxAgeSeconds: 1209600 }, tlsRpt: { rua: ["mailto:tlsrpt@example.test"] } });
if (!intent.ok) throw new Error("fixture config is invalid");
const rendered = renderMailDomain(intent.value);

let dir: string;
let ca: TestCa;
let dns: TestDnsServer;
let https: TestHttpsServer;
let smtp: SmtpStandIn;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-check-cli-"));
  ca = createTestCa(dir);
  configPath = join(dir, "mta-sts.yaml");
  writeFileSync(configPath, configYaml);
  dns = await startDnsServer({
    [rendered.stsRecordName]: { TXT: [splitTxtValue(rendered.stsRecord)] },
    [rendered.tlsRptRecordName]: { TXT: [splitTxtValue(rendered.tlsRptRecord!)] },
    [rendered.domain]: { MX: [{ priority: 10, exchange: "mx1.example.test" }] },
    [rendered.policyHost]: { A: ["127.0.0.1"] },
    // The MX host, on the SMTP stand-in: STARTTLS with a certificate from the test CA.
    "mx1.example.test": { A: ["127.0.0.1"] },
    // The same deployment, but its MX list has grown a host the enforce policy lacks.
    "_mta-sts.grown.test": { TXT: [[rendered.stsRecord]] },
    "grown.test": { MX: [{ priority: 10, exchange: "mx1.example.test" }, { priority: 20, exchange: "mx2.grown.test" }] },
    "mta-sts.grown.test": { A: ["127.0.0.1"] },
    // A domain that exists (it receives mail) but publishes no MTA-STS at all.
    "bare.test": { MX: [{ priority: 10, exchange: "mx.bare.test" }] },
  });
  const certificate = ca.issue("cli", [rendered.policyHost, "mta-sts.grown.test"]);
  https = await startHttpsServer({ [rendered.policyHost]: { certificate, handler: serve(rendered.policyText) }, "mta-sts.grown.test": { certificate, handler: serve(rendered.policyText) } });
  smtp = await startSmtpServer({ certificates: { "mx1.example.test": ca.issue("mx1", ["mx1.example.test"]) } });
});

afterAll(async () => {
  await dns?.close();
  await https?.close();
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run `mta-sts check ...` in-process; a CliError is turned into its exit code as cli/main.ts does. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const ctx: CliContext = { exitCode: 0, out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => "" };
  const program = new Command("mta-sts").exitOverride().configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  registerCheck(program, ctx, { ...defaultCheckDeps, httpsPort: https.port, smtpPort: smtp.port }).exitOverride();
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: ctx.exitCode, out, err };
  } catch (e) {
    if (e instanceof CliError) return { code: e.exitCode, out, err: err + e.message };
    throw e;
  }
}

const lab = () => ["--resolver", dns.address, "--ca-file", ca.caPath, "--timeout", "2"];

describe("mta-sts check: exit codes 0 ok / 1 findings / 2 could not run", () => {
  test("a correct domain exits 0 with one PASS line per check and a summary", async () => {
    const { code, out } = await run("check", "example.test", ...lab());
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe("mta-sts check example.test (https://mta-sts.example.test/.well-known/mta-sts.txt)");
    expect(lines.slice(1, -1).every((l) => /^PASS [a-z-]+ +\S/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("PASS mx-coverage"))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^OK: 0 failed, 0 warning\(s\), \d+ passed, 0 skipped$/);
  });

  test("the MX host is connected to: STARTTLS, TLS, its certificate's chain, name and expiry, one PASS line each", async () => {
    const { out } = await run("check", "example.test", ...lab());
    expect(out).toMatch(/^PASS mx-starttls +mx1\.example\.test: offers STARTTLS at 127\.0\.0\.1 port \d+ \(RFC 3207\)$/m);
    expect(out).toMatch(/^PASS mx-tls +mx1\.example\.test: TLSv1\.3 after STARTTLS/m);
    expect(out).toMatch(/^PASS mx-certificate-name +mx1\.example\.test: the certificate is valid for mx1\.example\.test, which the policy's mx pattern "mx1\.example\.test" admits$/m);
    expect(out).toMatch(/^PASS mx-certificate-expiry /m);
  });

  test("--skip-mx-tls: no connection to the MX hosts, one SKIP line saying so", async () => {
    const before = smtp.sessions.length;
    const { code, out } = await run("check", "example.test", ...lab(), "--skip-mx-tls");
    expect(code).toBe(0);
    expect(smtp.sessions.length).toBe(before);
    expect(out).toMatch(/^SKIP mx-starttls +not checked: the MX hosts were not connected to \(--skip-mx-tls\)$/m);
    expect(out).not.toMatch(/mx-certificate/);
  });

  test("an MX host that is not reachable from here is a WARN, not a failure: exit 0", async () => {
    const closed = smtp.port;
    await smtp.close();
    try {
      const { code, out } = await run("check", "example.test", ...lab());
      expect(code).toBe(0);
      expect(out).toMatch(new RegExp(`^WARN mx-starttls +mx1\\.example\\.test: not reachable from here: mx1\\.example\\.test \\(127\\.0\\.0\\.1\\) port ${closed}: .*ECONNREFUSED.*; fix: run check where outbound port 25 is open`, "m"));
      expect(out).toMatch(/^OK: 0 failed, 1 warning\(s\)/m);
    } finally {
      smtp = await startSmtpServer({ certificates: { "mx1.example.test": ca.issue("mx1-again", ["mx1.example.test"]) } });
    }
  });

  test("an MX certificate that names another host fails an enforce domain: exit 1", async () => {
    const other = await startSmtpServer({ certificates: { "someone-else.test": ca.issue("someone-else", ["someone-else.test"]) } });
    const saved = smtp;
    smtp = other;
    try {
      const { code, out } = await run("check", "example.test", ...lab());
      expect(code).toBe(1);
      expect(out).toMatch(/^FAIL mx-certificate-name +mx1\.example\.test: the certificate does not name mx1\.example\.test \(subject CN=someone-else\.test; DNS:someone-else\.test\); senders enforcing the policy refuse this MX host, so mail to it bounces \(RFC 8461 §4\.2\); fix: issue a certificate whose subjectAltName includes DNS:mx1\.example\.test$/m);
    } finally {
      smtp = saved;
      await other.close();
    }
  });

  test("an uncovered MX in enforce exits 1; the finding line starts with FAIL and carries the fix", async () => {
    const { code, out } = await run("check", "grown.test", ...lab());
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL mx-coverage +MX host\(s\) mx2\.grown\.test match no mx pattern.*; fix: add mx2\.grown\.test/m);
    expect(out).toMatch(/^FAILED: 1 failed/m);
  });

  test("--json prints the report as JSON with the same verdict", async () => {
    const { code, out } = await run("check", "example.test", ...lab(), "--json");
    expect(code).toBe(0);
    const report = JSON.parse(out) as CheckReport;
    expect(report.ok).toBe(true);
    expect(report.live.policyId).toBe(rendered.policyId);
    expect(report.findings.find((f) => f.check === "policy-syntax")?.status).toBe("pass");
  });

  test("--expect with the config file that rendered the deployment passes the drift checks", async () => {
    const { code, out } = await run("check", "example.test", ...lab(), "--expect", configPath);
    expect(code).toBe(0);
    expect(out).toMatch(/^PASS expect-policy +the served policy is byte for byte/m);
    expect(out).toMatch(/^PASS expect-sts-record/m);
  });

  test("--expect for a config whose mx changed reports drift and exits 1", async () => {
    const changed = join(dir, "changed.yaml");
    writeFileSync(changed, configYaml.replace("mx: [mx1.example.test]", "mx: [mx1.example.test, mx2.example.test]"));
    const { code, out } = await run("check", "example.test", ...lab(), "--expect", changed);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL expect-policy +the served policy differs/m);
    expect(out).toMatch(/^FAIL expect-sts-record/m);
  });

  test("--expect with a file that does not list the domain exits 2", async () => {
    const { code, err } = await run("check", "other.test", ...lab(), "--expect", configPath);
    expect(code).toBe(2);
    expect(err).toMatch(/has no domain other\.test \(it has example\.test\)/);
  });

  test("no DNS answer at all exits 2: nothing could be checked", async () => {
    dns.mode = "drop";
    try {
      const { code, err, out } = await run("check", "example.test", ...lab(), "--timeout", "0.3");
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err).toMatch(/_mta-sts\.example\.test failed: ETIMEOUT/);
    } finally {
      dns.mode = "answer";
    }
  });

  test.each([
    [["check", "not a domain"], /domain "not a domain" contains white space/],
    [["check", "example.test", "--resolver", "dns.example:53"], /--resolver "dns\.example:53" is not an address/],
    [["check", "example.test", "--ca-file", "/nonexistent/ca.pem"], /--ca-file \/nonexistent\/ca\.pem: ENOENT/],
    [["check", "example.test", "--timeout", "soon"], /--timeout "soon"/],
  ])("bad usage %j exits 2 with a one-line reason", async (args, reason) => {
    const { code, err } = await run(...args);
    expect(code).toBe(2);
    expect(err).toMatch(reason);
  });

  test("an IDN domain argument is checked under its A-label", async () => {
    const { code, err } = await run("check", "bücher.test", ...lab(), "--expect", configPath);
    expect(code).toBe(2);
    expect(err).toMatch(/has no domain xn--bcher-kva\.test/);
  });
});

describe("mta-sts check on a domain that does not exist", () => {
  test("says the domain does not exist in DNS (NXDOMAIN), not \"publish records\", and exits 1", async () => {
    const { code, out } = await run("check", "nowhere.test", ...lab());
    expect(code).toBe(1);
    const lines = out.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^FAIL domain-exists +nowhere\.test: the domain does not exist in DNS \(NXDOMAIN\).*; fix: check the spelling of nowhere\.test/);
    expect(out).not.toMatch(/publish/);
    expect(lines.slice(2, -1).every((l) => l.startsWith("SKIP "))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^FAILED: 1 failed, 0 warning\(s\), 0 passed, 12 skipped$/);
  });

  test("--json carries the same verdict: ok false, the domain-exists finding", async () => {
    const { code, out } = await run("check", "nowhere.test", ...lab(), "--json");
    expect(code).toBe(1);
    const report = JSON.parse(out) as CheckReport;
    expect(report.ok).toBe(false);
    expect(report.findings[0]).toMatchObject({ check: "domain-exists", status: "fail" });
  });

  test("a domain that exists but publishes nothing is still told to publish the record", async () => {
    const { code, out } = await run("check", "bare.test", ...lab());
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL sts-record +_mta-sts\.bare\.test has no TXT record starting with "v=STSv1".*; fix: publish TXT _mta-sts\.bare\.test/m);
    expect(out).not.toMatch(/NXDOMAIN/);
  });
});

describe("mta-sts check --stack FILE: the stack the domain is deployed from", () => {
  test("with a domain, --stack is --expect: the drift checks run against it", async () => {
    const { code, out } = await run("check", "example.test", ...lab(), "--stack", configPath);
    expect(code).toBe(0);
    expect(out).toMatch(/^PASS expect-policy +the served policy is byte for byte/m);
  });

  test("--stack and --expect naming two files is a usage error", async () => {
    const { code, err } = await run("check", "example.test", ...lab(), "--stack", configPath, "--expect", join(dir, "other.yaml"));
    expect(code).toBe(2);
    expect(err).toMatch(/--stack .* and --expect .* name two files; give one/);
  });

  test("without a domain it is the fleet check: every domain of the stack, one table line each, exit 0 when all pass", async () => {
    const { code, out } = await run("check", ...lab(), "--stack", configPath);
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe(`mta-sts check --stack ${configPath}: 1 domain(s), 0 failed, 0 with warnings`);
    expect(lines[1]).toMatch(/^PASS example\.test +0 failed +0 warning\(s\)$/);
    expect(lines[lines.length - 1]).toBe("OK: 0 of 1 domain(s) failed, 0 with warnings");
  });

  test("--concurrency, --domain-timeout and --prometheus belong to the fleet check: refused with a domain", async () => {
    const { code, err } = await run("check", "example.test", ...lab(), "--concurrency", "4");
    expect(code).toBe(2);
    expect(err).toMatch(/--concurrency is for checking every domain of a stack \(--stack <file> without a domain\); leave it out when checking example\.test/);
  });
});

describe("mta-sts check --timeout bounds every DNS question", () => {
  // A server that receives every question and never answers. Before, each question took its
  // per-try timeout doubled at the retry (1 + 2 s for --timeout 1, and more), so this took
  // 3.9 s; the jest timeout (2.5 s) is well above the limit of 1 s and below that: not a timed
  // assert, a test that fails by timing out.
  test(
    "--timeout 1 against a server that drops every question: exit 2 with ETIMEOUT within the limit",
    async () => {
      dns.mode = "drop";
      try {
        const { code, err } = await run("check", "example.test", "--resolver", dns.address, "--ca-file", ca.caPath, "--timeout", "1");
        expect(code).toBe(2);
        expect(err).toMatch(/_mta-sts\.example\.test failed: ETIMEOUT .*the DNS gave no answer/);
      } finally {
        dns.mode = "answer";
      }
    },
    2500,
  );

  test.each([
    ["1e-9", /--timeout "1e-9" is too short: the minimum is 0\.1 s/],
    ["0", /--timeout "0" is too short: the minimum is 0\.1 s, and there is no "no limit"/],
    ["-5", /too short/],
    ["61", /--timeout "61" is too long: the maximum is 60 s/],
    ["", /--timeout "" is not a number of seconds; give 0\.1 to 60 seconds/],
  ])("--timeout %j is a usage error saying the range", async (value, reason) => {
    const { code, err } = await run("check", "example.test", ...lab().slice(0, 4), "--timeout", value);
    expect(code).toBe(2);
    expect(err).toMatch(reason);
  });

  test("--timeout 0.1, the minimum, is accepted", async () => {
    const { code } = await run("check", "example.test", ...lab().slice(0, 4), "--timeout", "0.1");
    expect([0, 1, 2]).toContain(code);
  });
});

describe("mta-sts check --ca-file: a file that holds no certificate is refused", () => {
  test.each([
    ["garbage between the PEM markers", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n", /^no certificate in --ca-file .*: block 1 \(line 1\) between the PEM markers is not a certificate/],
    ["no PEM block at all", "just some text\n", /^no certificate in --ca-file .*: it has no "-----BEGIN CERTIFICATE-----" block/],
    ["a BEGIN without an END", "-----BEGIN CERTIFICATE-----\nMIIB\n", /^no certificate in --ca-file .*: block 1 \(line 1\) has no "-----END CERTIFICATE-----" line/],
  ])("%s: exit 2 before anything is checked", async (_what, content, reason) => {
    const file = join(dir, `ca-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(file, content);
    const asked = dns.queries.length;
    const { code, out, err } = await run("check", "example.test", "--resolver", dns.address, "--ca-file", file);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(reason);
    expect(dns.queries.length).toBe(asked);
  });

  test("a good certificate followed by a broken one names the broken block", async () => {
    const { readFileSync } = await import("node:fs");
    const file = join(dir, "ca-half.pem");
    writeFileSync(file, readFileSync(ca.caPath, "latin1") + "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "latin1");
    const { code, err } = await run("check", "example.test", "--resolver", dns.address, "--ca-file", file);
    expect(code).toBe(2);
    expect(err).toMatch(/^--ca-file .*ca-half\.pem: block 2 \(line \d+\) between the PEM markers is not a certificate/);
  });
});
