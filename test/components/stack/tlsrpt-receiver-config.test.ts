/**
 * The stack config of the kit's own TLS-RPT receiver: the `mta-sts:tlsRptReceiver` block, a
 * domain's `tlsRpt: { receiver: true }`, and what follows from them (the `_smtp._tls` rua, the
 * domains the receiver accepts). Every mistake is an issue with its path and the fix, found
 * before anything is declared; the webhook URL, a credential, is never quoted.
 */
import { validateStackConfig } from "../../../components/stack/stack-config";
import { isEncryptedValue } from "../../../components/stack/tlsrpt-receiver-config";

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const RECEIVER = { hostname: "tlsrpt.example.com", cloudflareZoneId: ZONE, cloudflareAccountId: ACCOUNT };
const REPORT_URL = "https://tlsrpt.example.com/v1/report";

const domain = (name: string, tlsRpt?: unknown) => ({
  domain: name,
  host: "aws",
  hostedZoneId: "Z123",
  policy: { mode: "testing", mx: [`mx1.${name}`] },
  ...(tlsRpt !== undefined ? { tlsRpt } : {}),
});

function valid(config: Parameters<typeof validateStackConfig>[0]) {
  const result = validateStackConfig(config);
  if (!result.ok) throw new Error(`expected a valid config, got: ${JSON.stringify(result.issues)}`);
  return result;
}

function issues(config: Parameters<typeof validateStackConfig>[0]) {
  const result = validateStackConfig(config);
  if (result.ok) throw new Error("expected issues, the config was accepted");
  return result.issues;
}

describe("tlsRpt.receiver: true points a domain's reports at the receiver", () => {
  test("its _smtp._tls rua lists https://<hostname>/v1/report after the mailto: addresses", () => {
    const result = valid({ tlsRptReceiver: RECEIVER, domains: [domain("example.com", { rua: ["mailto:tls@example.com"], receiver: true }), domain("example.net", { receiver: true })] });
    expect(result.domains[0].intent.tlsRpt?.rua).toEqual(["mailto:tls@example.com", REPORT_URL]);
    expect(result.domains[1].intent.tlsRpt?.rua).toEqual([REPORT_URL]);
  });

  test("the receiver accepts exactly the domains that set receiver: true (only some domains point at it)", () => {
    const result = valid({
      tlsRptReceiver: RECEIVER,
      domains: [domain("example.org", { receiver: true }), domain("example.com", { rua: ["mailto:tls@example.com"] }), domain("bücher.example", { receiver: true }), domain("example.net")],
    });
    expect(result.tlsRptReceiver?.allowedDomains).toEqual(["example.org", "xn--bcher-kva.example"]);
    expect(result.domains[1].intent.tlsRpt?.rua).toEqual(["mailto:tls@example.com"]);
    expect(result.domains[3].intent.tlsRpt).toBeUndefined();
  });

  test("receiver: true in defaults applies to every domain, beside a domain's own rua; receiver: false opts a domain out", () => {
    const result = valid({
      tlsRptReceiver: RECEIVER,
      defaults: { tlsRpt: { receiver: true } },
      domains: [domain("example.com"), domain("example.net", { rua: ["mailto:tls@example.net"] }), domain("example.org", { rua: ["mailto:tls@example.org"], receiver: false })],
    });
    expect(result.domains.map((d) => d.intent.tlsRpt?.rua)).toEqual([[REPORT_URL], ["mailto:tls@example.net", REPORT_URL], ["mailto:tls@example.org"]]);
    expect(result.tlsRptReceiver?.allowedDomains).toEqual(["example.com", "example.net"]);
  });

  test("the receiver's URL written in rua as well is listed once", () => {
    const result = valid({ tlsRptReceiver: RECEIVER, domains: [domain("example.com", { rua: [REPORT_URL], receiver: true })] });
    expect(result.domains[0].intent.tlsRpt?.rua).toEqual([REPORT_URL]);
  });

  test("receiver: true without mta-sts:tlsRptReceiver is an error that names the fix", () => {
    expect(issues({ domains: [domain("example.com", { receiver: true })] })).toEqual([
      {
        path: "domains[0].tlsRpt.receiver",
        message: "is true, but the stack has no TLS-RPT receiver: add mta-sts:tlsRptReceiver (hostname, cloudflareZoneId, cloudflareAccountId), or list rua addresses instead",
      },
    ]);
  });

  test("a misspelt key in tlsRpt gets a did-you-mean", () => {
    expect(issues({ tlsRptReceiver: RECEIVER, domains: [domain("example.com", { reciever: true })] })).toContainEqual({
      path: "domains[0].tlsRpt.reciever",
      message: 'unknown field; did you mean "receiver"?',
    });
  });

  test("a block with neither rua nor receiver names both ways out", () => {
    expect(issues({ tlsRptReceiver: RECEIVER, domains: [domain("example.com", { receiver: false })] })).toContainEqual({
      path: "domains[0].tlsRpt",
      message: expect.stringContaining("give rua addresses or receiver: true"),
    });
  });

  test("a stack with the receiver and no domain pointing at it deploys it with a warning", () => {
    const result = valid({ tlsRptReceiver: RECEIVER, domains: [domain("example.com", { rua: ["mailto:tls@example.com"] })] });
    expect(result.tlsRptReceiver?.allowedDomains).toEqual([]);
    expect(result.warnings).toContainEqual({ path: "tlsRptReceiver", message: expect.stringContaining("set tlsRpt: { receiver: true } on the domains that should") });
  });
});

