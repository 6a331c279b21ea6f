/**
 * The DNS record ACM asks for to validate one name of a certificate (DNS validation: one CNAME
 * per name, announced in the certificate's `domainValidationOptions`). Both AWS components
 * write it into the domain's own zone.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface CertificateValidationRecord {
  /** The CNAME's name, e.g. `_x1.mta-sts.example.com.` */
  readonly name: pulumi.Output<string>;
  /** The CNAME's target, e.g. `_x2.acm-validations.aws.` */
  readonly value: pulumi.Output<string>;
}

/**
 * The validation record for `host` on `certificate`. One `apply` per field, straight to the
 * string (an object and two lifted reads would be one Output more per domain). A certificate
 * that does not list `host` is a bug here, not a user error, and fails loudly rather than
 * validating another name.
 */
export function certificateValidationRecord(certificate: aws.acm.Certificate, host: string, label: string): CertificateValidationRecord {
  const optionFor = (options: aws.types.output.acm.CertificateDomainValidationOption[]) => {
    const found = options.find((o) => o.domainName === host);
    if (!found) throw new Error(`internal error: certificate ${label} has no DNS validation option for ${host}`);
    return found;
  };
  return {
    name: certificate.domainValidationOptions.apply((options) => optionFor(options).resourceRecordName!),
    value: certificate.domainValidationOptions.apply((options) => optionFor(options).resourceRecordValue!),
  };
}
