/**
 * What `mta-sts check` reports: one finding per check, each with a status, the reason and the fix.
 *
 * - `pass`: what a sender needs is there;
 * - `warn`: senders accept it, but it is risky (certificate expiring within 21 days, no TLS-RPT,
 *   an MX only covered in testing mode...);
 * - `fail`: a sender following RFC 8461 / RFC 8460 refuses it, mail would bounce, or the live
 *   deployment differs from the config (`--expect`);
 * - `skip`: could not be checked because an earlier check failed (the reason says which).
 */
import type { MxHostLive } from "./mx-tls";

export type CheckStatus = "pass" | "warn" | "fail" | "skip";

/** One line of the report: `FAIL policy-http-status: HTTP 301 ... Fix: ...`. */
export interface CheckFinding {
  /** Stable identifier of the check, e.g. `certificate-expiry` (documented in the README). */
  readonly check: string;
  readonly status: CheckStatus;
  /** The MX host a per-host finding (`mx-*`) is about. */
  readonly host?: string;
  /** What was found and why it matters, with the RFC section. */
  readonly message: string;
  /** What to change, when the status is warn or fail. */
  readonly fix?: string;
}

/** The policy as a sender read it, when it could be read. */
export interface LivePolicy {
  readonly mode: string;
  readonly mx: readonly string[];
  readonly maxAge: number;
}

export interface CheckReport {
  /** The mail domain as an A-label. */
  readonly domain: string;
  readonly policyUrl: string;
  /** ISO time the check ran. */
  readonly checkedAt: string;
  readonly findings: readonly CheckFinding[];
  readonly summary: { readonly pass: number; readonly warn: number; readonly fail: number; readonly skip: number };
  /** True when no finding failed. */
  readonly ok: boolean;
  /** What the sender-side view found (for `--json` consumers and monitoring). */
  readonly live: {
    readonly stsRecords: readonly string[];
    readonly policyId?: string;
    readonly tlsRptRecords: readonly string[];
    readonly mxHosts: readonly string[];
    readonly policyHostAddresses: readonly string[];
    readonly policy?: LivePolicy;
    readonly certificateValidTo?: string;
    readonly daysUntilCertificateExpiry?: number;
    /** Each MX host connected to (STARTTLS on port 25), unless the MX checks were skipped. */
    readonly mxTls?: readonly MxHostLive[];
  };
}

export function summarise(findings: readonly CheckFinding[]): CheckReport["summary"] {
  const count = (status: CheckStatus) => findings.filter((f) => f.status === status).length;
  return { pass: count("pass"), warn: count("warn"), fail: count("fail"), skip: count("skip") };
}
