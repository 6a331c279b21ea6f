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
      message: `the certificate is not trusted: ${CHAIN_REASONS[code] ?? "verification failed"} (${code}); senders must refuse the policy (RFC 8461 §3.3)`,
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

  const days = daysUntil(cert.validTo, now);
  const until = cert.validTo.toISOString();
  if (now.getTime() < cert.validFrom.getTime()) {
    findings.push({ check: "certificate-expiry", status: "fail", message: `the certificate is not valid before ${cert.validFrom.toISOString()}; senders refuse it until then (RFC 8461 §3.3)`, fix: "check the server clock and the certificate's notBefore" });
  } else if (now.getTime() > cert.validTo.getTime()) {
    findings.push({ check: "certificate-expiry", status: "fail", message: `the certificate expired on ${until}; senders refuse the policy and, once their cached copy's max_age runs out, lose it (RFC 8461 §3.3)`, fix: renew });
  } else if (days < CERT_FAIL_DAYS) {
    findings.push({ check: "certificate-expiry", status: "fail", message: `the certificate expires in ${days} day(s), on ${until} (under ${CERT_FAIL_DAYS} days)`, fix: `${renew} now; automate renewal` });
  } else if (days < CERT_WARN_DAYS) {
    findings.push({ check: "certificate-expiry", status: "warn", message: `the certificate expires in ${days} days, on ${until} (under ${CERT_WARN_DAYS} days)`, fix: `renew the certificate of ${host} soon; check that automatic renewal works` });
  } else {
    findings.push({ check: "certificate-expiry", status: "pass", message: `the certificate is valid for ${days} more days, until ${until}` });
  }
  return findings;
}
