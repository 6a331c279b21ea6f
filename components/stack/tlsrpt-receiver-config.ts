/**
 * The stack config of the kit's TLS-RPT receiver, and how domains point at it:
 *
 * ```yaml
 * config:
 *   mta-sts:tlsRptReceiver:
 *     hostname: tlsrpt.example.com
 *     cloudflareZoneId: 0123456789abcdef0123456789abcdef
 *     cloudflareAccountId: fedcba9876543210fedcba9876543210
 *     alertWebhookUrl:                 # optional; a credential, so a Pulumi secret:
 *       secure: v1:...                 #   pulumi config set --path --secret 'mta-sts:tlsRptReceiver.alertWebhookUrl' https://hooks...
 *     alertWebhookFormat: slack        # slack | teams | json (default)
 *   mta-sts:domains:
 *     - domain: example.com
 *       tlsRpt: { receiver: true }     # _smtp._tls lists https://tlsrpt.example.com/v1/report
 *     - domain: example.net
 *       tlsRpt: { rua: ["mailto:tls@example.net"], receiver: true }   # both
 * ```
 *
 * A domain's `tlsRpt` may name `rua` addresses, `receiver: true`, or both; the receiver's URL is
 * added after the addresses. The receiver accepts reports for exactly the domains whose record
 * lists its URL. Pure (no Pulumi import): the program and the CLI read the same answers.
 */
import { z } from "zod";
import { cloudflareIdProblem } from "../model/cloudflare-ids";
import { ConfigIssue, formatPath, tlsRptSchema, zodIssues } from "../model/config";
import { componentName, defaultReceiverName } from "../model/names";
import { alertFormatProblem, receiverHostname, webhookUrlProblem } from "../model/receiver-config";
import { AlertFormat, DEFAULT_ALERT_WEBHOOK_FORMAT, tlsRptReceiverReportUrl } from "../model/tlsrpt-receiver";

/**
 * A domain's `tlsRpt` block in the stack config: the component's (`rua`) plus `receiver`. Valid
 * with either or both.
 */
export const stackTlsRptSchema = z
  .strictObject(
    {
      rua: tlsRptSchema.shape.rua.optional(),
      receiver: z.boolean({ error: "must be true or false: true lists the stack's TLS-RPT receiver (mta-sts:tlsRptReceiver) in rua" }).optional(),
    },
    { error: 'must be a block such as { rua: ["mailto:tlsrpt@example.com"] } or { receiver: true }' },
  );
export type StackTlsRptConfig = z.output<typeof stackTlsRptSchema>;

const receiverSchema = z.strictObject(
  {
    hostname: z.unknown(),
    cloudflareZoneId: z.unknown(),
    cloudflareAccountId: z.unknown(),
    alertWebhookUrl: z.unknown().optional(),
    alertWebhookFormat: z.unknown().optional(),
  },
  { error: "must be a block such as { hostname: tlsrpt.example.com, cloudflareZoneId: ..., cloudflareAccountId: ... }" },
);

/** `mta-sts:tlsRptReceiver`, validated. */
export interface TlsRptReceiverConfig {
  /** A-label. */
  readonly hostname: string;
  readonly cloudflareZoneId: string;
  readonly cloudflareAccountId: string;
  /**
   * The URL, decrypted, when the program runs. Absent with `alertWebhookUrlEncrypted` when the
   * stack file holds it encrypted (`secure:`) and the reader cannot decrypt it (the CLI, offline).
   */
  readonly alertWebhookUrl?: string;
  /** True when the stack file gives the URL as a Pulumi secret (`secure:`) not decrypted here. */
  readonly alertWebhookUrlEncrypted?: boolean;
  readonly alertWebhookFormat: AlertFormat;
  /** `https://<hostname>/v1/report` */
  readonly reportUrl: string;
  /** The Worker script and R2 bucket name. */
  readonly scriptName: string;
}

/** What the program declares: the receiver and the domains it takes reports for. */
export interface TlsRptReceiverDeployment extends TlsRptReceiverConfig {
  /** The domains (A-labels, sorted) whose `_smtp._tls` record lists `reportUrl`. */
  readonly allowedDomains: readonly string[];
}

/** The `mta-sts:tlsRptReceiver` block, or its problems (paths start with `tlsRptReceiver`). */
export function readTlsRptReceiver(raw: unknown): { config?: TlsRptReceiverConfig; issues: ConfigIssue[] } {
  const at = (field?: string) => (field ? `tlsRptReceiver.${field}` : "tlsRptReceiver");
  if (isEncryptedValue(raw)) {
    return {
      issues: [
        {
          path: at(),
          message:
            "is encrypted as a whole, so the offline plan cannot read its host name; encrypt only the webhook URL: `pulumi config set --path --secret 'mta-sts:tlsRptReceiver.alertWebhookUrl' <url>`",
        },
      ],
    };
  }
  const parsed = receiverSchema.safeParse(raw);
  if (!parsed.success) return { issues: zodIssues(parsed.error, raw, ["tlsRptReceiver"], () => Object.keys(receiverSchema.shape)) };
  const block = parsed.data;
  const issues: ConfigIssue[] = [];
  const host = block.hostname === undefined ? { ok: false as const, message: 'is required; the host name senders post reports to, e.g. "tlsrpt.example.com", in the zone cloudflareZoneId' } : receiverHostname(block.hostname);
  if (!host.ok) issues.push({ path: at("hostname"), message: host.message });
  for (const [field, kind] of [["cloudflareZoneId", "zone"], ["cloudflareAccountId", "account"]] as const) {
    const value = block[field];
    if (value === undefined || value === "") issues.push({ path: at(field), message: `is required; copy the ${kind} id from the Cloudflare dashboard (32 hex characters)` });
    else {
      const problem = cloudflareIdProblem(value, kind);
      if (problem) issues.push({ path: at(field), message: problem });
    }
  }
  const encrypted = isEncryptedValue(block.alertWebhookUrl);
  if (block.alertWebhookUrl !== undefined && !encrypted) {
    const problem = webhookUrlProblem(block.alertWebhookUrl);
    if (problem) issues.push({ path: at("alertWebhookUrl"), message: problem });
  }
  if (block.alertWebhookFormat !== undefined) {
    const problem = alertFormatProblem(block.alertWebhookFormat);
    if (problem) issues.push({ path: at("alertWebhookFormat"), message: problem });
  }
  if (issues.length > 0 || !host.ok) return { issues };
  return {
    issues,
    config: {
      hostname: host.value,
      cloudflareZoneId: block.cloudflareZoneId as string,
      cloudflareAccountId: block.cloudflareAccountId as string,
      ...(encrypted ? { alertWebhookUrlEncrypted: true } : block.alertWebhookUrl !== undefined ? { alertWebhookUrl: (block.alertWebhookUrl as string).trim() } : {}),
      alertWebhookFormat: (block.alertWebhookFormat ?? DEFAULT_ALERT_WEBHOOK_FORMAT) as AlertFormat,
      reportUrl: tlsRptReceiverReportUrl(host.value),
      scriptName: defaultReceiverName(host.value),
    },
  };
}

