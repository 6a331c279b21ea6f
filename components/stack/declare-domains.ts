/**
 * The program's one job: one component per validated domain, with the host and DNS home the
 * stack config chose. Config was validated as a whole before this runs, so nothing here can
 * fail on input.
 *
 * Each component is named after its domain alone (`componentName`), so adding, removing or
 * reordering domains renames nothing. Earlier versions named components by the order of the
 * list; where that name differs, the component carries it as an alias, and Pulumi moves the
 * deployed resources to the new name instead of replacing them. Children are `<name>-<role>`,
 * and Pulumi gives each child the alias with its parent's old name in front (the SDK, or the
 * engine when it takes alias specs), so the children move with their component.
 */
import * as pulumi from "@pulumi/pulumi";
import { AwsMtaSts } from "../aws/aws-mta-sts";
import { AwsSharedMtaStsHost } from "../aws-shared/aws-shared-mta-sts-host";
import { CloudflareMtaSts } from "../cloudflare/cloudflare-mta-sts";
import { CloudflareTlsRptReceiver, tlsRptRecordsAfter } from "../cloudflare/cloudflare-tlsrpt-receiver";
import { MtaStsConfigError } from "../model/config";
import { componentName, previousComponentNames } from "../model/names";
import { renderMailDomain } from "../model/rendered";
import { DomainDeployment, SharedAwsHostConfig } from "./stack-config";
import { TLSRPT_RECEIVER_COMPONENT_NAME, TlsRptReceiverDeployment } from "./tlsrpt-receiver-config";

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
  /** The stack's own TLS-RPT receiver (`mta-sts:tlsRptReceiver`), declared before the domains. */
  tlsRptReceiver?: TlsRptReceiverDeployment;
}

/** The receiver's stack outputs; `exportToken` is a secret. */
export interface ReceiverOutputs {
  reportUrl: pulumi.Input<string>;
  exportUrl: pulumi.Input<string>;
  exportToken: pulumi.Input<string>;
  allowedDomains: pulumi.Input<string[]>;
}

/**
 * The receiver component, and the transformation that holds back the `_smtp._tls` records
 * naming it until it answers. A webhook URL is passed as a secret.
 */
export function declareReceiver(receiver: TlsRptReceiverDeployment): { component: CloudflareTlsRptReceiver; recordsAfter: pulumi.ResourceTransformation } {
  // Pulumi decrypts a `secure:` value before the program reads it; one still encrypted here
  // would leave the receiver without its alarm, so it stops the program instead.
  if (receiver.alertWebhookUrlEncrypted) {
    throw new MtaStsConfigError([{ path: "tlsRptReceiver.alertWebhookUrl", message: "is still encrypted (secure:) when the program runs; run the program with `pulumi preview` or `pulumi up`, which decrypt it" }]);
  }
  const webhook = receiver.alertWebhookUrl;
  const component = new CloudflareTlsRptReceiver(TLSRPT_RECEIVER_COMPONENT_NAME, {
    hostname: receiver.hostname,
    zoneId: receiver.cloudflareZoneId,
    accountId: receiver.cloudflareAccountId,
    allowedDomains: [...receiver.allowedDomains],
    ...(webhook !== undefined ? { alertWebhookUrl: pulumi.secret(webhook) } : {}),
    alertWebhookFormat: receiver.alertWebhookFormat,
    scriptName: receiver.scriptName,
  });
  return { component, recordsAfter: tlsRptRecordsAfter(component, receiver.allowedDomains) };
}

/** Name of the shared AWS host component (and prefix of its children). */
export const SHARED_AWS_HOST_NAME = "aws-shared";

/** Whether a domain is served by the shared AWS host: with `mta-sts:sharedAwsHost`, every `host: aws` domain is. */
export function onSharedAwsHost(d: DomainDeployment, sharedAwsHost: SharedAwsHostConfig | undefined): boolean {
  return sharedAwsHost !== undefined && d.host === "aws";
}

/**
 * The component that declares each domain, by domain: its own, named after the domain alone
 * (`example.com` → `example-com`, `a-b.example` → `a--b-example`), or the shared AWS host.
 * What `declareDomains` declares, and what the offline plan names.
 */
export function domainComponentNames(domains: readonly DomainDeployment[], sharedAwsHost?: SharedAwsHostConfig): Map<string, string> {
  return new Map(domains.map((d) => [d.intent.domain, onSharedAwsHost(d, sharedAwsHost) ? SHARED_AWS_HOST_NAME : componentName(d.intent.domain)]));
}

/**
 * The alias a domain's component needs to keep the resources an earlier version deployed:
 * that version's name for it, computed over the same list in the same order, when it differs.
 */
