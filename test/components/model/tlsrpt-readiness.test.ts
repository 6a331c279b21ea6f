/** The counting rules and the readiness verdict (RFC 8460 reports, RFC 8461 modes). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { aggregateReports, TlsRptAggregator } from "../../../components/model/tlsrpt-readiness";
import { parseTlsRptReportJson, TlsRptReport } from "../../../components/model/tlsrpt-report";

const fixture = (name: string): TlsRptReport => {
  const r = parseTlsRptReportJson(readFileSync(join(__dirname, "..", "..", "fixtures/reports", name), "utf8"));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

/** A clean sts report for example.com on a day from one organization. */
function clean(org: string, day: string, opts: { successful?: number; failed?: number; mx?: string[]; type?: string; domain?: string; details?: object[] } = {}): TlsRptReport {
  const doc = {
    "organization-name": org,
    "report-id": `${org}-${day}-${opts.type ?? "sts"}-${(opts.mx ?? []).join(",")}`,
    "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
    policies: [
      {
        policy: {
          "policy-type": opts.type ?? "sts",
          "policy-domain": opts.domain ?? "example.com",
          ...(opts.mx ? { "policy-string": ["version: STSv1", "mode: testing", ...opts.mx.map((m) => `mx: ${m}`), "max_age: 604800"] } : {}),
        },
        summary: { "total-successful-session-count": opts.successful ?? 100, "total-failure-session-count": opts.failed ?? 0 },
        ...(opts.details ? { "failure-details": opts.details } : {}),
      },
    ],
  };
  const r = parseTlsRptReportJson(JSON.stringify(doc));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const days = (n: number, from = "2026-01-01"): string[] =>
  Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86400000).toISOString().slice(0, 10));

const twoWeeksTwoReporters = (): TlsRptReport[] => days(14).flatMap((d) => [clean("Google Inc.", d), clean("Microsoft Corporation", d)]);

describe("counting rules", () => {
  test("a report counts once per (organization-name, report-id); copies are counted as duplicates", () => {
    const r = fixture("rfc8460-example.json");
    const result = aggregateReports([r, r, { report: r, authenticated: true }]);
    expect(result.reports).toBe(1);
    expect(result.duplicates).toBe(2);
    expect(result.domains[0].successfulSessions).toBe(5326);
  });

  test("sessions come from the summary, not from the details (Mail.ru's add up to more)", () => {
    const d = aggregateReports([fixture("mailru-fetch-errors.json")]).domains[0];
    expect(d.failedSessions).toBe(1);
    expect(d.failuresByResultType).toEqual({ "sts-policy-fetch-error": 2 });
  });

  test("several blocks for one domain in one report are the same sessions: the largest is taken, not the sum (Microsoft tlsa + sts)", () => {
    const d = aggregateReports([fixture("microsoft-tlsa-sts.json")]).domains[0];
    expect(d.successfulSessions).toBe(4);
    expect(d.policyTypes).toEqual(["sts", "tlsa"]);
    expect(d.evidence.days).toBe(1);
  });

  test("failuresByResultType sums failed-session-count by result-type; failures name MX, reporter and day", () => {
    const d = aggregateReports([fixture("rfc8460-example.json")]).domains[0];
    expect(d.failuresByResultType).toEqual({ "certificate-expired": 100, "starttls-not-supported": 200, "validation-failure": 3 });
    expect(d.failures).toContainEqual({ resultType: "certificate-expired", sessions: 100, receivingMx: "mx1.mail.company-y.example", reporter: "Company-X", day: "2016-04-01", currentPolicy: true });
  });

  test("a day is the UTC date of start-datetime, whether the range ends at 23:59:59Z or 00:00:00Z next day", () => {
    const d = aggregateReports([fixture("mailru-fetch-errors.json")]).domains[0];
    expect([d.firstDay, d.lastDay, d.days]).toEqual(["2024-02-22", "2024-02-22", 1]);
  });

  test("incremental aggregation gives the same result as aggregating all at once", () => {
    const reports = [...twoWeeksTwoReporters(), fixture("rfc8460-example.json"), fixture("mailru-fetch-errors.json")];
    const agg = new TlsRptAggregator({});
    for (const r of reports) agg.add({ report: r });
    expect(agg.result()).toEqual(aggregateReports(reports));
  });

  test("--since leaves out reports from earlier days", () => {
    const result = aggregateReports([clean("A", "2026-01-01", { failed: 5 }), clean("A", "2026-02-01")], { since: "2026-01-15" });
    expect(result.reports).toBe(1);
    expect(result.outsideWindow).toBe(1);
    expect(result.domains[0].failedSessions).toBe(0);
  });
});

