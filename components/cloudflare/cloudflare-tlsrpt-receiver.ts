/**
 * `CloudflareTlsRptReceiver`: an `https:` rua endpoint for TLS reports (RFC 8460 §5.4) that the
 * team owns. A Worker on a custom domain (`https://<hostname>/v1/report`) takes the reports
 * senders post, checks each with the same parser `mta-sts reports` uses, stores it once in an R2
 * bucket, and posts a short alert to a Slack, Teams or JSON webhook when a report has failures.
 * `mta-sts reports https://<hostname> --token-file F` reads the stored reports back through
 * `GET /v1/reports`, with the export token this component generates (a secret output).
 *
 * The Worker is the bundle built at `npm run build` (tlsrpt-receiver-bundle.ts); its request
 * handling is in components/tlsrpt-receiver/. Every argument is checked before anything is
 * declared.
 *
 * Children are named `${name}-<role>`: bucket (R2), token (the export token), script (the
 * Worker, with its bindings), domain (the Workers custom domain on `hostname`, for which
 * Cloudflare creates the DNS record and the certificate).
 *
 * A `_smtp._tls` record may name the receiver only once it answers: give the component that
 * writes such records the transformation `tlsRptRecordsAfter(receiver)`. It holds the record
 * back the way each component holds back its `_mta-sts` record until the policy is served: the
 * value is derived from the outputs of the Worker and its custom domain, and `dependsOn` names
 * them too.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { cloudflareIdProblem } from "../model/cloudflare-ids";
import { closest, ConfigIssue, MtaStsConfigError } from "../model/config";
import { normaliseHostname } from "../model/hostname";
import { defaultReceiverName, siteNameProblem } from "../model/names";
import { ALERT_WEBHOOK_FORMATS, AlertFormat, DEFAULT_ALERT_WEBHOOK_FORMAT, DEFAULT_EXPORT_PAGE_SIZE, tlsRptReceiverExportUrl, tlsRptReceiverReportUrl } from "../model/tlsrpt-receiver";
import { alertFormatProblem, bucketNameProblem, exportPageSizeProblem, receiverHostname, webhookUrlProblem } from "../model/receiver-config";
import { RECEIVER_BINDINGS, RECEIVER_MAIN_MODULE } from "../tlsrpt-receiver/bindings";
import { afterGuardAnd } from "../guard/component-guard";
import { loadReceiverBundle } from "./tlsrpt-receiver-bundle";
import { WORKER_COMPATIBILITY_DATE } from "./worker-script";

// An `as const` object, not a bare union, so Pulumi's component schema describes it as an enum.
/** The shape of the alert the webhook gets: Slack's `{ text }`, a Teams Adaptive Card, or this kit's JSON. */
export const AlertWebhookFormat = { Slack: "slack", Teams: "teams", Json: "json" } as const;
export type AlertWebhookFormat = (typeof AlertWebhookFormat)[keyof typeof AlertWebhookFormat];
// The enum and the model's list of formats must name the same formats (checked by the compiler).
const SAME_FORMATS: readonly AlertFormat[] = Object.values(AlertWebhookFormat) satisfies readonly (typeof ALERT_WEBHOOK_FORMATS)[number][];
void SAME_FORMATS;

/** Characters in the export token: 48 letters and digits, about 285 bits. */
export const EXPORT_TOKEN_LENGTH = 48;

export interface CloudflareTlsRptReceiverArgs {
  /**
   * The host name senders post reports to, e.g. `tlsrpt.example.com`, in the zone `zoneId`.
   * Domains list `https://<hostname>/v1/report` in their `_smtp._tls` record. Required.
   */
  hostname: string;
  /** The id of the Cloudflare zone that holds `hostname` (32 hex characters). Required. */
  zoneId: pulumi.Input<string>;
  /** The id of the Cloudflare account that owns the Worker and the bucket (32 hex characters). Required. */
  accountId: pulumi.Input<string>;
  /**
   * The mail domains whose reports are stored, e.g. `["example.com"]`: a report for any other
   * policy domain is refused (403), so strangers cannot fill the bucket. Unicode names are
   * converted to A-labels; an empty list accepts no report. Required.
   */
  allowedDomains: string[];
  /**
   * Where a report with failed sessions is announced: the `https://` URL of a Slack incoming
   * webhook, a Teams workflow or your own endpoint. A credential: it is stored as a Worker
   * secret and marked secret in the state; give it from a Pulumi secret. Defaults to no alert.
   */
  alertWebhookUrl?: pulumi.Input<string>;
  /** The shape of the alert: `slack` (`{ text }`), `teams` (an Adaptive Card) or `json` (this kit's summary). Defaults to `json`. */
  alertWebhookFormat?: AlertWebhookFormat;
  /**
   * The name of the Worker script, unique in the account: lowercase letters, digits and inner
   * hyphens, at most 58 characters. Defaults to `tlsrpt-` plus the host name with each dot as
   * `-` and each hyphen as `--` (`tlsrpt.example.com` → `tlsrpt-tlsrpt-example-com`).
   */
  scriptName?: string;
  /** The name of the R2 bucket the reports are stored in, unique in the account. Defaults to the script's name. */
  bucketName?: string;
  /**
   * Reports per page of `GET /v1/reports`, 1 to 999. A page costs one R2 list and one read per
   * report; on the Workers Paid plan 999 makes an export take fewer requests. Defaults to 100.
   */
  exportPageSize?: number;
}

