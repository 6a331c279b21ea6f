/**
 * `CloudflareMtaSts`: one mail domain's MTA-STS policy host and records, all at Cloudflare.
 *
 * The policy is served at `https://mta-sts.<domain>/.well-known/mta-sts.txt` either by a Worker
 * (default: the policy bytes are embedded in the script, so one upload is the whole deployment)
 * or by a Cloudflare Pages project (a static site uploaded with `wrangler pages deploy`).
 * Cloudflare issues the certificate for the custom domain in both cases. The `_mta-sts` TXT
 * record that announces the policy id is declared last, with its value taken from the outputs of
 * the host resources and an explicit `dependsOn` on them, so it changes only after the new bytes
 * are live (docs/invariants.md: publish before announce).
 *
 * Data flow: args → `validateDomainArgs` (throws before any child exists) → rendered policy,
 * id and records → [MX guard] → host (Worker or Pages) → TXT records.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { PolicyArgs, TlsRptArgs } from "../args";
import { cloudflareCnameRecord, cloudflareTxtRecord } from "../dns/cloudflare-records";
import { afterGuard, afterGuardAnd, guardLiveMx, LiveMxGuard } from "../guard/component-guard";
import { dnsResolverIssues } from "../guard/mx-guard";
import { cloudflareIdProblem } from "../model/cloudflare-ids";
import { closest, ConfigIssue } from "../model/config";
import { defaultSiteName, SITE_NAME_MAX_LENGTH, siteNameProblem } from "../model/names";
import { RenderedMailDomain } from "../model/rendered";
import { logDomainWarnings, validateDomainArgs } from "../validate-args";
import { PAGES_PRODUCTION_BRANCH, pagesDeployScript, pagesSiteFiles, SITE_FILES_ENV } from "./pages-site";
import { renderWorkerScript, WORKER_COMPATIBILITY_DATE, WORKER_MAIN_MODULE } from "./worker-script";

// An `as const` object, not a bare union, so Pulumi's component schema describes it as an enum.
/** What serves the policy file: a Worker, or a Cloudflare Pages project. */
export const CloudflareHostKind = { Worker: "worker", Pages: "pages" } as const;
export type CloudflareHostKind = (typeof CloudflareHostKind)[keyof typeof CloudflareHostKind];
export const CLOUDFLARE_HOST_KINDS: readonly CloudflareHostKind[] = Object.values(CloudflareHostKind);

// The naming rules live in the model (one name, one domain); re-exported for the library entry.
export { defaultSiteName, SITE_NAME_MAX_LENGTH };

export interface CloudflareMtaStsArgs {
  /** The mail domain, e.g. `example.com`; Unicode names are converted to A-labels. Required. */
  domain: string;
  /** The id of the Cloudflare zone that holds the domain's records (32 hex characters). Required. */
  zoneId: pulumi.Input<string>;
  /** The id of the Cloudflare account that owns the Worker or Pages project (32 hex characters). Required. */
  accountId: pulumi.Input<string>;
  /**
   * What serves the policy: `worker` (the policy bytes embedded in a Worker script, atomic, no
   * build tool needed) or `pages` (a Pages project deployed with `wrangler pages deploy`, which
   * needs wrangler and `CLOUDFLARE_API_TOKEN` where `pulumi up` runs). Defaults to `worker`.
   */
  host?: CloudflareHostKind;
  /** What senders are told to do (RFC 8461 §3.2). Required. */
  policy: PolicyArgs;
  /** Where senders send daily TLS reports (RFC 8460); omit to publish no `_smtp._tls` record. Defaults to none. */
  tlsRpt?: TlsRptArgs;
  /**
   * Name of the Worker script or Pages project: lowercase letters, digits and inner hyphens, at
   * most 58 characters, unique in the account. Defaults to `mta-sts-` plus the domain with each
   * dot as `-` and each hyphen as `--` (`shop-acme.example.org` → `mta-sts-shop--acme-example-org`),
   * so no two domains share a name; longer than 58 characters, cut and ended with `---` and a
   * hash of the domain.
   */
  siteName?: string;
  /**
   * Before publishing, look up the domain's live MX records and compare them with `policy.mx`:
   * in `enforce`, an MX host no pattern matches stops the deployment before the policy or the
   * TXT record changes; in `testing` it is logged as a warning. Defaults to true.
   */
  verifyLiveMx?: boolean;
  /**
   * DNS server (`host:port`, e.g. `127.0.0.1:5353`) for the live MX lookup of `verifyLiveMx`.
   * Defaults to the system's resolvers.
   */
  dnsResolver?: string;
}

