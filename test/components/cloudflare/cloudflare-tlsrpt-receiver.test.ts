/**
 * CloudflareTlsRptReceiver under the recording Pulumi mock engine: the R2 bucket, the export
 * token, the Worker (the bundle from dist/worker, with its bindings) and its custom domain,
 * named `${name}-<role>`, parented to the component, with the consumer's providers; secrets kept
 * secret; and every bad argument refused before anything is declared, naming the field and the
 * fix. What the Worker does is in tlsrpt-receiver-worker.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { idle, idleAndCompleted, installMocks, MockEngine, valueOf } from "../../support/pulumi-mocks";

let engine: MockEngine;
let mod: typeof import("../../../components/cloudflare/cloudflare-tlsrpt-receiver");
let bundle: typeof import("../../../components/cloudflare/tlsrpt-receiver-bundle");
let cloudflare: typeof import("@pulumi/cloudflare");
let random: typeof import("@pulumi/random");

beforeAll(async () => {
  engine = await installMocks();
  mod = await import("../../../components/cloudflare/cloudflare-tlsrpt-receiver");
  bundle = await import("../../../components/cloudflare/tlsrpt-receiver-bundle");
  cloudflare = await import("@pulumi/cloudflare");
  random = await import("@pulumi/random");
});
beforeEach(() => engine.reset());

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const BASE = { hostname: "tlsrpt.example.com", zoneId: ZONE, accountId: ACCOUNT, allowedDomains: ["example.org", "bücher.example", "example.com", "example.org"] };
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const isSecretInput = (v: unknown) => typeof v === "object" && v !== null && Object.values(v).includes(SECRET_SIG);
const secretValue = (v: any) => (isSecretInput(v) ? v.value : v);

/** Wait until the mock engine has finished creating `name`. */
const completed = (name: string, timeoutMs = 8000) => idleAndCompleted(engine, name, timeoutMs);

async function declare(name: string, args: Partial<import("../../../components/cloudflare/cloudflare-tlsrpt-receiver").CloudflareTlsRptReceiverArgs> = {}, opts: pulumi.ComponentResourceOptions = {}) {
  const receiver = new mod.CloudflareTlsRptReceiver(name, { ...BASE, ...args } as any, { transformations: [engine.captureOptions], ...opts });
  await completed(`${name}-domain`);
  return receiver;
}

/** The script's bindings are secret as a whole (the SDK lifts a secret element to its list). */
const bindingsAreSecret = () => isSecretInput(engine.byName("rx-script").inputs.bindings);
const binding = (name: string) => (secretValue(engine.byName("rx-script").inputs.bindings) as any[]).find((b) => b.name === name);

