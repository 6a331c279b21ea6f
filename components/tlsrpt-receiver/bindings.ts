/**
 * The names of the receiver Worker's bindings: what the component declares on the script and
 * what the Worker reads from its `env`. One list, so the two cannot drift apart.
 */
export const RECEIVER_BINDINGS = {
  /** R2 bucket binding: where the reports are stored. */
  reports: "REPORTS",
  /** JSON binding: the policy domains (A-labels) whose reports are accepted. */
  allowedDomains: "ALLOWED_DOMAINS",
  /** Secret binding: the bearer token of the export. */
  exportToken: "EXPORT_TOKEN",
  /** Secret binding, optional: where failure alerts are posted. */
  alertWebhookUrl: "ALERT_WEBHOOK_URL",
  /** Text binding: `slack`, `teams` or `json`. */
  alertWebhookFormat: "ALERT_WEBHOOK_FORMAT",
  /** Text binding: reports per page of the export. */
  exportPageSize: "EXPORT_PAGE_SIZE",
} as const;

/** The name of the one module uploaded (`WorkersScript.mainModule`). */
export const RECEIVER_MAIN_MODULE = "tlsrpt-receiver.mjs";