describe("the mta-sts:tlsRptReceiver block", () => {
  test("is read with its defaults: the json alert format, the Worker and bucket name from the host name", () => {
    const result = valid({ tlsRptReceiver: { ...RECEIVER, hostname: "TLSRPT.Example.COM." }, domains: [domain("example.com", { receiver: true })] });
    expect(result.tlsRptReceiver).toEqual({
      hostname: "tlsrpt.example.com",
      cloudflareZoneId: ZONE,
      cloudflareAccountId: ACCOUNT,
      alertWebhookFormat: "json",
      reportUrl: REPORT_URL,
      scriptName: "tlsrpt-tlsrpt-example-com",
      allowedDomains: ["example.com"],
    });
  });

  test("the top-level key misspelt gets a did-you-mean", () => {
    expect(issues({ domains: [domain("example.com")], unknownKeys: ["mta-sts:tlsRptReciever"] })).toContainEqual({
      path: "mta-sts:tlsRptReciever",
      message: 'unknown key; did you mean "mta-sts:tlsRptReceiver"?',
    });
  });

  test.each([
    ["hostName", "hostname"],
    ["cloudflareZoneID", "cloudflareZoneId"],
    ["alertWebhookURL", "alertWebhookUrl"],
    ["alertWebhookFormats", "alertWebhookFormat"],
  ])("an unknown key %s gets did you mean %j", (key, suggestion) => {
    expect(issues({ tlsRptReceiver: { ...RECEIVER, [key]: "x" }, domains: [domain("example.com")] })).toContainEqual({
      path: `tlsRptReceiver.${key}`,
      message: `unknown field; did you mean "${suggestion}"?`,
    });
  });

  test.each([
    ["hostname", { hostname: undefined }, /is required; the host name senders post reports to/],
    ["hostname", { hostname: "tlsrpt" }, /single label/],
    ["cloudflareZoneId", { cloudflareZoneId: "abc" }, /not a Cloudflare zone id/],
    ["cloudflareAccountId", { cloudflareAccountId: undefined }, /is required; copy the account id/],
    ["alertWebhookFormat", { alertWebhookFormat: "discord" }, /"discord" is not an alert format; write "slack", "teams", "json"/],
    ["alertWebhookUrl", { alertWebhookUrl: "http://hooks.slack.com/services/T0/B0/SECRETPART" }, /must start with https:\/\//],
  ])("%s: %j is refused, naming the fix", (field, change, message) => {
    const found = issues({ tlsRptReceiver: { ...RECEIVER, ...change }, domains: [domain("example.com", { receiver: true })] });
    const issue = found.find((i) => i.path === `tlsRptReceiver.${field}`);
    expect(issue?.message).toMatch(message);
    // The webhook URL is a credential: never in a message.
    expect(JSON.stringify(found)).not.toContain("SECRETPART");
    // An invalid block is reported once, where it is, not again on each domain that names it.
    expect(found.filter((i) => i.path.startsWith("domains["))).toEqual([]);
  });

  test("an encrypted webhook URL (secure:) is accepted unread, so the offline tools never fail on it", () => {
    const result = valid({ tlsRptReceiver: { ...RECEIVER, alertWebhookUrl: { secure: "v1:AAAABBBBCCCC" }, alertWebhookFormat: "teams" }, domains: [domain("example.com", { receiver: true })] });
    expect(result.tlsRptReceiver?.alertWebhookUrlEncrypted).toBe(true);
    expect(result.tlsRptReceiver?.alertWebhookUrl).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain("v1:AAAABBBBCCCC");
    expect(isEncryptedValue({ secure: "v1:x" })).toBe(true);
    expect(isEncryptedValue({ secure: "v1:x", other: 1 })).toBe(false);
  });

  test("the whole block encrypted is refused: the host name must stay readable", () => {
    expect(issues({ tlsRptReceiver: { secure: "v1:AAAA" }, domains: [domain("example.com")] })).toEqual([
      { path: "tlsRptReceiver", message: expect.stringContaining("encrypt only the webhook URL: `pulumi config set --path --secret 'mta-sts:tlsRptReceiver.alertWebhookUrl' <url>`") },
    ]);
  });

  test("the receiver cannot be a domain's policy host", () => {
    expect(issues({ tlsRptReceiver: { ...RECEIVER, hostname: "mta-sts.example.com" }, domains: [domain("example.com", { receiver: true })] })).toContainEqual({
      path: "tlsRptReceiver.hostname",
      message: expect.stringContaining('"mta-sts.example.com" serves the MTA-STS policy of example.com (domains[0])'),
    });
  });

  test("a domain's Worker cannot take the receiver's name in the same account", () => {
    const worker = { domain: "example.com", host: "cloudflare-worker", cloudflareZoneId: ZONE, cloudflareAccountId: ACCOUNT, siteName: "tlsrpt-tlsrpt-example-com", policy: { mode: "testing", mx: ["mx1.example.com"] } };
    expect(issues({ tlsRptReceiver: RECEIVER, domains: [worker] })).toContainEqual({
      path: "domains[0].siteName",
      message: expect.stringContaining("is the name of the TLS-RPT receiver's Worker"),
    });
  });

  test("a domain whose component would be named like the receiver's is refused", () => {
    expect(issues({ tlsRptReceiver: RECEIVER, domains: [domain("tlsrpt.receiver")] })).toContainEqual({
      path: "domains[0].domain",
      message: expect.stringContaining('the name of the TLS-RPT receiver\'s ("tlsrpt-receiver")'),
    });
  });
});