export class CloudflareTlsRptReceiver extends pulumi.ComponentResource {
  /** `https://<hostname>/v1/report`: the rua senders post reports to (known at preview). */
  public readonly reportUrl: pulumi.Output<string>;
  /** `https://<hostname>/v1/reports`: where `mta-sts reports` reads them back (known at preview). */
  public readonly exportUrl: pulumi.Output<string>;
  /** The receiver's host name, as an A-label. */
  public readonly hostname: pulumi.Output<string>;
  /** The bearer token of the export (secret): `mta-sts reports https://<hostname> --token-file <file with it>`. */
  public readonly exportToken: pulumi.Output<string>;
  /** The Worker script's name. */
  public readonly scriptName: pulumi.Output<string>;
  /** The R2 bucket's name. */
  public readonly bucketName: pulumi.Output<string>;
  /** The domains whose reports are stored, as A-labels, sorted. */
  public readonly allowedDomains: pulumi.Output<string[]>;

  constructor(name: string, args: CloudflareTlsRptReceiverArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // Every argument and the bundle are checked before super() registers anything.
    const checked = checkReceiverArgs(args);
    const bundle = loadReceiverBundle();
    super("pulumi-mta-sts:index:CloudflareTlsRptReceiver", name, {}, opts);
    if (checked.allowedDomains.length === 0) {
      pulumi.log.warn(`${checked.hostname}: allowedDomains is empty, so the receiver refuses every report; list the domains that send their reports here`, this);
    }

    const bucket = new cloudflare.R2Bucket(`${name}-bucket`, { accountId: args.accountId, name: checked.bucketName }, { parent: this });
    const token = new random.RandomPassword(`${name}-token`, { length: EXPORT_TOKEN_LENGTH, special: false }, { parent: this });
    const bindings: pulumi.Input<cloudflare.types.input.WorkersScriptBinding>[] = [
      { type: "r2_bucket", name: RECEIVER_BINDINGS.reports, bucketName: bucket.name },
      { type: "json", name: RECEIVER_BINDINGS.allowedDomains, json: JSON.stringify(checked.allowedDomains) },
      // RandomPassword marks its result secret; said again so the bindings are secret whatever the provider does.
      { type: "secret_text", name: RECEIVER_BINDINGS.exportToken, text: pulumi.secret(token.result) },
      { type: "plain_text", name: RECEIVER_BINDINGS.alertWebhookFormat, text: checked.alertWebhookFormat },
      { type: "plain_text", name: RECEIVER_BINDINGS.exportPageSize, text: String(checked.exportPageSize) },
    ];
    if (args.alertWebhookUrl !== undefined) {
      // A credential: secret in the state and in the Worker, whatever the consumer passed.
      bindings.push({ type: "secret_text", name: RECEIVER_BINDINGS.alertWebhookUrl, text: pulumi.secret(pulumi.output(args.alertWebhookUrl).apply(checkedWebhookUrl)) });
    }
    const script = new cloudflare.WorkersScript(
      `${name}-script`,
      {
        accountId: args.accountId,
        scriptName: checked.scriptName,
        mainModule: RECEIVER_MAIN_MODULE,
        content: bundle.source,
        compatibilityDate: WORKER_COMPATIBILITY_DATE,
        bindings,
      },
      { parent: this },
    );
    // Cloudflare creates the DNS record for the hostname and issues its certificate.
    const domain = new cloudflare.WorkersCustomDomain(
      `${name}-domain`,
      { accountId: args.accountId, zoneId: args.zoneId, hostname: checked.hostname, service: script.scriptName },
      { parent: this, dependsOn: [script] },
    );
    // What must be live before a record announces the receiver (tlsRptRecordsAfter).
    LIVE_RESOURCES.set(this, [script, domain]);

    this.reportUrl = pulumi.output(tlsRptReceiverReportUrl(checked.hostname));
    this.exportUrl = pulumi.output(tlsRptReceiverExportUrl(checked.hostname));
    this.hostname = pulumi.output(checked.hostname);
    this.exportToken = pulumi.secret(token.result);
    this.scriptName = pulumi.output(checked.scriptName);
    this.bucketName = bucket.name;
    this.allowedDomains = pulumi.output(checked.allowedDomains);
    this.registerOutputs({
      reportUrl: this.reportUrl,
      exportUrl: this.exportUrl,
      hostname: this.hostname,
      exportToken: this.exportToken,
      scriptName: this.scriptName,
      bucketName: this.bucketName,
      allowedDomains: this.allowedDomains,
    });
  }
}

