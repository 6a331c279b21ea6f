/**
 * The report of `mta-sts check` for people (one line per finding, status first, then the reason
 * and the fix) and for machines (`--json`: the `CheckReport` as is).
 */
import type { CheckReport } from "./findings";

const LABEL = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" } as const;

/** `FAIL policy-http-status: HTTP 301 redirect ...; fix: serve the policy ...`, one line each. */
export function formatReport(report: CheckReport): string {
  const lines = [`mta-sts check ${report.domain} (${report.policyUrl})`];
  const width = Math.max(...report.findings.map((f) => f.check.length));
  for (const f of report.findings) {
    const fix = f.fix && (f.status === "fail" || f.status === "warn") ? `; fix: ${f.fix}` : "";
    lines.push(`${LABEL[f.status]} ${f.check.padEnd(width)}  ${f.message}${fix}`);
  }
  const { pass, warn, fail, skip } = report.summary;
  lines.push(`${report.ok ? "OK" : "FAILED"}: ${fail} failed, ${warn} warning(s), ${pass} passed, ${skip} skipped`);
  return lines.join("\n") + "\n";
}

export function formatReportJson(report: CheckReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}
