/**
 * The AWS-specific fields every AWS-hosted domain has, in `AwsMtaSts` and in each domain of
 * `AwsSharedMtaStsHost`: where its records live and whether to take over existing ones. The DNS
 * home and its rules are the model's (`dnsHomeIssues` in model/dns-home.ts), shared with the stack
 * config; here are the checks only the components need (an empty `hostedZoneId`, booleans).
 */
import * as pulumi from "@pulumi/pulumi";
import { closest, ConfigIssue } from "../model/config";
import { DnsHome, dnsHomeIssues } from "../model/dns-home";

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
  // Where the records go, and which zone ids go with it: the rule the stack config uses too.
  const issues: ConfigIssue[] = dnsHomeIssues(fields);
  if (typeof fields.hostedZoneId === "string" && fields.hostedZoneId.trim() === "") {
    issues.push({ path: "hostedZoneId", message: "must not be empty; give the zone id, or leave the field out" });
  }
  for (const field of ["adoptExistingRecords", "verifyLiveMx"] as const) {
    if (fields[field] !== undefined && typeof fields[field] !== "boolean") issues.push({ path: field, message: "must be true or false" });
  }
  return issues;
}