/**
 * A value a stack file holds encrypted, as Pulumi writes it: `{ secure: "v1:..." }`. Only
 * `pulumi` can decrypt it (the program gets it in clear); what reads the file offline can only
 * say it is there.
 */
export function isEncryptedValue(value: unknown): value is { secure: string } {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/** The Pulumi name of the program's receiver component (and the prefix of its children). */
export const TLSRPT_RECEIVER_COMPONENT_NAME = "tlsrpt-receiver";

/**
 * A domain's `tlsRpt` as the component takes it (`{ rua }`): the addresses given, then the
 * receiver's URL when `receiver` is true (once, also if it was written in `rua`). `receiver: true`
 * without a receiver, or a block left with no destination, is an issue that names the fix.
 */
export function resolveTlsRpt(
  tlsRpt: StackTlsRptConfig | undefined,
  receiver: TlsRptReceiverConfig | undefined,
  receiverInvalid: boolean,
  path: readonly (string | number)[],
): { tlsRpt?: { rua: string[] }; issues: ConfigIssue[] } {
  if (tlsRpt === undefined) return { issues: [] };
  const rua = [...(tlsRpt.rua ?? [])];
  if (tlsRpt.receiver === true) {
    if (!receiver) {
      // An invalid block is reported where it is; here only a missing one.
      if (receiverInvalid) return { issues: [] };
      return {
        issues: [
          {
            path: formatPath([...path, "tlsRpt", "receiver"]),
            message: "is true, but the stack has no TLS-RPT receiver: add mta-sts:tlsRptReceiver (hostname, cloudflareZoneId, cloudflareAccountId), or list rua addresses instead",
          },
        ],
      };
    }
    if (!rua.some((u) => u.trim().toLowerCase() === receiver.reportUrl)) rua.push(receiver.reportUrl);
  }
  if (rua.length === 0) {
    return {
      issues: [
        {
          path: formatPath([...path, "tlsRpt"]),
          message: "has no destination: give rua addresses or receiver: true (with mta-sts:tlsRptReceiver), or remove tlsRpt; when mta-sts:defaults sets receiver: true, set it on the domains that want it instead",
        },
      ],
    };
  }
  return { tlsRpt: { rua }, issues: [] };
}

/**
 * The receiver and the domains it accepts: every domain whose rua lists its URL. Also checked:
 * the host name is no domain's policy host, no domain's Worker or Pages project in the same
 * account has the receiver's name, and no domain's component has the receiver component's name.
 */
export function receiverDeployment(
  config: TlsRptReceiverConfig,
  domains: readonly { index: number; intent: { domain: string; policyHost: string; tlsRpt?: { rua: readonly string[] } }; siteName?: string; cloudflareAccountId?: string }[],
): { deployment: TlsRptReceiverDeployment; issues: ConfigIssue[]; warnings: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const allowed: string[] = [];
  for (const d of domains) {
    if (d.intent.policyHost === config.hostname) {
      issues.push({ path: "tlsRptReceiver.hostname", message: `"${config.hostname}" serves the MTA-STS policy of ${d.intent.domain} (domains[${d.index}]); give the receiver a host name of its own, e.g. "tlsrpt.${d.intent.domain}"` });
    }
    if (d.siteName === config.scriptName && d.cloudflareAccountId === config.cloudflareAccountId) {
      issues.push({ path: formatPath(["domains", d.index, "siteName"]), message: `"${d.siteName}" is the name of the TLS-RPT receiver's Worker in account ${config.cloudflareAccountId}; give the domain another siteName` });
    }
    if (componentName(d.intent.domain) === TLSRPT_RECEIVER_COMPONENT_NAME) {
      issues.push({ path: formatPath(["domains", d.index, "domain"]), message: `${d.intent.domain}'s component would have the name of the TLS-RPT receiver's ("${TLSRPT_RECEIVER_COMPONENT_NAME}"); deploy the receiver from a stack without this domain` });
    }
    if (d.intent.tlsRpt?.rua.some((u) => u.toLowerCase() === config.reportUrl)) allowed.push(d.intent.domain);
  }
  if (allowed.length === 0) {
    warnings.push({ path: "tlsRptReceiver", message: "no domain sends its reports to the receiver yet, so it refuses every report; set tlsRpt: { receiver: true } on the domains that should" });
  }
  return { deployment: { ...config, allowedDomains: [...allowed].sort() }, issues, warnings };
}
