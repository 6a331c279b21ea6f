/**
 * The settings of a TLS-RPT receiver (see tlsrpt-receiver.ts for what it does with a request),
 * checked the same way by `CloudflareTlsRptReceiver` and by the stack config's
 * `mta-sts:tlsRptReceiver`: every problem is a message that says what would be right, and none
 * quotes the alert webhook URL, which is a credential (a Slack or Teams webhook URL is all it
 * takes to post to the channel).
 *
 * Pure: no Pulumi import, no I/O. Not bundled into the Worker (host names go through Node's IDNA).
 */
import { ALERT_WEBHOOK_FORMATS, MAX_EXPORT_PAGE_SIZE } from "./tlsrpt-receiver";
import { normaliseHostname } from "./hostname";

/** Why `value` cannot be the receiver's host name, or its A-label form. */
export function receiverHostname(value: unknown): { ok: true; value: string } | { ok: false; message: string } {
  if (typeof value !== "string") return { ok: false, message: 'must be a host name (text) such as "tlsrpt.example.com"' };
  const result = normaliseHostname(value);
  return result.ok ? result : { ok: false, message: result.error.message };
}

/**
 * Why `value` is not a usable alert webhook URL: it must be `https://` with a host name (the
 * URL is a credential and the alert names the domains' failures, so never in clear text), and
 * carry no user name or password. The value itself is never quoted.
 */
export function webhookUrlProblem(value: unknown): string | undefined {
  const fix = "give the https:// URL of a Slack incoming webhook, a Teams workflow or your own endpoint";
  if (typeof value !== "string" || value.trim() === "") return `must be a URL (text); ${fix}`;
  if (/[\s\u0000-\u001f\u007f]/.test(value.trim())) return `contains white space or control characters; ${fix}`;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return `is not a URL; ${fix}`;
  }
  if (url.protocol !== "https:") return `must start with https:// (the URL is a credential and is never sent in clear text); ${fix}`;
  if (url.username !== "" || url.password !== "") return "must not hold a user name or password before the host; put credentials in the path or query as the service gives them";
  if (!/^https:\/\/[^/?#]/i.test(value.trim()) || !normaliseHostname(url.hostname.replace(/^\[|\]$/g, "")).ok) return `must name a host (not an IP address); ${fix}`;
  return undefined;
}

/** Why `value` is not one of the alert formats. */
export function alertFormatProblem(value: unknown): string | undefined {
  if ((ALERT_WEBHOOK_FORMATS as readonly unknown[]).includes(value)) return undefined;
  return `${JSON.stringify(value)} is not an alert format; write ${ALERT_WEBHOOK_FORMATS.map((f) => `"${f}"`).join(", ")} (the default is "json")`;
}

/** Why `value` is not an R2 bucket name: 3 to 63 lowercase letters, digits and inner hyphens. */
export function bucketNameProblem(value: unknown): string | undefined {
  if (typeof value === "string" && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(value)) return undefined;
  return `${JSON.stringify(value)} must be an R2 bucket name: 3 to 63 lowercase letters, digits and inner hyphens, e.g. "tlsrpt-reports"`;
}

/** Why `value` is not a page size of the export. */
export function exportPageSizeProblem(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_EXPORT_PAGE_SIZE) return undefined;
  return `must be a whole number of reports from 1 to ${MAX_EXPORT_PAGE_SIZE} (a page is one R2 list and one read per report, within a Worker's 1,000 operations per request)`;
}
