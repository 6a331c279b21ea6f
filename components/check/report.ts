/**
 * The report of `mta-sts check` for people: one line per finding, status first, then the reason
 * and the fix. Findings quote what the domain publishes (TXT records, policy lines), which a
 * hostile domain can fill with terminal control sequences, so every line is escaped
 * (`terminal-text.ts`): no record can erase the FAIL line or print a verdict of its own.
 * Machines get the `CheckReport` itself as JSON (`--json`).
 */
import { terminalLines } from "../terminal-text";
import type { CheckFinding, CheckReport } from "./findings";

const LABEL = { pass: "PASS", warn: "WARN", fail: "FAIL", skip: "SKIP" } as const;

/** One finding as a report line (not yet escaped): status, the check padded to `width`, the message, the fix. */
export function findingLine(f: CheckFinding, width: number): string {
  const fix = f.fix && (f.status === "fail" || f.status === "warn") ? `; fix: ${f.fix}` : "";
  return `${LABEL[f.status]} ${f.check.padEnd(width)}  ${f.message}${fix}`;
}

/** `FAIL policy-http-status: HTTP 301 redirect ...; fix: serve the policy ...`, one line each. */
export function formatReport(report: CheckReport): string {
  const lines = [`mta-sts check ${report.domain} (${report.policyUrl})`];
  const width = Math.max(...report.findings.map((f) => f.check.length));
  for (const f of report.findings) lines.push(findingLine(f, width));
  const { pass, warn, fail, skip } = report.summary;
  lines.push(`${report.ok ? "OK" : "FAILED"}: ${fail} failed, ${warn} warning(s), ${pass} passed, ${skip} skipped`);
  return terminalLines(lines);
}
