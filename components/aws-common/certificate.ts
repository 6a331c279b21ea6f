/**
 * The ACM certificate of a policy host, DNS validated, in the only region CloudFront takes
 * certificates from. One certificate names one policy host (AwsMtaSts) or every host of a group
 * (AwsSharedMtaStsHost); ACM hands out one validation CNAME per name, announced in the
 * certificate's `domainValidationOptions`, which the caller writes into each domain's own zone
 * (domain-records.ts) before the validation waits for it.
 *
 * Children: `${name}-cert` and `${name}-cert-validation`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/** CloudFront accepts ACM certificates from this region only. */
export const CERTIFICATE_REGION = "us-east-1";

/** The names of a certificate: the first (its subject CN) and, for a group, the others. */
export interface CertificateNames {
  readonly domainName: string;
  /** Given only for a group's certificate (an empty list for a group of one). */
  readonly subjectAlternativeNames?: readonly string[];
}

/** Request the certificate (`${name}-cert`), DNS validated, in us-east-1 through the per-resource region. */
export function policyCertificate(name: string, names: CertificateNames, parent: pulumi.Resource): aws.acm.Certificate {
  return new aws.acm.Certificate(
    `${name}-cert`,
    {
      domainName: names.domainName,
      ...(names.subjectAlternativeNames !== undefined ? { subjectAlternativeNames: [...names.subjectAlternativeNames] } : {}),
      validationMethod: "DNS",
      region: CERTIFICATE_REGION,
    },
    { parent },
  );
}

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

/**
 * Wait for the certificate to be issued (`${name}-cert-validation`), after every validation
 * record in `records`. `recordFqdns`, the Route 53 records' names, is given only when it lists
 * every validation record of the certificate (the provider checks that it does); the `dependsOn`
 * orders the validation after each record either way.
 */
export function certificateValidation(
  name: string,
  certificate: aws.acm.Certificate,
  records: { readonly resources: pulumi.Resource[]; readonly recordFqdns?: pulumi.Input<string>[] },
  parent: pulumi.Resource,
): aws.acm.CertificateValidation {
  return new aws.acm.CertificateValidation(
    `${name}-cert-validation`,
    {
      certificateArn: certificate.arn,
      region: CERTIFICATE_REGION,
      ...(records.recordFqdns ? { validationRecordFqdns: records.recordFqdns } : {}),
    },
    { parent, dependsOn: records.resources },
  );
}