describe("what is declared", () => {
  test("an R2 bucket, named for the host name, in the account", async () => {
    await declare("rx");
    const bucket = engine.byName("rx-bucket");
    expect(bucket.type).toBe("cloudflare:index/r2Bucket:R2Bucket");
    expect(bucket.inputs).toMatchObject({ accountId: ACCOUNT, name: "tlsrpt-tlsrpt-example-com" });
  });

  test("the export token: 48 letters and digits from random.RandomPassword", async () => {
    await declare("rx");
    const token = engine.byName("rx-token");
    expect(token.type).toBe("random:index/randomPassword:RandomPassword");
    expect(token.inputs).toMatchObject({ length: 48, special: false });
  });

  test("a Worker whose module is the built bundle, on the compatibility date of the kit's Workers", async () => {
    await declare("rx");
    const script = engine.byName("rx-script");
    expect(script.type).toBe("cloudflare:index/workersScript:WorkersScript");
    expect(script.inputs).toMatchObject({ accountId: ACCOUNT, scriptName: "tlsrpt-tlsrpt-example-com", mainModule: "tlsrpt-receiver.mjs", compatibilityDate: "2025-09-01" });
    expect(script.inputs.content).toBe(bundle.loadReceiverBundle().source);
  });

  test("the Worker's bindings: the bucket, the allowed domains (A-labels, sorted, once), the token as a secret, the alert format and page size", async () => {
    await declare("rx");
    expect(binding("REPORTS")).toEqual({ type: "r2_bucket", name: "REPORTS", bucketName: "tlsrpt-tlsrpt-example-com" });
    expect(binding("ALLOWED_DOMAINS")).toEqual({ type: "json", name: "ALLOWED_DOMAINS", json: JSON.stringify(["example.com", "example.org", "xn--bcher-kva.example"]) });
    expect(binding("EXPORT_TOKEN")).toEqual({ type: "secret_text", name: "EXPORT_TOKEN", text: expect.stringMatching(/^[A-Za-z0-9-]{48}$/) });
    expect(bindingsAreSecret()).toBe(true);
    expect(binding("ALERT_WEBHOOK_FORMAT")).toEqual({ type: "plain_text", name: "ALERT_WEBHOOK_FORMAT", text: "json" });
    expect(binding("EXPORT_PAGE_SIZE")).toEqual({ type: "plain_text", name: "EXPORT_PAGE_SIZE", text: "100" });
    expect(binding("ALERT_WEBHOOK_URL")).toBeUndefined();
  });

  test("an alert webhook URL becomes a secret binding, whether given plain or as a secret", async () => {
    const url = "https://hooks.slack.com/services/T000/B000/XXXX";
    for (const given of [url, pulumi.secret(url)]) {
      engine.reset();
      await declare("rx", { alertWebhookUrl: given, alertWebhookFormat: "slack" });
      const hook = binding("ALERT_WEBHOOK_URL");
      expect(hook.type).toBe("secret_text");
      expect(hook.text).toBe(url);
      expect(bindingsAreSecret()).toBe(true);
      expect(binding("ALERT_WEBHOOK_FORMAT").text).toBe("slack");
    }
  });

  test("a Workers custom domain on the host name, in the zone, routing to the script, after it", async () => {
    await declare("rx");
    const domain = engine.byName("rx-domain");
    expect(domain.type).toBe("cloudflare:index/workersCustomDomain:WorkersCustomDomain");
    expect(domain.inputs).toEqual({ accountId: ACCOUNT, zoneId: ZONE, hostname: "tlsrpt.example.com", service: "tlsrpt-tlsrpt-example-com" });
    expect(engine.dependsOn.get("rx-domain")).toEqual(["rx-script"]);
  });

  test("children are named <name>-<role> and parented to the component, and nothing else is declared", async () => {
    await declare("rx");
    expect(engine.resources.map((r) => r.name).sort()).toEqual(["rx", "rx-bucket", "rx-domain", "rx-script", "rx-token"]);
    for (const child of ["rx-bucket", "rx-token", "rx-script", "rx-domain"]) expect([child, engine.parents.get(child)]).toEqual([child, "rx"]);
  });

  test("the consumer's providers are used; none is created", async () => {
    const cf = new cloudflare.Provider("consumer-cloudflare", { apiToken: "x".repeat(40) });
    const rnd = new random.Provider("consumer-random", {});
    await idle();
    engine.reset();
    await declare("rx", {}, { providers: { cloudflare: cf, random: rnd } });
    for (const child of ["rx-bucket", "rx-script", "rx-domain"]) expect(engine.byName(child).provider).toContain("consumer-cloudflare");
    expect(engine.byName("rx-token").provider).toContain("consumer-random");
    expect(engine.resources.filter((r) => r.type.startsWith("pulumi:providers:"))).toEqual([]);
  });

  test("scriptName, bucketName and exportPageSize are used as given", async () => {
    await declare("rx", { scriptName: "reports-in", bucketName: "tls-reports", exportPageSize: 999 });
    expect(engine.byName("rx-script").inputs.scriptName).toBe("reports-in");
    expect(engine.byName("rx-bucket").inputs.name).toBe("tls-reports");
    expect(engine.byName("rx-domain").inputs.service).toBe("reports-in");
    expect(binding("EXPORT_PAGE_SIZE").text).toBe("999");
  });
});

describe("flat outputs", () => {
  test("the report and export URLs, host, names and domains; the token is a secret", async () => {
    const rx = await declare("rx", { hostname: "TLSRPT.Example.COM." });
    expect(await valueOf(rx.reportUrl)).toBe("https://tlsrpt.example.com/v1/report");
    expect(await valueOf(rx.exportUrl)).toBe("https://tlsrpt.example.com/v1/reports");
    expect(await valueOf(rx.hostname)).toBe("tlsrpt.example.com");
    expect(await valueOf(rx.scriptName)).toBe("tlsrpt-tlsrpt-example-com");
    expect(await valueOf(rx.bucketName)).toBe("tlsrpt-tlsrpt-example-com");
    expect(await valueOf(rx.allowedDomains)).toEqual(["example.com", "example.org", "xn--bcher-kva.example"]);
    expect(await pulumi.isSecret(rx.exportToken)).toBe(true);
    expect(await valueOf(rx.exportToken)).toHaveLength(48);
  });

  test("an empty allowedDomains is allowed (deploy first, point domains later), with a warning on the component", async () => {
    await declare("rx", { allowedDomains: [] });
    expect(engine.logs.map((l) => l.message)).toContain("tlsrpt.example.com: allowedDomains is empty, so the receiver refuses every report; list the domains that send their reports here");
  });
});

