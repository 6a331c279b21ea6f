/**
 * The AWS-specific fields every AWS-hosted domain has, in `AwsMtaSts` and in each domain of
 * `AwsSharedMtaStsHost`: where its records live and whether to take over existing ones. One set of
 * rules, so both components refuse the same mistakes with the same words:
 * - `hostedZoneId` and `cloudflareZoneId` together: error (the records have one home);
 * - neither: Route 53, looking up the hosted zone named like the domain (`dns: "route53"` says
 *   the same explicitly); `dns: "cloudflare"` requires `cloudflareZoneId`;
 * - `adoptExistingRecords` with Cloudflare: error (Cloudflare has no overwrite; import instead).
 */
import * as pulumi from "@pulumi/pulumi";
import { DnsHome } from "../args";
import { cloudflareIdProblem } from "../model/cloudflare-ids";
import { closest, ConfigIssue } from "../model/config";

/** The DNS and adoption fields, as both components declare them. */
export interface AwsDnsFields {
  dns?: DnsHome;
  hostedZoneId?: pulumi.Input<string>;
  cloudflareZoneId?: pulumi.Input<string>;
  adoptExistingRecords?: boolean;
  verifyLiveMx?: boolean;
}

/**
 * The fields of `AwsDomainArgs` and `adoptExistingRecords`, which every AWS-hosted domain of
 * both components takes: each component adds its own (`dnsResolver`; a shared domain's `group`)
 * for `unknownFieldIssues`.
 */
export const AWS_DOMAIN_FIELDS = ["domain", "policy", "tlsRpt", "dns", "hostedZoneId", "cloudflareZoneId", "adoptExistingRecords", "verifyLiveMx"] as const;

const DNS_HOMES: readonly string[] = Object.values(DnsHome);

/** The DNS home the fields ask for (issues in them are reported by `awsDnsFieldIssues`). */
export function dnsHomeOf(fields: AwsDnsFields): DnsHome {
  if (fields?.dns === "cloudflare" || fields?.dns === "route53") return fields.dns;
  return fields?.cloudflareZoneId !== undefined ? "cloudflare" : "route53";
}

/** Unknown keys of `value` (with a "did you mean"), paths prefixed with `prefix`. */
export function unknownFieldIssues(value: object, known: readonly string[], prefix = ""): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const suggestion = closest(key, known);
    issues.push({ path: `${prefix}${key}`, message: `unknown field; ${suggestion ? `did you mean "${suggestion}"?` : `known fields: ${known.join(", ")}`}` });
  }
  return issues;
}

/** Problems with the DNS and adoption fields, reported together with the domain's own. */
export function awsDnsFieldIssues(fields: AwsDnsFields): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (fields.dns !== undefined && !(DNS_HOMES as readonly unknown[]).includes(fields.dns)) {
    issues.push({ path: "dns", message: `must be "route53" or "cloudflare", not ${JSON.stringify(fields.dns)}` });
  }
  const hasZone = fields.hostedZoneId !== undefined;
  const hasCloudflare = fields.cloudflareZoneId !== undefined;
  if (hasZone && hasCloudflare) {
    issues.push({
      path: "cloudflareZoneId",
      message: "cannot be combined with hostedZoneId: the records live in one place; give hostedZoneId for Route 53 or cloudflareZoneId for Cloudflare DNS",
    });
  } else {
    if (fields.dns === "cloudflare" && !hasCloudflare) {
      issues.push({ path: "cloudflareZoneId", message: 'is required when dns is "cloudflare"; give the Cloudflare zone id of the domain' });
    }
    if (fields.dns === "cloudflare" && hasZone) {
      issues.push({ path: "hostedZoneId", message: 'is a Route 53 zone but dns is "cloudflare"; remove it, or set dns to "route53"' });
    }
    if (fields.dns === "route53" && hasCloudflare) {
      issues.push({ path: "cloudflareZoneId", message: 'is a Cloudflare zone but dns is "route53"; remove it, or set dns to "cloudflare"' });
    }
  }
  for (const [field, value] of [["hostedZoneId", fields.hostedZoneId], ["cloudflareZoneId", fields.cloudflareZoneId]] as const) {
    if (typeof value === "string" && value.trim() === "") issues.push({ path: field, message: "must not be empty; give the zone id, or leave the field out" });
  }
  // Only a plain value can be judged here; an Output is the consumer's to get right.
  const cloudflareZone = fields.cloudflareZoneId as unknown;
  if ((typeof cloudflareZone === "string" && cloudflareZone.trim() !== "") || typeof cloudflareZone === "number") {
    const problem = cloudflareIdProblem(cloudflareZone, "zone");
    if (problem) issues.push({ path: "cloudflareZoneId", message: problem });
  }
  if (fields.adoptExistingRecords === true && dnsHomeOf(fields) === "cloudflare") {
    issues.push({
      path: "adoptExistingRecords",
      message: "works with Route 53 only; for Cloudflare DNS import the existing records with `pulumi import` (see the README) and leave this false",
    });
  }
  for (const field of ["adoptExistingRecords", "verifyLiveMx"] as const) {
    if (fields[field] !== undefined && typeof fields[field] !== "boolean") issues.push({ path: field, message: "must be true or false" });
  }
  return issues;
}