/** A webhook URL from an Output, checked once it is known (a plain one was checked at construction). */
function checkedWebhookUrl(url: string): string {
  const problem = webhookUrlProblem(url);
  if (problem) throw new MtaStsConfigError([{ path: "alertWebhookUrl", message: problem }]);
  return url.trim();
}

export interface CheckedReceiverArgs {
  readonly hostname: string;
  readonly allowedDomains: string[];
  readonly alertWebhookFormat: AlertWebhookFormat;
  readonly scriptName: string;
  readonly bucketName: string;
  readonly exportPageSize: number;
}

const ARG_FIELDS: readonly (keyof CloudflareTlsRptReceiverArgs)[] = ["hostname", "zoneId", "accountId", "allowedDomains", "alertWebhookUrl", "alertWebhookFormat", "scriptName", "bucketName", "exportPageSize"];

/** Every problem with the args in one `MtaStsConfigError`, or the normalised values. */
export function checkReceiverArgs(args: CloudflareTlsRptReceiverArgs): CheckedReceiverArgs {
  const a = (args ?? {}) as Partial<CloudflareTlsRptReceiverArgs>;
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(a)) {
    if ((ARG_FIELDS as readonly string[]).includes(key)) continue;
    const suggestion = closest(key, ARG_FIELDS);
    issues.push({ path: key, message: `unknown field; ${suggestion ? `did you mean "${suggestion}"?` : `known fields: ${ARG_FIELDS.join(", ")}`}` });
  }
  const host = a.hostname === undefined ? { ok: false as const, message: 'is required; the host name senders post reports to, e.g. "tlsrpt.example.com"' } : receiverHostname(a.hostname);
  if (!host.ok) issues.push({ path: "hostname", message: host.message });
  for (const [field, kind] of [["zoneId", "zone"], ["accountId", "account"]] as const) {
    const value = a[field] as unknown;
    if (value === undefined || value === null || value === "") issues.push({ path: field, message: `is required; the Cloudflare ${kind} id (32 hex characters, on the dashboard's overview page)` });
    // Only a plain value can be judged here; an Output is the consumer's to get right.
    else if (typeof value === "string" || typeof value === "number") {
      const problem = cloudflareIdProblem(value, kind);
      if (problem) issues.push({ path: field, message: problem });
    }
  }
  const allowedDomains: string[] = [];
  if (!Array.isArray(a.allowedDomains)) {
    issues.push({ path: "allowedDomains", message: 'is required; the mail domains whose reports are stored, e.g. ["example.com"]' });
  } else {
    a.allowedDomains.forEach((d, i) => {
      const result = typeof d === "string" ? normaliseHostname(d) : undefined;
      if (!result?.ok) issues.push({ path: `allowedDomains[${i}]`, message: result ? result.error.message : 'must be a domain name (text) such as "example.com"' });
      else if (!allowedDomains.includes(result.value)) allowedDomains.push(result.value);
    });
  }
  // A plain URL is checked now; an Output (a secret) when it resolves.
  if (a.alertWebhookUrl !== undefined && !pulumi.Output.isInstance(a.alertWebhookUrl) && !(a.alertWebhookUrl instanceof Promise)) {
    const problem = webhookUrlProblem(a.alertWebhookUrl);
    if (problem) issues.push({ path: "alertWebhookUrl", message: problem });
  }
  if (a.alertWebhookFormat !== undefined) {
    const problem = alertFormatProblem(a.alertWebhookFormat);
    if (problem) issues.push({ path: "alertWebhookFormat", message: problem });
  }
  if (a.scriptName !== undefined) {
    const problem = siteNameProblem(a.scriptName);
    if (problem) issues.push({ path: "scriptName", message: problem.replace('"mta-sts-example-com"', '"tlsrpt-example-com"') });
  }
  if (a.bucketName !== undefined) {
    const problem = bucketNameProblem(a.bucketName);
    if (problem) issues.push({ path: "bucketName", message: problem });
  }
  if (a.exportPageSize !== undefined) {
    const problem = exportPageSizeProblem(a.exportPageSize);
    if (problem) issues.push({ path: "exportPageSize", message: problem });
  }
  if (issues.length > 0 || !host.ok) throw new MtaStsConfigError(issues);
  const scriptName = a.scriptName ?? defaultReceiverName(host.value);
  return {
    hostname: host.value,
    allowedDomains: allowedDomains.sort(),
    alertWebhookFormat: (a.alertWebhookFormat ?? DEFAULT_ALERT_WEBHOOK_FORMAT) as AlertWebhookFormat,
    scriptName,
    bucketName: a.bucketName ?? scriptName,
    exportPageSize: a.exportPageSize ?? DEFAULT_EXPORT_PAGE_SIZE,
  };
}