describe("the verdict", () => {
  test("ready: 14 days of sts reports from 2 organizations with no failure", () => {
    const d = aggregateReports(twoWeeksTwoReporters()).domains[0];
    expect(d.readiness).toEqual({ verdict: "ready", reasons: [] });
  });

  test("not-ready on any failed session; the reason names the type, count, MX, reporter, day and the fix", () => {
    const d = aggregateReports([...twoWeeksTwoReporters(), fixture("google-sts-failure.json")]).domains[0];
    expect(d.readiness.verdict).toBe("not-ready");
    const reason = d.readiness.reasons.find((r) => r.code === "failures")!;
    expect(reason).toMatchObject({ resultType: "certificate-host-mismatch", sessions: 1 });
    expect(reason.message).toMatch(/certificate-host-mismatch: 1 failed session to demo\.example\.com, reported by Google Inc\. on 2020-01-01; the MX certificate or the policy's mx list is wrong/);
  });

  test.each([
    ["certificate-expired", /renew the MX's certificate/],
    ["starttls-not-supported", /does not offer STARTTLS/],
    ["sts-policy-fetch-error", /policy host/],
    ["sts-webpki-invalid", /policy host/],
    ["sts-policy-invalid", /mta-sts lint/],
  ])("the fix for %s", (resultType, fix) => {
    const d = aggregateReports([clean("A", "2026-01-01", { failed: 1, details: [{ "result-type": resultType, "failed-session-count": 1 }] })]).domains[0];
    expect(d.readiness.reasons.find((r) => r.resultType === resultType)!.message).toMatch(fix);
  });

  test("--max-failure-rate tolerates a fraction of the sessions", () => {
    const reports = [...twoWeeksTwoReporters(), clean("Google Inc.", "2026-01-20", { successful: 999, failed: 1, details: [{ "result-type": "certificate-expired", "failed-session-count": 1 }] })];
    expect(aggregateReports(reports).domains[0].readiness.verdict).toBe("not-ready");
    const tolerant = aggregateReports(reports, { maxFailureRate: 0.001 }).domains[0].readiness;
    expect(tolerant.verdict).toBe("ready");
    expect(tolerant.reasons.map((r) => r.code)).toEqual(["failures-within-tolerance"]);
    expect(aggregateReports(reports, { maxFailureRate: 0.0001 }).domains[0].readiness.verdict).toBe("not-ready");
  });

  test("insufficient-evidence with fewer than --min-days days, saying how many are missing", () => {
    const d = aggregateReports(twoWeeksTwoReporters().slice(0, 20)).domains[0];
    expect(d.readiness.verdict).toBe("insufficient-evidence");
    expect(d.readiness.reasons).toEqual([expect.objectContaining({ code: "too-few-days", message: expect.stringMatching(/10 days .* needs 14 \(wait 4 more\)/) })]);
    expect(aggregateReports(twoWeeksTwoReporters().slice(0, 20), { minDays: 10 }).domains[0].readiness.verdict).toBe("ready");
  });

  test("insufficient-evidence with fewer than --min-reporters organizations", () => {
    const d = aggregateReports(days(14).map((x) => clean("Google Inc.", x))).domains[0];
    expect(d.readiness.reasons.map((r) => r.code)).toEqual(["too-few-reporters"]);
    expect(aggregateReports(days(14).map((x) => clean("Google Inc.", x)), { minReporters: 1 }).domains[0].readiness.verdict).toBe("ready");
  });

  test("insufficient-evidence when every report says no-policy-found", () => {
    const reports = days(14).flatMap((x) => [clean("Google Inc.", x, { type: "no-policy-found" }), clean("Microsoft Corporation", x, { type: "no-policy-found" })]);
    const d = aggregateReports(reports).domains[0];
    expect(d.readiness.verdict).toBe("insufficient-evidence");
    expect(d.readiness.reasons.map((r) => r.code)).toContain("only-no-policy-found");
  });

  test("--require-authenticated counts only authenticated reports toward ready, but every report's failures", () => {
    const evidence = twoWeeksTwoReporters().map((report) => ({ report, authenticated: false }));
    expect(aggregateReports(evidence).domains[0].readiness.verdict).toBe("ready");
    const strict = aggregateReports(evidence, { requireAuthenticated: true }).domains[0].readiness;
    expect(strict.verdict).toBe("insufficient-evidence");
    expect(strict.reasons.map((r) => r.code)).toEqual(["too-few-days", "too-few-reporters", "unauthenticated"]);
    const forgedFailure = { report: clean("Forger", "2026-01-02", { failed: 3 }), authenticated: false };
    expect(aggregateReports([...evidence.map((e) => ({ ...e, authenticated: true })), forgedFailure], { requireAuthenticated: true }).domains[0].readiness.verdict).toBe("not-ready");
  });
});

test("--require-authenticated counts reporters by DKIM signer: one signer posing as two organizations is one reporter", () => {
  const posing = days(14).flatMap((x) => [clean("Google Inc.", x), clean("Microsoft Corporation", x)]).map((report) => ({ report, authenticated: true, signer: "evil.example" }));
  const d = aggregateReports(posing, { requireAuthenticated: true }).domains[0];
  expect(d.readiness.reasons.map((r) => r.code)).toEqual(["too-few-reporters"]);
  expect(d.evidence.reporters).toEqual(["evil.example"]);
});

describe("with the stack config", () => {
  const configured = [
    { domain: "example.com", mode: "testing" as const, mx: ["mx1.example.com", "mx2.example.com"] },
    { domain: "quiet.example", mode: "testing" as const, mx: ["mx.quiet.example"] },
  ];

  test("every configured domain gets a verdict, including one with no reports, and carries its mode", () => {
    const result = aggregateReports(twoWeeksTwoReporters(), { configured });
    expect(result.domains.map((d) => [d.domain, d.mode, d.readiness.verdict])).toEqual([
      ["example.com", "testing", "ready"],
      ["quiet.example", "testing", "insufficient-evidence"],
    ]);
    expect(result.domains[1].readiness.reasons[0].code).toBe("no-reports");
  });

  test("reports for another mx set are an older policy: they do not count toward ready, their failures do not decide", () => {
    const old = days(14).flatMap((x) => [
      clean("Google Inc.", x, { mx: ["mx.old.example"], failed: 2, details: [{ "result-type": "certificate-expired", "failed-session-count": 2, "receiving-mx-hostname": "mx.old.example" }] }),
      clean("Microsoft Corporation", x, { mx: ["mx.old.example"] }),
    ]);
    const d = aggregateReports(old, { configured }).domains[0];
    expect(d.readiness.verdict).toBe("insufficient-evidence");
    expect(d.readiness.reasons.map((r) => r.code)).toEqual(["too-few-days", "too-few-reporters", "older-policy"]);
    expect(d.failures.every((f) => !f.currentPolicy)).toBe(true);
    expect(d.failedSessions).toBe(28);
  });

  test("reports listing the current mx set in any order and case are evidence for it", () => {
    const current = days(14).flatMap((x) => [clean("Google Inc.", x, { mx: ["MX2.example.com", "mx1.example.com"] }), clean("Microsoft Corporation", x)]);
    expect(aggregateReports(current, { configured }).domains[0].readiness.verdict).toBe("ready");
  });

  test("an enforce domain with failures says first that mail is being refused", () => {
    const reasons = aggregateReports([fixture("google-sts-failure.json")], { configured: [{ domain: "example.com", mode: "enforce", mx: ["demo.example.com"] }] }).domains[0].readiness;
    expect(reasons.verdict).toBe("not-ready");
    expect(reasons.reasons[0].code).toBe("enforce-refusing-mail");
  });
});
