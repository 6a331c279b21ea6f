/**
 * The README's TLS-RPT receiver section: its input and output tables say exactly what the
 * component's JSDoc says, every input's JSDoc ends with its default (or Required.), and the
 * section covers what an operator needs: the stack block, the secret webhook URL, the costs,
 * pointing only some domains at it, reading the reports, and what an AWS receiver would be.
 */
import { memberDocs, readmeSection, tableRows as sectionTableRows } from "../../support/readme";

const SECTION = "## Your own TLS-RPT receiver: `CloudflareTlsRptReceiver`";
const COMPONENT = "components/cloudflare/cloudflare-tlsrpt-receiver.ts";

test("every CloudflareTlsRptReceiverArgs field has JSDoc ending with its default (or Required.)", () => {
  const docs = memberDocs(COMPONENT, "CloudflareTlsRptReceiverArgs");
  expect([...docs.keys()].sort()).toEqual(["accountId", "alertWebhookFormat", "alertWebhookUrl", "allowedDomains", "bucketName", "exportPageSize", "hostname", "scriptName", "zoneId"]);
  for (const [field, doc] of docs) expect([field, /(Defaults to [^.]*(\.[^.]+)*\.|Required\.)$/.test(doc)]).toEqual([field, true]);
});

test("the README's receiver input table has one row per input, with the JSDoc text", () => {
  expect(Object.fromEntries(sectionTableRows(SECTION, "Inputs"))).toEqual(Object.fromEntries(memberDocs(COMPONENT, "CloudflareTlsRptReceiverArgs")));
});

test("the README's receiver output table has one row per output, with the JSDoc text", () => {
  expect(Object.fromEntries(sectionTableRows(SECTION, "Outputs"))).toEqual(Object.fromEntries(memberDocs(COMPONENT, "CloudflareTlsRptReceiver")));
});

test("the section names the stack block, the secret webhook, the costs, some domains only, reading, and AWS", () => {
  const text = readmeSection(SECTION);
  for (const needed of [
    "mta-sts:tlsRptReceiver:",
    "pulumi config set --path --secret 'mta-sts:tlsRptReceiver.alertWebhookUrl'",
    "[secret]",
    "### What it costs on Cloudflare",
    "100,000 a day",
    "Class A operations",
    "**Pointing only some domains at it.**",
    "receiver: true",
    "npx mta-sts reports https://tlsrpt.example.com --token-file tlsrpt.token",
    "pulumi stack output tlsRptReceiverToken --show-secrets",
    "### On AWS (not built)",
    "Lambda function",
  ]) {
    expect([needed, text.includes(needed)]).toEqual([needed, true]);
  }
  const contents = readmeSection("# pulumi-mta-sts");
  expect(contents).toContain("[TLS-RPT receiver](#your-own-tls-rpt-receiver-cloudflaretlsrptreceiver)");
});
