/**
 * The program's one job: one component per validated domain, with the host and DNS home the
 * stack config chose. Config was validated as a whole before this runs, so nothing here can
 * fail on input.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { AwsMtaSts } from "../aws/aws-mta-sts";
import { AwsSharedMtaStsHost } from "../aws-shared/aws-shared-mta-sts-host";
import { CloudflareMtaSts } from "../cloudflare/cloudflare-mta-sts";
import { renderMailDomain } from "../model/rendered";
import { DomainDeployment, SharedAwsHostConfig } from "./stack-config";

/** Per-domain stack outputs: what an operator or another stack needs. */
export interface DomainOutputs {
  host: string;
  policyUrl: pulumi.Input<string>;
  policyId: pulumi.Input<string>;
  stsRecord: pulumi.Input<string>;
  tlsRptRecord: pulumi.Input<string | undefined>;
}

export interface DeclareOptions {
  /** Skip lookups of live state (the MX guard); set by the offline plan. */
  skipLiveChecks?: boolean;
  /** Serve every `host: aws` domain from one shared host (`mta-sts:sharedAwsHost`). */
  sharedAwsHost?: SharedAwsHostConfig;
}

/** Name of the shared AWS host component (and prefix of its children). */
export const SHARED_AWS_HOST_NAME = "aws-shared";

/** `example.com` → `example-com`; a rare clash (`a-b.com` vs `a.b-com`) gets a hash suffix. */
export function componentNames(domains: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const domain of domains) {
    let name = domain.replace(/\./g, "-");
    if (used.has(name)) name = `${name}-${createHash("sha256").update(domain).digest("hex").slice(0, 6)}`;
    used.add(name);
    names.set(domain, name);
  }
  return names;
}

export function declareDomains(domains: readonly DomainDeployment[], options: DeclareOptions = {}): Record<string, DomainOutputs> {
  const names = componentNames(domains.map((d) => d.intent.domain));
  const outputs: Record<string, DomainOutputs> = {};
  const sharedDomains = options.sharedAwsHost ? domains.filter((d) => d.host === "aws") : [];
  for (const d of domains) {
    if (options.sharedAwsHost && d.host === "aws") continue;
    const name = names.get(d.intent.domain)!;
    const common = componentCommonArgs(d, options);
    const component =
      d.host === "aws"
        ? new AwsMtaSts(name, { ...common, ...awsDnsArgs(d), adoptExistingRecords: d.adoptExistingRecords })
        : new CloudflareMtaSts(name, {
            ...common,
            zoneId: d.cloudflareZoneId!,
            accountId: d.cloudflareAccountId!,
            host: d.host === "cloudflare-pages" ? "pages" : "worker",
          });
    outputs[d.intent.domain] = {
      host: d.host,
      policyUrl: component.policyUrl,
      policyId: component.policyId,
      stsRecord: component.stsRecord,
      tlsRptRecord: component.tlsRptRecord,
    };
  }
  if (sharedDomains.length > 0) {
    new AwsSharedMtaStsHost(SHARED_AWS_HOST_NAME, {
      domains: sharedDomains.map((d) => ({
        ...componentCommonArgs(d, options),
        ...awsDnsArgs(d),
        adoptExistingRecords: d.adoptExistingRecords,
        ...(d.group !== undefined ? { group: d.group } : {}),
      })),
      ...(options.sharedAwsHost?.groupSize !== undefined ? { groupSize: options.sharedAwsHost.groupSize } : {}),
      ...(options.sharedAwsHost?.groupCount !== undefined ? { groupCount: options.sharedAwsHost.groupCount } : {}),
    });
    // The host's outputs are maps over all its domains; a domain's own values are a pure function
    // of its validated intent (the same rendering the host serves), so they are stated plainly
    // rather than picked out of those maps with four `apply` chains per domain.
    for (const d of sharedDomains) {
      const rendered = renderMailDomain(d.intent);
      outputs[d.intent.domain] = {
        host: "aws-shared",
        policyUrl: rendered.policyUrl,
        policyId: rendered.policyId,
        stsRecord: rendered.stsRecord,
        tlsRptRecord: rendered.tlsRptRecord,
      };
    }
  }
  return outputs;
}

/** The MTA-STS part of a domain's args, the same for every component. */
function componentCommonArgs(d: DomainDeployment, options: DeclareOptions) {
  return {
    domain: d.intent.domain,
    policy: { mode: d.intent.policy.mode, mx: [...d.intent.policy.mx], maxAgeSeconds: d.intent.policy.maxAgeSeconds },
    ...(d.intent.tlsRpt ? { tlsRpt: { rua: [...d.intent.tlsRpt.rua] } } : {}),
    verifyLiveMx: d.verifyLiveMx && !options.skipLiveChecks,
  };
}

/** Where an AWS-hosted domain's records go. */
function awsDnsArgs(d: DomainDeployment) {
  return { dns: d.dns, ...(d.dns === "route53" ? { hostedZoneId: d.hostedZoneId } : { cloudflareZoneId: d.cloudflareZoneId }) };
}