/** Per receiver, the resources that make it answer: the Worker script and its custom domain. */
const LIVE_RESOURCES = new WeakMap<CloudflareTlsRptReceiver, pulumi.Resource[]>();

/** The TXT record types the components write, and the input that holds each one's value. */
const TXT_RECORD_VALUE_INPUT: Readonly<Record<string, string>> = {
  "aws:route53/record:Record": "records",
  "cloudflare:index/dnsRecord:DnsRecord": "content",
};

/**
 * A transformation for a component that writes `_smtp._tls` records (AwsMtaSts,
 * CloudflareMtaSts, AwsSharedMtaStsHost): each such TXT record, of the given domains or of any,
 * is held back until the receiver answers, as each component holds back its `_mta-sts` record
 * until the policy is served: its value is derived from the outputs of the receiver's Worker
 * script and custom domain (so the SDK registers the record only once both are created or
 * updated), and `dependsOn` names them as well. A sender that reads the record can then post
 * to the receiver at once. Nothing else of the component waits, so a policy change is not held
 * up by the receiver.
 *
 * ```ts
 * new AwsMtaSts("example-com", { ..., tlsRpt: { rua: [tlsRptReceiverReportUrl("tlsrpt.example.com")] } },
 *   { transformations: [tlsRptRecordsAfter(receiver, ["example.com"])] });
 * ```
 */
export function tlsRptRecordsAfter(receiver: CloudflareTlsRptReceiver, domains?: readonly string[]): pulumi.ResourceTransformation {
  const live = LIVE_RESOURCES.get(receiver);
  if (!live) throw new TypeError("tlsRptRecordsAfter: receiver must be a CloudflareTlsRptReceiver");
  const liveIds = pulumi.all(live.map((r) => (r as pulumi.CustomResource).id));
  const names = domains ? new Set(domains.map((d) => `_smtp._tls.${d.toLowerCase().replace(/\.$/, "")}`)) : undefined;
  return ({ type, props, opts }) => {
    const valueInput = TXT_RECORD_VALUE_INPUT[type];
    const recordName = props.name;
    if (valueInput === undefined || props.type !== "TXT" || typeof recordName !== "string") return undefined;
    const record = recordName.toLowerCase().replace(/\.$/, "");
    if (!(names ? names.has(record) : record.startsWith("_smtp._tls."))) return undefined;
    const existing = opts.dependsOn;
    const dependsOn =
      existing === undefined
        ? [...live]
        : Array.isArray(existing)
          ? [...existing, ...live]
          : pulumi.Resource.isInstance(existing)
            ? [existing, ...live]
            : pulumi.output(existing as pulumi.Input<pulumi.Resource[]>).apply((list) => [...list, ...live]);
    return { props: { ...props, [valueInput]: afterGuardAnd(undefined, liveIds, props[valueInput]) }, opts: { ...opts, dependsOn } };
  };
}