export class CloudflareMtaSts extends pulumi.ComponentResource {
  /** The policy id, the hash of the served bytes, e.g. `3b1f...` (known at preview). */
  public readonly policyId: pulumi.Output<string>;
  /** `https://mta-sts.<domain>/.well-known/mta-sts.txt` */
  public readonly policyUrl: pulumi.Output<string>;
  /** The exact bytes served (CRLF line ends). */
  public readonly policyText: pulumi.Output<string>;
  /** The `_mta-sts` TXT value, `v=STSv1; id=<policyId>` (known at preview). */
  public readonly stsRecord: pulumi.Output<string>;
  /** The `_smtp._tls` TXT value, `v=TLSRPTv1; rua=...`, or undefined without `tlsRpt`. */
  public readonly tlsRptRecord: pulumi.Output<string | undefined>;
  /** `worker` or `pages`. */
  public readonly host: pulumi.Output<CloudflareHostKind>;
  /** The Worker script or Pages project name. */
  public readonly siteName: pulumi.Output<string>;

  constructor(name: string, args: CloudflareMtaStsArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Bad input never reaches the cloud: every config error is thrown here, before super() registers anything.
    const checked = checkArgs(args);
    super("pulumi-mta-sts:index:CloudflareMtaSts", name, {}, opts);
    const { rendered, host, siteName } = checked;
    logDomainWarnings(this, rendered.domain, checked.warnings);

    // TLS-RPT announces no policy, so it waits for nothing and is declared first.
    if (rendered.tlsRptRecord !== undefined) {
      cloudflareTxtRecord(
        { name, role: "tlsrpt-txt", zoneId: args.zoneId, recordName: rendered.tlsRptRecordName, value: rendered.tlsRptRecord, comment: "TLS reporting (RFC 8460)" },
        { parent: this },
      );
    }

    // The enforce guard: the new bytes and the TXT wait for it; an error stops both.
    const guard = guardLiveMx(this, rendered, args);

    const live: pulumi.Resource[] =
      host === "worker" ? this.declareWorker(name, args, rendered, siteName, guard) : this.declarePages(name, args, rendered, siteName, guard);

    // Publish before announce: the value is derived from the host resources' outputs (so the SDK
    // registers the record only once they are created or updated) and dependsOn says it twice.
    const liveIds = pulumi.all(live.map((r) => (r as pulumi.CustomResource).id));
    const announced = afterGuardAnd(guard, liveIds, rendered.stsRecord);
    cloudflareTxtRecord(
      { name, role: "sts-txt", zoneId: args.zoneId, recordName: rendered.stsRecordName, value: announced, comment: "MTA-STS policy id (RFC 8461)" },
      { parent: this, dependsOn: live },
    );

    this.policyId = pulumi.output(rendered.policyId);
    this.policyUrl = pulumi.output(rendered.policyUrl);
    this.policyText = pulumi.output(rendered.policyText);
    this.stsRecord = pulumi.output(rendered.stsRecord);
    this.tlsRptRecord = pulumi.output(rendered.tlsRptRecord);
    this.host = pulumi.output(host);
    this.siteName = pulumi.output(siteName);
    this.registerOutputs({
      policyId: this.policyId,
      policyUrl: this.policyUrl,
      policyText: this.policyText,
      stsRecord: this.stsRecord,
      tlsRptRecord: this.tlsRptRecord,
      host: this.host,
      siteName: this.siteName,
    });
  }

  /** WorkersScript (policy embedded) + WorkersCustomDomain; returns what must be live before the TXT. */
  private declareWorker(
    name: string,
    args: CloudflareMtaStsArgs,
    rendered: RenderedMailDomain,
    siteName: string,
    guard: LiveMxGuard,
  ): pulumi.Resource[] {
    const source = renderWorkerScript(rendered.policyText);
    const script = new cloudflare.WorkersScript(
      `${name}-script`,
      {
        accountId: args.accountId,
        scriptName: siteName,
        mainModule: WORKER_MAIN_MODULE,
        content: afterGuard(guard, source),
        compatibilityDate: WORKER_COMPATIBILITY_DATE,
      },
      { parent: this },
    );
    // Cloudflare creates the DNS record for the hostname and issues its certificate.
    const domain = new cloudflare.WorkersCustomDomain(
      `${name}-domain`,
      { accountId: args.accountId, zoneId: args.zoneId, hostname: rendered.policyHost, service: script.scriptName },
      { parent: this, dependsOn: [script] },
    );
    return [script, domain];
  }