export function componentAliases(domains: readonly string[]): Map<string, pulumi.Alias[]> {
  const previous = previousComponentNames(domains);
  const aliases = new Map<string, pulumi.Alias[]>();
  for (const domain of domains) {
    const old = previous.get(domain)!;
    if (old !== componentName(domain)) aliases.set(domain, [{ name: old }]);
  }
  return aliases;
}

/** What the program declares: a component per domain (or the shared host), and the receiver. */
export function declareStack(domains: readonly DomainDeployment[], options: DeclareOptions = {}): { domains: Record<string, DomainOutputs>; tlsRptReceiver?: ReceiverOutputs } {
  // Declared first: the records that name it wait for it.
  const receiver = options.tlsRptReceiver ? declareReceiver(options.tlsRptReceiver) : undefined;
  const outputs = declareDomains(domains, options, receiver?.recordsAfter);
  if (!receiver) return { domains: outputs };
  const { component } = receiver;
  return { domains: outputs, tlsRptReceiver: { reportUrl: component.reportUrl, exportUrl: component.exportUrl, exportToken: component.exportToken, allowedDomains: component.allowedDomains } };
}

/**
 * One component per domain (or the shared host). `recordsAfter`, when given, goes to every
 * component that writes a `_smtp._tls` record: it holds back the records of the domains that
 * report to the receiver, and touches nothing else.
 */
export function declareDomains(domains: readonly DomainDeployment[], options: DeclareOptions = {}, recordsAfter?: pulumi.ResourceTransformation): Record<string, DomainOutputs> {
  const names = domainComponentNames(domains, options.sharedAwsHost);
  const aliases = componentAliases(domains.map((d) => d.intent.domain));
  const outputs: Record<string, DomainOutputs> = {};
  const sharedDomains = domains.filter((d) => onSharedAwsHost(d, options.sharedAwsHost));
  const receiverDomains = new Set(options.tlsRptReceiver?.allowedDomains ?? []);
  const waitsForReceiver = (list: readonly DomainDeployment[]): pulumi.ComponentResourceOptions =>
    recordsAfter && list.some((d) => receiverDomains.has(d.intent.domain)) ? { transformations: [recordsAfter] } : {};
  for (const d of domains) {
    if (onSharedAwsHost(d, options.sharedAwsHost)) continue;
    const name = names.get(d.intent.domain)!;
    const common = componentCommonArgs(d, options);
    const opts: pulumi.ComponentResourceOptions = { ...(aliases.has(d.intent.domain) ? { aliases: aliases.get(d.intent.domain) } : {}), ...waitsForReceiver([d]) };
    const component =
      d.host === "aws"
        ? new AwsMtaSts(name, { ...common, ...awsDnsArgs(d), adoptExistingRecords: d.adoptExistingRecords, ...resolverArg(d) }, opts)
        : new CloudflareMtaSts(
            name,
            {
              ...common,
              zoneId: d.cloudflareZoneId!,
              accountId: d.cloudflareAccountId!,
              host: d.host === "cloudflare-pages" ? "pages" : "worker",
              siteName: d.siteName!,
              ...resolverArg(d),
            },
            opts,
          );
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
      // The stack config made every shared domain ask the same server (or none).
      ...resolverArg(sharedDomains[0]),
      ...(options.sharedAwsHost?.groupSize !== undefined ? { groupSize: options.sharedAwsHost.groupSize } : {}),
      ...(options.sharedAwsHost?.groupCount !== undefined ? { groupCount: options.sharedAwsHost.groupCount } : {}),
    }, waitsForReceiver(sharedDomains));
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

/**
 * The MTA-STS part of a domain's args, the same for every component. `maxAgeSeconds` only when
 * the config gave it: the component applies the same default, and warns only about a value
 * someone wrote.
 */
function componentCommonArgs(d: DomainDeployment, options: DeclareOptions) {
  const { mode, mx, maxAgeSeconds } = d.intent.policy;
  return {
    domain: d.intent.domain,
    policy: { mode, mx: [...mx], ...(d.maxAgeSecondsGiven ? { maxAgeSeconds } : {}) },
    ...(d.intent.tlsRpt ? { tlsRpt: { rua: [...d.intent.tlsRpt.rua] } } : {}),
    verifyLiveMx: d.verifyLiveMx && !options.skipLiveChecks,
  };
}

/** The live MX check's DNS server, when the config names one. */
function resolverArg(d: DomainDeployment | undefined): { dnsResolver?: string } {
  return d?.dnsResolver !== undefined ? { dnsResolver: d.dnsResolver } : {};
}

/** Where an AWS-hosted domain's records go. */
function awsDnsArgs(d: DomainDeployment) {
  return { dns: d.dns, ...(d.dns === "route53" ? { hostedZoneId: d.hostedZoneId } : { cloudflareZoneId: d.cloudflareZoneId }) };
}
