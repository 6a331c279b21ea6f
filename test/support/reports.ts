/** Generated TLS reports for tests: one sts block per report, in the shape real senders write. */
import { gzipSync } from "node:zlib";

export interface GeneratedReport {
  org?: string;
  day: string;
  domain?: string;
  successful?: number;
  failed?: number;
  mx?: string[];
  type?: string;
  reportId?: string;
  details?: { "result-type": string; "failed-session-count": number; "receiving-mx-hostname"?: string }[];
}

export function reportJson(r: GeneratedReport): string {
  const org = r.org ?? "Google Inc.";
  const domain = r.domain ?? "example.com";
  return JSON.stringify({
    "organization-name": org,
    "date-range": { "start-datetime": `${r.day}T00:00:00Z`, "end-datetime": `${r.day}T23:59:59Z` },
    "contact-info": "smtp-tls-reporting@reporter.example",
    "report-id": r.reportId ?? `${r.day}T00:00:00Z_${domain}_${org}`,
    policies: [
      {
        policy: {
          "policy-type": r.type ?? "sts",
          "policy-domain": domain,
          ...(r.mx ? { "policy-string": ["version: STSv1", "mode: testing", ...r.mx.map((m) => `mx: ${m}`), "max_age: 604800"], "mx-host": r.mx } : {}),
        },
        summary: { "total-successful-session-count": r.successful ?? 10, "total-failure-session-count": r.failed ?? 0 },
        ...(r.details ? { "failure-details": r.details } : {}),
      },
    ],
  });
}

export const reportGz = (r: GeneratedReport): Buffer => gzipSync(reportJson(r));

/** `n` consecutive UTC days from `from`. */
export function dayRange(n: number, from = "2026-03-01"): string[] {
  return Array.from({ length: n }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86400000).toISOString().slice(0, 10));
}
