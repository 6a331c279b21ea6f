/**
 * RFC 8461 §4.1: MX matching (`mxMatches`), as senders and other implementations' test suites read
 * it; and, §4.1, §5: whether a policy's mx patterns cover a domain's live MX hosts is decided once
 * (`mxCoverage` in model/mx-match.ts), and read in two places: the deploy-time guard (an error
 * stops `pulumi up` in enforce) and `mta-sts check` (a failing finding). The table runs each case
 * through the model, the guard and the check (with in-memory DNS and HTTPS), and fails if the
 * guard and the check part ways: error is fail, warning is warn, ok is pass, with the same hosts.
 */
import type { DnsLookup } from "../../../components/check/dns-lookup";
import type { PolicyFetcher } from "../../../components/check/fetch-policy";
import { runCheck } from "../../../components/check/run-check";
import { checkMxCoverage } from "../../../components/guard/mx-guard";
import { mxCoverage, MxCoverageResult, mxMatches, PolicyMode, uncoveredMxHosts } from "../../../components/model";

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

describe("RFC 8461 §4.1: mxMatches", () => {
  it.each([
    ["mail.example.com", "mail.example.com", true],
    ["mail.example.com", "MAIL.Example.Com", true],
    ["mail.example.com", "mail.example.com.", true],
    ["mail.example.com", "mail2.example.com", false],
    ["mail.example.com", "x.mail.example.com", false],
    ["*.example.com", "mx1.example.com", true],
    ["*.example.com", "MX1.EXAMPLE.COM.", true],
    ["*.EXAMPLE.com", "mx1.example.com", true],
    ["*.example.com", "example.com", false],
    ["*.example.com", "a.b.example.com", false],
    ["*.example.com", "aexample.com", false],
    ["*.example.com", "mx1.example.net", false],
    ["*.bücher.example", "mx.xn--bcher-kva.example", true],
    ["*.xn--bcher-kva.example", "mx.bücher.example", true],
    ["mx.bücher.example", "MX.XN--BCHER-KVA.EXAMPLE", true],
  ])("pattern %j against host %j → %s", (pattern, host, expected) => {
    expect(mxMatches(pattern, host)).toBe(expected);
  });

  it.each([
    ["*", "mx.example.com"],
    ["mx*.example.com", "mx1.example.com"],
    ["1.2.3.4", "1.2.3.4"],
    ["*.example.com", "*.example.com"],
    ["mail.example.com", ""],
  ])("invalid input never matches: %j vs %j", (pattern, host) => {
    expect(mxMatches(pattern, host)).toBe(false);
  });

  it("matches what RFC 8461 §4.1 matches, even what our own config refuses: *.com covers foo.com, a single label itself", () => {
    expect(mxMatches("*.com", "foo.com")).toBe(true);
    expect(mxMatches("mx", "MX")).toBe(true);
    expect(mxMatches("*.com", "a.foo.com")).toBe(false);
  });

  it("uncoveredMxHosts lists the hosts that no pattern admits", () => {
    expect(uncoveredMxHosts(["*.example.com"], ["mx1.example.com", "example.com", "a.b.example.com"])).toEqual(["example.com", "a.b.example.com"]);
  });
});

/**
 * Other implementations' matcher tables, as a sender reads a live policy. Each case is
 * [host, pattern, matches], in their order.
 * - chasquid (github.com/albertito/chasquid), internal/sts/sts_test.go, TestMatchDomain;
 * - KumoMTA (github.com/KumoCorp/kumomta), crates/mta-sts/src/policy.rs, test name_matching.
 */
describe("RFC 8461 §4.1: the cases of other MTA-STS implementations' matcher tests", () => {
  const chasquid: [string, string, boolean][] = [
    ["lalala", "lalala", true],
    ["a.b.", "a.b", true],
    ["a.b", "a.b.", true],
    ["abc.com", "*.com", true],
    ["abc.com", "abc.*.com", false],
    ["abc.com", "x.abc.com", false],
    ["x.abc.com", "*.*.com", false],
    ["abc.def.com", "abc.*.com", false],
    ["ñaca.com", "ñaca.com", true],
    ["Ñaca.com", "ñaca.com", true],
    ["ñaca.com", "Ñaca.com", true],
    ["x.ñaca.com", "x.xn--aca-6ma.com", true],
    ["x.naca.com", "x.xn--aca-6ma.com", false],
    // The RFC's own examples.
    ["mail.example.com", "*.example.com", true],
    ["example.com", "*.example.com", false],
    ["foo.bar.example.com", "*.example.com", false],
    // A pattern missing its "*" (invalid, seen in the wild).
    ["aa.b.cc.com", ".aa.b.cc.com", false],
    ["zz.aa.b.cc.com", ".aa.b.cc.com", false],
    ["zz.aa.b.cc.com", "*.aa.b.cc.com", true],
  ];
  const kumomta: [string, string, boolean][] = [
    ["foo.com", "foo.com", true],
    ["foo.com.", "foo.com", true],
    ["bar.com", "foo.com", false],
    ["foo.com", "*.com", true],
    ["mx.example.com", "*.example.com", true],
    ["not.mx.example.com", "*.example.com", false],
    ["example.com", "*.example.com", false],
  ];

  it.each(chasquid)("chasquid: host %j, pattern %j → %s", (host, pattern, expected) => {
    expect(mxMatches(pattern, host)).toBe(expected);
  });

  it("chasquid: a host whose IDNA conversion fails (65536 letters and U+FF00) matches nothing", () => {
    expect(mxMatches("x.com", "x".repeat(65536) + "\uff00")).toBe(false);
  });

  it.each(kumomta)("KumoMTA: host %j, pattern %j → %s", (host, pattern, expected) => {
    expect(mxMatches(pattern, host)).toBe(expected);
  });
});
