/**
 * The fleet check for people: a summary table, one line per domain, worst first (status, domain,
 * how many checks failed and warned, and which), then the findings of every failing domain (its
 * failures and warnings, one line each with the fix), then the verdict. Escaped like every
 * report (terminal-text.ts): findings quote what domains publish.
 */
import { terminalLines } from "../terminal-text";
import { FleetReport, worstFirst } from "./fleet";
import type { CheckReport } from "./findings";
import { findingLine } from "./report";

/** The checks that failed (else warned) in a report, each once, in report order. */
function culprits(report: CheckReport): string {
  const of = (status: "fail" | "warn") => [...new Set(report.findings.filter((f) => f.status === status).map((f) => f.check))];
  const failed = of("fail");
  return (failed.length > 0 ? failed : of("warn")).join(", ");
}

export function formatFleetReport(fleet: FleetReport, stackFile: string): string {
  const { domains, failed, warnings } = fleet.summary;
  const lines = [`mta-sts check --stack ${stackFile}: ${domains} domain(s), ${failed} failed, ${warnings} with warnings`];
  const ordered = worstFirst(fleet.domains);
  const width = Math.max(0, ...ordered.map((r) => r.domain.length));
  for (const r of ordered) {
    const status = !r.ok ? "FAIL" : r.summary.warn > 0 ? "WARN" : "PASS";
    const counts = `${String(r.summary.fail).padStart(2)} failed ${String(r.summary.warn).padStart(2)} warning(s)`;
    const which = culprits(r);
    lines.push(`${status} ${r.domain.padEnd(width)}  ${counts}${which ? `  ${which}` : ""}`);
  }
  for (const r of ordered.filter((x) => !x.ok)) {
    lines.push("", `${r.domain} (${r.policyUrl}):`);
    const shown = r.findings.filter((f) => f.status === "fail" || f.status === "warn");
    const w = Math.max(...shown.map((f) => f.check.length));
    for (const f of shown) lines.push(findingLine(f, w));
  }
  lines.push("", `${fleet.ok ? "OK" : "FAILED"}: ${failed} of ${domains} domain(s) failed, ${warnings} with warnings`);
  return terminalLines(lines);
}