  /** PagesProject + `wrangler pages deploy` + PagesDomain + proxied CNAME; returns what must be live before the TXT. */
  private declarePages(
    name: string,
    args: CloudflareMtaStsArgs,
    rendered: RenderedMailDomain,
    siteName: string,
    guard: LiveMxGuard,
  ): pulumi.Resource[] {
    const files = JSON.stringify(pagesSiteFiles(rendered.policyText));
    const project = new cloudflare.PagesProject(
      `${name}-project`,
      { accountId: args.accountId, name: siteName, productionBranch: PAGES_PRODUCTION_BRANCH },
      { parent: this },
    );
    const domain = new cloudflare.PagesDomain(
      `${name}-domain`,
      { accountId: args.accountId, name: rendered.policyHost, projectName: project.name },
      { parent: this, dependsOn: [project] },
    );
    // Pages serves a custom domain through Cloudflare's proxy: the CNAME must be proxied.
    const cname = cloudflareCnameRecord(
      { name, role: "host-cname", zoneId: args.zoneId, recordName: rendered.policyHost, target: project.subdomain, proxied: true, comment: "MTA-STS policy host (Cloudflare Pages)" },
      { parent: this, dependsOn: [domain] },
    );
    // Declared last: it waits for the MX guard, and what needs no guard should not queue behind it.
    // The provider cannot upload files to Pages; wrangler does, with the API token from the
    // environment of `pulumi up` (never an input, so never in the state). The account id is the
    // consumer's `accountId`, so the upload goes to the account that owns the project.
    const deploy = new command.local.Command(
      `${name}-deploy`,
      {
        create: pagesDeployScript({ projectName: siteName }),
        interpreter: ["/bin/sh", "-c"],
        environment: {
          CLOUDFLARE_ACCOUNT_ID: args.accountId,
          [SITE_FILES_ENV]: afterGuard(guard, files),
          WRANGLER_SEND_METRICS: "false",
        },
        triggers: [rendered.policyId, project.name],
      },
      { parent: this, dependsOn: [project] },
    );
    return [deploy, domain, cname];
  }
}

interface CheckedArgs {
  rendered: RenderedMailDomain;
  warnings: readonly ConfigIssue[];
  host: CloudflareHostKind;
  siteName: string;
}

const ARG_FIELDS: readonly (keyof CloudflareMtaStsArgs)[] = ["domain", "zoneId", "accountId", "host", "policy", "tlsRpt", "siteName", "verifyLiveMx", "dnsResolver"];

/** Validate everything (core + Cloudflare fields) and report all problems in one error. */
function checkArgs(args: CloudflareMtaStsArgs): CheckedArgs {
  const a = (args ?? {}) as Partial<CloudflareMtaStsArgs>;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(a)) {
    if ((ARG_FIELDS as readonly string[]).includes(key)) continue;
    const suggestion = closest(key, ARG_FIELDS);
    issues.push({ path: key, message: `unknown field; ${suggestion ? `did you mean "${suggestion}"?` : `known fields: ${ARG_FIELDS.join(", ")}`}` });
  }
  const checkId = (field: "zoneId" | "accountId", kind: "zone" | "account") => {
    const value = a[field] as unknown;
    if (value === undefined || value === null || (typeof value === "string" && value.trim() === "")) {
      issues.push({ path: field, message: `is required; the Cloudflare ${kind} id (32 hex characters, on the dashboard's overview page)` });
      return;
    }
    // Only a plain value can be judged here; an Output is the consumer's to get right.
    if (typeof value !== "string" && typeof value !== "number") return;
    const problem = cloudflareIdProblem(value, kind);
    if (problem) issues.push({ path: field, message: problem });
  };
  checkId("zoneId", "zone");
  checkId("accountId", "account");
  const host = a.host ?? "worker";
  if (!CLOUDFLARE_HOST_KINDS.includes(host)) {
    issues.push({ path: "host", message: `"${String(host)}" is not a host kind; write "worker" (default) or "pages"` });
  }
  if (a.siteName !== undefined) {
    const problem = siteNameProblem(a.siteName);
    if (problem) issues.push({ path: "siteName", message: problem });
  }
  if (a.verifyLiveMx !== undefined && typeof a.verifyLiveMx !== "boolean") {
    issues.push({ path: "verifyLiveMx", message: "must be true or false" });
  }
  issues.push(...dnsResolverIssues(a.dnsResolver));
  const { rendered, warnings } = validateDomainArgs(a as CloudflareMtaStsArgs, issues);
  return { rendered, warnings, host, siteName: a.siteName ?? defaultSiteName(rendered.domain) };
}
