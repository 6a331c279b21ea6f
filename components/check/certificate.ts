/**
 * Judging the policy host's certificate as RFC 8461 §3.3 asks: a sender must refuse a policy
 * whose certificate is not valid for `mta-sts.<domain>` or does not chain to a trusted root
 * (RFC 6125). Beyond what a sender does, we warn before it expires: an expired certificate stops
 * mail from every security-conscious sender once their cached policy runs out.
 */
import type { CheckFinding } from "./findings";
import type { ServedCertificate } from "./fetch-policy";

/** Fewer days than this left: warn. */
export const CERT_WARN_DAYS = 21;
/** Fewer days than this left: fail. */
export const CERT_FAIL_DAYS = 7;

const DAY_MS = 86_400_000;

/** Readable reasons for OpenSSL's verification codes that deployments actually hit. */
const CHAIN_REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: "a certificate in the chain has expired",
  CERT_NOT_YET_VALID: "a certificate in the chain is not valid yet",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the certificate is self-signed",
  SELF_SIGNED_CERT_IN_CHAIN: "the chain ends in a self-signed certificate that is not trusted",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the issuer is unknown (intermediate certificate missing, or an untrusted authority)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the issuer is unknown (intermediate certificate missing, or an untrusted authority)",
  UNABLE_TO_GET_ISSUER_CERT: "the issuer certificate could not be found",
  CERT_REVOKED: "the certificate is revoked",
  CERT_SIGNATURE_FAILURE: "a signature in the chain is invalid",
};

/** Whole days from `now` until `validTo` (negative once expired). */
export function daysUntil(validTo: Date, now: Date): number {
  return Math.floor((validTo.getTime() - now.getTime()) / DAY_MS);
}

/**
 * Where a certificate's validity stands at `now`, by the thresholds above: the one reading of
 * them, for the policy host's certificate and the MX hosts' alike.
 * - `not-yet-valid`, `expired`, `under-fail` (fewer than CERT_FAIL_DAYS left): a failure;
 * - `under-warn` (fewer than CERT_WARN_DAYS left): a warning;
 * - `ok`.
 */
export type ExpiryBand = "not-yet-valid" | "expired" | "under-fail" | "under-warn" | "ok";

export function expiryBand(validity: { readonly validFrom: Date; readonly validTo: Date }, now: Date): { band: ExpiryBand; days: number } {
  const days = daysUntil(validity.validTo, now);
  if (now.getTime() < validity.validFrom.getTime()) return { band: "not-yet-valid", days };
  if (now.getTime() > validity.validTo.getTime()) return { band: "expired", days };
  if (days < CERT_FAIL_DAYS) return { band: "under-fail", days };
  if (days < CERT_WARN_DAYS) return { band: "under-warn", days };
  return { band: "ok", days };
}

/** A readable reason for OpenSSL's verification code (`CERT_HAS_EXPIRED` → "a certificate in the chain has expired"). */
export function chainReason(code: string): string {
  return CHAIN_REASONS[code] ?? "verification failed";
}

/** The three certificate findings: `certificate-chain`, `certificate-name`, `certificate-expiry`. */
export function judgeCertificate(cert: ServedCertificate, host: string, now: Date): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const renew = `renew or replace the certificate of ${host} with one from a public CA that names ${host}, and serve the full chain`;

  if (cert.chainTrusted) {
    findings.push({ check: "certificate-chain", status: "pass", message: `the certificate chains to a trusted authority (issuer ${cert.issuer})` });
  } else {
    const code = cert.chainError ?? "UNKNOWN";
    findings.push({
      check: "certificate-chain",
      status: "fail",
      message: `the certificate is not trusted: ${chainReason(code)} (${code}); senders must refuse the policy (RFC 8461 §3.3)`,
      fix: renew,
    });
  }

  if (cert.matchesHost) {
    findings.push({ check: "certificate-name", status: "pass", message: `the certificate is valid for ${host}` });
  } else {
    findings.push({
      check: "certificate-name",
      status: "fail",
      message: `the certificate does not name ${host} (subject ${cert.subject}; ${cert.subjectAltName ?? "no subjectAltName"}); senders must refuse the policy (RFC 8461 §3.3, RFC 6125)`,
      fix: `issue a certificate whose subjectAltName includes DNS:${host}`,
    });
  }

  const { band, days } = expiryBand(cert, now);
  const until = cert.validTo.toISOString();
  if (band === "not-yet-valid") {
    findings.push({ check: "certificate-expiry", status: "fail", message: `the certificate is not valid before ${cert.validFrom.toISOString()}; senders refuse it until then (RFC 8461 §3.3)`, fix: "check the server clock and the certificate's notBefore" });
  } else if (band === "expired") {
    findings.push({ check: "certificate-expiry", status: "fail", message: `the certificate expired on ${until}; senders refuse the policy and, once their cached copy's max_age runs out, lose it (RFC 8461 §3.3)`, fix: renew });
  } else if (band === "under-fail") {
    findings.push({ check: "certificate-expiry", status: "fail", message: `the certificate expires in ${days} day(s), on ${until} (under ${CERT_FAIL_DAYS} days)`, fix: `${renew} now; automate renewal` });
  } else if (band === "under-warn") {
    findings.push({ check: "certificate-expiry", status: "warn", message: `the certificate expires in ${days} days, on ${until} (under ${CERT_WARN_DAYS} days)`, fix: `renew the certificate of ${host} soon; check that automatic renewal works` });
  } else {
    findings.push({ check: "certificate-expiry", status: "pass", message: `the certificate is valid for ${days} more days, until ${until}` });
  }
  return findings;
}
