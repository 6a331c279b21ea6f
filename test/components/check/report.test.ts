/** The human report of `mta-sts check` (components/check/report.ts). */
import { formatReport } from "../../../components/check/report";
import { summarise, CheckFinding } from "../../../components/check/findings";

const now = new Date("2026-06-01T12:00:00Z");

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
