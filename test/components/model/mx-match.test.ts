/**
 * RFC 8461 §4.1, §5: whether a policy's mx patterns cover a domain's live MX hosts is decided once
 * (`mxCoverage` in model/mx-match.ts), and read in two places: the deploy-time guard (an error
 * stops `pulumi up` in enforce) and `mta-sts check` (a failing finding). The table runs each case
 * through the model, the guard and the check (with in-memory DNS and HTTPS), and fails if the
 * guard and the check part ways: error is fail, warning is warn, ok is pass, with the same hosts.
 */
import type { DnsLookup } from "../../../components/check/dns-lookup";
import type { PolicyFetcher } from "../../../components/check/fetch-policy";
import { runCheck } from "../../../components/check/run-check";
import { checkMxCoverage } from "../../../components/guard/mx-guard";
import { mxCoverage, MxCoverageResult, PolicyMode } from "../../../components/model";

/** [mode, patterns, live MX hosts (in priority order), verdict, severity, uncovered] */
const TABLE: [PolicyMode, string[], string[], MxCoverageResult["verdict"], MxCoverageResult["severity"], string[]][] = [
  ["enforce", ["mx1.example.com"], ["mx1.example.com"], "covered", "ok", []],
  ["enforce", ["mx1.example.com", "*.mail.example.com"], ["MX1.Example.com.", "a.mail.example.com"], "covered", "ok", []],
  ["enforce", ["mx1.example.com"], ["mx1.example.com", "mx2.example.com"], "uncovered", "error", ["mx2.example.com"]],
  ["testing", ["mx1.example.com"], ["mx1.example.com", "mx2.example.com"], "uncovered", "warning", ["mx2.example.com"]],
  ["enforce", ["*.example.com"], ["a.b.example.com"], "uncovered", "error", ["a.b.example.com"]],
  ["enforce", ["*.example.com"], ["example.com"], "uncovered", "error", ["example.com"]],
  ["enforce", ["mx1.example.com"], ["mx2.example.com", "mx2.example.com."], "uncovered", "error", ["mx2.example.com"]],
  ["enforce", ["mx.xn--bcher-kva.example"], ["mx.xn--bcher-kva.example"], "covered", "ok", []],
  ["enforce", ["mx1.example.com"], [], "no-mx", "warning", []],
  ["testing", ["mx1.example.com"], [], "no-mx", "warning", []],
  ["enforce", ["mx1.example.com"], [""], "null-mx", "ok", []],
  ["none", [], ["mx9.example.com"], "not-restricted", "ok", []],
  // A live policy is read as senders read it (RFC 8461 §4.1), even where our own config refuses.
  ["enforce", ["*.com"], ["foo.com"], "covered", "ok", []],
  ["enforce", ["mx"], ["mx"], "covered", "ok", []],
  ["enforce", ["*.com"], ["a.foo.com"], "uncovered", "error", ["a.foo.com"]],
];

const STATUS = { ok: "pass", warning: "warn", error: "fail" } as const;

function policyText(mode: PolicyMode, mx: readonly string[]): string {
  return ["version: STSv1", `mode: ${mode}`, ...mx.map((m) => `mx: ${m}`), "max_age: 1209600"].map((l) => `${l}\r\n`).join("");
}

/** `mta-sts check example.com` against a deployment that serves `text` and has `mxHosts`. */
async function checkFinding(text: string, mxHosts: string[]) {
  const dns: DnsLookup = {
    txt: async (name) => (name === "_mta-sts.example.com" ? [["v=STSv1; id=abc123"]] : []),
    mx: async () => mxHosts.map((exchange, i) => ({ priority: 10 * (i + 1), exchange })),
    addresses: async () => ["192.0.2.1"],
    nameExists: async () => true,
  };
  const now = new Date("2025-01-01T00:00:00Z");
  const fetchPolicy: PolicyFetcher = async () => ({
    ok: true,
    tlsVersion: "TLSv1.3",
    certificate: { subject: "CN=mta-sts.example.com", issuer: "CN=test", validFrom: new Date("2024-01-01"), validTo: new Date("2026-01-01"), chainTrusted: true, matchesHost: true },
    status: 200,
    contentType: "text/plain",
    body: Buffer.from(text),
    tooLarge: false,
  });
  const report = await runCheck({ domain: "example.com", now }, { dns, fetchPolicy });
  const findings = report.findings.filter((f) => f.check === "mx-coverage");
  expect(findings).toHaveLength(1);
  return findings[0];
}

describe("the guard and the check judge MX coverage alike", () => {
  test.each(TABLE)("mode %s, mx %j, live %j: %s (%s)", async (mode, patterns, live, verdict, severity, uncovered) => {
    const model = mxCoverage(mode, patterns, live);
    expect(model).toMatchObject({ verdict, severity, uncovered });

    const guard = await checkMxCoverage({ domain: "example.com", mode, mx: patterns }, async () => live);
    expect(guard.level).toBe(severity);
    expect(guard.uncovered).toEqual(uncovered);

    const finding = await checkFinding(policyText(mode, patterns), live);
    expect(finding.status).toBe(STATUS[severity]);
    for (const host of uncovered) {
      expect(guard.message).toContain(host);
      expect(finding.message).toContain(host);
    }
  });
});

test("the live hosts are compared as lowercase names without the root dot, each once", () => {
  expect(mxCoverage("enforce", ["mx1.example.com"], ["MX1.example.com.", "mx1.example.com", "mx2.example.com"]).hosts).toEqual(["mx1.example.com", "mx2.example.com"]);
});
