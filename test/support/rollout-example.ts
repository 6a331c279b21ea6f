/**
 * examples/rollout/tls-reports.mbox, the mailbox the README's "From testing to enforce" walks
 * through: generated here, so it can be regenerated and a test can hold the committed file to it
 * (`node -r ./scripts/ts-register.js -e 'process.stdout.write(require("./test/support/rollout-example").rolloutExampleMbox())' > examples/rollout/tls-reports.mbox`).
 *
 * Two senders (Google's and Microsoft's report shapes and addresses), one report mail per
 * domain, sender and day, each a `multipart/report; report-type="tlsrpt"` with the report as a
 * gzip'd `application/tlsrpt+gzip` attachment (RFC 8460 §5.3). Unsigned, as an exported mailbox is.
 */
import { gzipSync } from "node:zlib";
import { dayRange, reportJson } from "./reports";

const SENDERS = [
  { org: "Google Inc.", from: "noreply-smtp-tls-reporting@google.com", submitter: "google.com" },
  { org: "Microsoft Corporation", from: "tlsrpt-noreply@microsoft.com", submitter: "microsoft.com" },
] as const;

interface Reported {
  readonly domain: string;
  readonly mx: readonly string[];
  readonly days: readonly string[];
  readonly senders: readonly (typeof SENDERS)[number][];
  /** Failed sessions on a day, by result type, reported by every sender. */
  readonly failures?: Readonly<Record<string, { resultType: string; sessions: number; mx: string }>>;
}

const TWO_WEEKS = dayRange(14, "2026-03-01");

/** What each domain of examples/rollout/Pulumi.rollout.yaml was sent. */
const REPORTED: readonly Reported[] = [
  { domain: "shop.example", mx: ["mx1.shop.example", "mx2.shop.example"], days: TWO_WEEKS, senders: SENDERS },
  { domain: "news.example", mx: ["*.mail.news.example"], days: TWO_WEEKS, senders: SENDERS },
  {
    domain: "support.example",
    mx: ["mx.support.example"],
    days: TWO_WEEKS.slice(10),
    senders: SENDERS,
    failures: { "2026-03-12": { resultType: "certificate-expired", sessions: 3, mx: "mx.support.example" }, "2026-03-13": { resultType: "certificate-expired", sessions: 4, mx: "mx.support.example" } },
  },
  { domain: "billing.example", mx: ["mx.billing.example"], days: TWO_WEEKS, senders: SENDERS },
  { domain: "brand.example", mx: ["mx.brand.example"], days: TWO_WEEKS.slice(11), senders: SENDERS.slice(0, 1) },
];

function mail(sender: (typeof SENDERS)[number], domain: string, day: string, report: string): string {
  const start = Date.parse(`${day}T00:00:00Z`) / 1000;
  const sent = new Date((start + 86400 + 3600) * 1000);
  const boundary = `tlsrpt-${domain}-${day}`;
  const attachment = gzipSync(report).toString("base64").match(/.{1,76}/g)!;
  return [
    // The mbox separator line, with the date as ctime(3) writes it: "Mon Mar  2 01:00:00 2026".
    `From ${sender.from} ${sent.toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, (_, wd, d, m, y, t) => `${wd} ${m} ${String(Number(d)).padStart(2)} ${t} ${y}`)}`,
    `From: ${sender.org === "Google Inc." ? "noreply-smtp-tls-reporting" : "TLS-RPT"} <${sender.from}>`,
    `To: tlsrpt@example.com`,
    `Date: ${sent.toUTCString().replace("GMT", "+0000")}`,
    `Subject: Report Domain: ${domain} Submitter: ${sender.submitter} Report-ID: <${day}.${domain}@${sender.submitter}>`,
    `Message-ID: <${day}.${domain}@${sender.submitter}>`,
    `TLS-Report-Domain: ${domain}`,
    `TLS-Report-Submitter: ${sender.submitter}`,
    "MIME-Version: 1.0",
    `Content-Type: multipart/report; report-type="tlsrpt"; boundary="${boundary}"`,
    "",
    `--${boundary}`,
    "Content-Type: text/plain; charset=us-ascii",
    "",
    `This is an aggregate TLS report from ${sender.submitter}.`,
    "",
    `--${boundary}`,
    "Content-Type: application/tlsrpt+gzip",
    `Content-Disposition: attachment; filename="${sender.submitter}!${domain}!${start}!${start + 86399}.json.gz"`,
    "Content-Transfer-Encoding: base64",
    "",
    ...attachment,
    "",
    `--${boundary}--`,
    "",
  ].join("\n");
}

/** The whole mbox (RFC 4155), messages in day order. */
export function rolloutExampleMbox(): string {
  const mails: { day: string; text: string }[] = [];
  for (const r of REPORTED) {
    for (const day of r.days) {
      for (const sender of r.senders) {
        const failure = r.failures?.[day];
        const report = reportJson({
          day,
          domain: r.domain,
          org: sender.org,
          mx: [...r.mx],
          successful: 40 + (day.charCodeAt(9) % 7) * 3,
          reportId: `${day}T00:00:00Z_${r.domain}@${sender.submitter}`,
          ...(failure ? { failed: failure.sessions, details: [{ "result-type": failure.resultType, "failed-session-count": failure.sessions, "receiving-mx-hostname": failure.mx }] } : {}),
        });
        mails.push({ day, text: mail(sender, r.domain, day, report) });
      }
    }
  }
  return mails
    .sort((a, b) => a.day.localeCompare(b.day))
    .map((m) => m.text)
    .join("\n");
}
