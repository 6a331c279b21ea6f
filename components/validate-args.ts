/**
 * The first thing every component does: validate the MTA-STS part of its args with the RFC core
 * and render what will be published. Throws one `MtaStsConfigError` naming every bad field
 * before a single child resource is declared (docs/invariants.md: bad input never reaches the cloud).
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigIssue, domainWarningText, MtaStsConfigError, validateMailDomain } from "./model/config";
import { renderMailDomain, RenderedMailDomain } from "./model/rendered";
import { PolicyArgs, TlsRptArgs } from "./args";

export interface ValidatedDomain {
  readonly rendered: RenderedMailDomain;
  /** Risky but legal values; components surface them with `pulumi.log.warn`. */
  readonly warnings: readonly ConfigIssue[];
}

/**
 * Validate `{ domain, policy, tlsRpt }` plus the component-specific `extraIssues` (e.g. "both or
 * neither DNS zone given"), all reported together.
 */
export function validateDomainArgs(
  args: { domain: string; policy: PolicyArgs; tlsRpt?: TlsRptArgs },
  extraIssues: readonly ConfigIssue[] = [],
): ValidatedDomain {
  const input = args ? { domain: args.domain, policy: args.policy, ...(args.tlsRpt !== undefined ? { tlsRpt: args.tlsRpt } : {}) } : undefined;
  const result = validateMailDomain(input);
  const issues = [...(result.ok ? [] : result.issues), ...extraIssues];
  if (issues.length > 0 || !result.ok) throw new MtaStsConfigError(issues);
  return { rendered: renderMailDomain(result.value), warnings: result.warnings };
}

/**
 * Log a domain's warnings on its component, each once and naming the domain
 * (`example.com: policy.maxAgeSeconds: ...`): the program leaves this to the components, so
 * `pulumi up` and the offline plan show each warning once.
 */
export function logDomainWarnings(component: pulumi.Resource, domain: string, warnings: readonly ConfigIssue[]): void {
  for (const warning of warnings) pulumi.log.warn(domainWarningText(domain, warning), component);
}