describe("every argument is checked before anything is declared", () => {
  const WEBHOOK_SECRET = "T000SECRET/B000/XXXXSECRETPATH";
  test.each([
    ["hostname", { hostname: "*.example.com" }, /contains "\*"/],
    ["hostname", { hostname: "tlsrpt" }, /single label/],
    ["hostname", { hostname: undefined }, /is required/],
    ["zoneId", { zoneId: "abc" }, /not a Cloudflare zone id/],
    ["accountId", { accountId: ACCOUNT.toUpperCase() }, /write it in lowercase/],
    ["accountId", { accountId: undefined }, /is required/],
    ["allowedDomains", { allowedDomains: "example.com" }, /is required; the mail domains/],
    ["allowedDomains[1]", { allowedDomains: ["example.com", "not a domain"] }, /white space/],
    ["alertWebhookUrl", { alertWebhookUrl: `http://hooks.slack.com/services/${WEBHOOK_SECRET}` }, /must start with https:\/\//],
    ["alertWebhookUrl", { alertWebhookUrl: `https://user:pw@hooks.example.com/${WEBHOOK_SECRET}` }, /user name or password/],
    ["alertWebhookUrl", { alertWebhookUrl: `https://10.0.0.1/${WEBHOOK_SECRET}` }, /must name a host/],
    ["alertWebhookFormat", { alertWebhookFormat: "discord" }, /"discord" is not an alert format; write "slack", "teams", "json"/],
    ["scriptName", { scriptName: "Bad_Name" }, /lowercase letters/],
    ["bucketName", { bucketName: "ab" }, /R2 bucket name/],
    ["exportPageSize", { exportPageSize: 1000 }, /1 to 999/],
    ["alertWebhookURL", { alertWebhookURL: "https://x.example/" }, /unknown field; did you mean "alertWebhookUrl"\?/],
  ])("%s: %j is refused, naming the fix", (path, args, message) => {
    let error: any;
    try {
      new mod.CloudflareTlsRptReceiver("bad", { ...BASE, ...args } as any);
    } catch (err) {
      error = err;
    }
    expect(error?.name).toBe("MtaStsConfigError");
    const issue = error.issues.find((i: { path: string }) => i.path === path);
    expect(issue?.message).toMatch(message);
    // The webhook URL is a credential: never in a message.
    expect(error.message).not.toContain(WEBHOOK_SECRET);
    expect(engine.resources).toEqual([]);
  });

  test("all problems are reported at once", () => {
    expect(() => new mod.CloudflareTlsRptReceiver("bad", { hostname: "x", zoneId: "1", accountId: "2", allowedDomains: ["a b"] } as any)).toThrow(
      /hostname:[\s\S]*zoneId:[\s\S]*accountId:[\s\S]*allowedDomains\[0\]:/,
    );
  });
});

describe("tlsRptRecordsAfter: a _smtp._tls record waits for the receiver (ordering itself: tlsrpt-receiver-ordering.test.ts)", () => {
  test("holds back _smtp._tls TXT records of the given domains only: dependsOn the Worker and its custom domain, value derived from their outputs", async () => {
    const rx = await declare("rx");
    const transform = mod.tlsRptRecordsAfter(rx, ["example.com"]);
    const names = (deps: unknown) => (deps as { __name?: string }[]).map((r) => r.__name);
    const record = (name: string, type = "TXT", opts: pulumi.CustomResourceOptions = {}) => ({
      resource: rx,
      type: "cloudflare:index/dnsRecord:DnsRecord",
      name: "x",
      props: { name, type, content: "v=TLSRPTv1; rua=https://tlsrpt.example.com/v1/report" },
      opts: { parent: rx, ...opts },
    });
    const held = transform(record("_smtp._tls.example.com"));
    expect(names(held?.opts.dependsOn)).toEqual(["rx-script", "rx-domain"]);
    expect(pulumi.Output.isInstance(held?.props.content)).toBe(true);
    expect(await valueOf(held?.props.content)).toBe("v=TLSRPTv1; rua=https://tlsrpt.example.com/v1/report");
    expect(names(transform(record("_SMTP._TLS.Example.COM."))?.opts.dependsOn)).toEqual(["rx-script", "rx-domain"]);
    expect(transform(record("_smtp._tls.example.org"))).toBeUndefined();
    expect(transform(record("_mta-sts.example.com"))).toBeUndefined();
    expect(transform(record("_smtp._tls.example.com", "CNAME"))).toBeUndefined();
    // A Route 53 record keeps its own dependsOn, and its value (records) is held back as well.
    const route53 = transform({ ...record("_smtp._tls.example.com", "TXT", { dependsOn: [rx] }), type: "aws:route53/record:Record", props: { name: "_smtp._tls.example.com", type: "TXT", records: ["v=TLSRPTv1; rua=x"] } });
    expect(names(route53?.opts.dependsOn)).toEqual(["rx", "rx-script", "rx-domain"]);
    expect(await valueOf(route53?.props.records)).toEqual(["v=TLSRPTv1; rua=x"]);
  });

  test("refuses anything but a receiver", () => {
    expect(() => mod.tlsRptRecordsAfter({} as any)).toThrow(/receiver must be a CloudflareTlsRptReceiver/);
  });
});
