/**
 * Everything a deployment publishes for one mail domain, computed once from its intent:
 * intent → policy bytes → id (hash of those bytes) → TXT records. Components, the CLI and the
 * policy pack all take these values from here and never re-derive them from the config.
 */
import { MailDomainIntent } from "./config";
import { policyId } from "./policy-id";
import { renderPolicy } from "./policy";
import { renderStsRecord, renderTlsRptRecord } from "./records";

/** The RFC 8461 §3.3 well-known path of the policy file. */
export const POLICY_PATH = "/.well-known/mta-sts.txt";

export interface RenderedMailDomain {
  readonly domain: string;
  /** `mta-sts.<domain>` */
  readonly policyHost: string;
  /** `https://mta-sts.<domain>/.well-known/mta-sts.txt` */
  readonly policyUrl: string;
  /** The exact bytes served (CRLF line ends). */
  readonly policyText: string;
  /** `policyId(policyText)` */
  readonly policyId: string;
  /** `_mta-sts.<domain>` */
  readonly stsRecordName: string;
  /** `v=STSv1; id=<policyId>` */
  readonly stsRecord: string;
  /** `_smtp._tls.<domain>` */
  readonly tlsRptRecordName: string;
  /** `v=TLSRPTv1; rua=...`, or undefined when no reports are asked for. */
  readonly tlsRptRecord?: string;
}

export function renderMailDomain(intent: MailDomainIntent): RenderedMailDomain {
  const policyText = renderPolicy(intent.policy);
  const id = policyId(policyText);
  return {
    domain: intent.domain,
    policyHost: intent.policyHost,
    policyUrl: `https://${intent.policyHost}${POLICY_PATH}`,
    policyText,
    policyId: id,
    stsRecordName: `_mta-sts.${intent.domain}`,
    stsRecord: renderStsRecord(id),
    tlsRptRecordName: `_smtp._tls.${intent.domain}`,
    ...(intent.tlsRpt ? { tlsRptRecord: renderTlsRptRecord(intent.tlsRpt) } : {}),
  };
}
