/**
 * The fleet check as a textfile for node_exporter's textfile collector (the Prometheus text
 * exposition format, version 0.0.4): one gauge per metric, one sample per domain, each labelled
 * `domain` (an A-label, so never more than letters, digits, hyphens and dots; escaped anyway).
 *
 * | metric | value |
 * |---|---|
 * | `mta_sts_check_ok` | 1 when no check of the domain failed (warnings allowed), else 0 |
 * | `mta_sts_policy_drift` | 1 when the served policy or its `_mta-sts` id is not what the stack config renders (`expect-policy`, `expect-sts-record`) |
 * | `mta_sts_certificate_expiry_seconds` | the Unix time of the policy host certificate's notAfter, like blackbox_exporter's `probe_ssl_earliest_cert_expiry`: alert on `... - time() < 14 * 86400` |
 * | `mta_sts_mx_uncovered` | live MX hosts no pattern of the live policy admits, when `mx-coverage` did not pass |
 * | `mta_sts_checks_failed` | the number of failed checks |
 *
 * A domain whose check could not run (no DNS answer, the time limit) has only `check_ok` (0) and
 * `checks_failed`: drift, expiry and coverage were not seen, and an absent sample says so where
 * a 0 would claim all is well.
 */
import { uncoveredMxHosts } from "../model/mx-match";
import type { FleetReport } from "./fleet";
import type { CheckReport } from "./findings";

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly value: (report: CheckReport) => number | undefined;
}

const ran = (r: CheckReport) => !r.findings.some((f) => f.check === "domain-dns" || f.check === "domain-timeout" || f.check === "check-error");
const failedCheck = (r: CheckReport, check: string) => r.findings.some((f) => f.check === check && f.status === "fail");

export const FLEET_METRICS: readonly Metric[] = [
  { name: "mta_sts_check_ok", help: "1 when no check of the domain failed (warnings allowed), else 0.", value: (r) => (r.ok ? 1 : 0) },
  {
    name: "mta_sts_policy_drift",
    help: "1 when the served policy or its _mta-sts id differ from what the stack config renders, else 0.",
    value: (r) => (ran(r) ? (failedCheck(r, "expect-policy") || failedCheck(r, "expect-sts-record") ? 1 : 0) : undefined),
  },
  {
    name: "mta_sts_certificate_expiry_seconds",
    help: "Unix time of the policy host certificate's notAfter (as probe_ssl_earliest_cert_expiry); subtract time() to alert.",
    value: (r) => (r.live.certificateValidTo ? Math.floor(Date.parse(r.live.certificateValidTo) / 1000) : undefined),
  },
  {
    name: "mta_sts_mx_uncovered",
    help: "Live MX hosts that no mx pattern of the live policy admits (RFC 8461 section 4.1).",
    value: (r) => {
      if (!ran(r)) return undefined;
      const coverage = r.findings.find((f) => f.check === "mx-coverage");
      if (!coverage || coverage.status === "pass" || coverage.status === "skip" || !r.live.policy) return 0;
      return uncoveredMxHosts(r.live.policy.mx, r.live.mxHosts.filter((h) => h !== "")).length;
    },
  },
  { name: "mta_sts_checks_failed", help: "The number of failed checks of the domain.", value: (r) => r.summary.fail },
];

/** `\`, `"` and line feeds escaped, as the exposition format asks of label values. */
function labelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** The textfile for `fleet`: HELP and TYPE, then one sample per domain, for each metric. */
export function formatPrometheus(fleet: FleetReport): string {
  const lines: string[] = [];
  for (const metric of FLEET_METRICS) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} gauge`);
    for (const report of fleet.domains) {
      const value = metric.value(report);
      if (value !== undefined) lines.push(`${metric.name}{domain="${labelValue(report.domain)}"} ${value}`);
    }
  }
  return lines.join("\n") + "\n";
}
