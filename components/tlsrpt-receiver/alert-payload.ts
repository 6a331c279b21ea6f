/**
 * The body the receiver POSTs to the alert webhook when a report has failed sessions, in one of
 * three shapes:
 *
 * - `slack`: `{ "text": "..." }`, what a Slack incoming webhook takes. Slack reads `&`, `<` and
 *   `>` as control characters (`<!channel>`, `<https://...|link>`), so the sender's text has
 *   them as `&amp;`, `&lt;`, `&gt;`, as Slack's formatting reference asks;
 * - `teams`: a message with one Adaptive Card attachment, what a Teams workflow ("When a Teams
 *   webhook request is received") takes. Text a sender wrote is only ever in a `TextRun`, which
 *   Adaptive Cards never read as Markdown, so a report cannot put a link or a mention in it;
 * - `json`: this kit's own summary (`kind`, `version`, `receiver`, `reporter`, `reportId`,
 *   `day`, `domains`), for any other tool.
 *
 * Everything from the report is untrusted: control characters become spaces and every value is
 * cut to a bounded length, whatever the format. Pure: runs in the Worker and in tests.
 */
import { AlertFormat, FailureAlert } from "../model/tlsrpt-receiver";

/** The `kind` of the json format, and its version (raised when a field changes its meaning). */
export const ALERT_JSON_KIND = "mta-sts-tlsrpt-failure";
export const ALERT_JSON_VERSION = 1;

const MAX_TEXT = 200;

/** A sender's text as one bounded line: controls (and the line separators) as spaces, cut at `max`. */
export function plainLine(text: string, max = MAX_TEXT): string {
  const line = String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Slack's three control characters as entities (and nothing else: Slack decodes only these). */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const count = (n: number) => n.toLocaleString("en-US");

/** The one-line headline of each domain, e.g. `example.com: 12 failed TLS sessions (1,234 successful)`. */
function domainLines(alert: FailureAlert): { headline: string; types: string; mx: string }[] {
  return alert.domains.map((d) => ({
    headline: `${plainLine(d.domain, 253)}: ${count(d.failedSessions)} failed TLS session${d.failedSessions === 1 ? "" : "s"} (${count(d.successfulSessions)} successful)`,
    types: d.resultTypes.map((t) => `${plainLine(t.resultType, 64)} ${count(t.sessions)}`).join(", "),
    mx: d.receivingMx.map((m) => plainLine(m, 253)).join(", "),
  }));
}

function title(alert: FailureAlert): string {
  return `TLS-RPT: ${plainLine(alert.reporter, 100)} reports failed TLS sessions on ${alert.day}`;
}

function slackPayload(alert: FailureAlert, receiver: string): unknown {
  const lines = [`:rotating_light: ${slackEscape(title(alert))}`];
  for (const d of domainLines(alert)) {
    lines.push(`• ${slackEscape(d.headline)}`);
    if (d.types) lines.push(`    result types: ${slackEscape(d.types)}`);
    if (d.mx) lines.push(`    receiving MX: ${slackEscape(d.mx)}`);
  }
  lines.push(`report ${slackEscape(plainLine(alert.reportId, 100))}, stored by ${slackEscape(plainLine(receiver, 253))}; read it with mta-sts reports`);
  return { text: lines.join("\n") };
}

function teamsPayload(alert: FailureAlert, receiver: string): unknown {
  const run = (text: string, style: Record<string, unknown> = {}) => ({ type: "TextRun", text, ...style });
  const body: unknown[] = [{ type: "RichTextBlock", inlines: [run(title(alert), { weight: "Bolder", size: "Medium", color: "Attention" })] }];
  for (const d of domainLines(alert)) {
    body.push({ type: "RichTextBlock", separator: true, inlines: [run(d.headline, { weight: "Bolder" })] });
    if (d.types) body.push({ type: "RichTextBlock", inlines: [run("Result types: ", { isSubtle: true }), run(d.types)] });
    if (d.mx) body.push({ type: "RichTextBlock", inlines: [run("Receiving MX: ", { isSubtle: true }), run(d.mx)] });
  }
  body.push({ type: "RichTextBlock", inlines: [run(`Report ${plainLine(alert.reportId, 100)}, stored by ${plainLine(receiver, 253)}; read it with mta-sts reports.`, { isSubtle: true, size: "Small" })] });
  return {
    type: "message",
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: { $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4", body },
      },
    ],
  };
}

function jsonPayload(alert: FailureAlert, receiver: string): unknown {
  return {
    kind: ALERT_JSON_KIND,
    version: ALERT_JSON_VERSION,
    receiver: plainLine(receiver, 253),
    reporter: plainLine(alert.reporter),
    reportId: plainLine(alert.reportId),
    day: alert.day,
    domains: alert.domains.map((d) => ({
      domain: d.domain,
      failedSessions: d.failedSessions,
      successfulSessions: d.successfulSessions,
      resultTypes: d.resultTypes.map((t) => ({ resultType: plainLine(t.resultType, 64), sessions: t.sessions })),
      receivingMx: d.receivingMx.map((m) => plainLine(m, 253)),
      policyTypes: d.policyTypes.map((t) => plainLine(t, 64)),
    })),
  };
}

/** The webhook body for `alert` in `format`; `receiver` is the receiver's host name. */
export function alertPayload(alert: FailureAlert, format: AlertFormat, receiver: string): unknown {
  if (format === "slack") return slackPayload(alert, receiver);
  if (format === "teams") return teamsPayload(alert, receiver);
  return jsonPayload(alert, receiver);
}
