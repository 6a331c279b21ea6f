/**
 * Publish before announce, for the TLS-RPT receiver: a domain's `_smtp._tls` record that lists
 * `https://<receiver>/v1/report` is registered only after the receiver's Worker script and its
 * custom domain have completed, whichever component writes the record (CloudflareMtaSts,
 * AwsMtaSts, AwsSharedMtaStsHost). Proven as the policy hosts' `_mta-sts` ordering is: under
 * mocks, one of the receiver's resources completes late, and a record that did not wait would be
 * registered before it completed. The program's own path (stack config → declareStack) is used.
 *
 * Trap guarded against: a record that points senders at an endpoint that does not answer yet,
 * so the first day's reports are lost.
 */
import { installMocks, isolateModules, MockEngine, MockOptions, valueOf, waitForCompleted } from "../../support/pulumi-mocks";

const LATE_MS = 400;
const options: MockOptions & { lateTypes: Record<string, number> } = { lateTypes: {} };
let engine: MockEngine;
let stack: typeof import("../../../components/stack/stack-config");
let declare: typeof import("../../../components/stack/declare-domains");

beforeAll(async () => {
  engine = await installMocks(options);
  stack = await import("../../../components/stack/stack-config");
  declare = await import("../../../components/stack/declare-domains");
});
beforeEach(() => {
  engine.reset();
  options.lateTypes = {};
});

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const RECEIVER = { hostname: "tlsrpt.example.com", cloudflareZoneId: ZONE, cloudflareAccountId: ACCOUNT };
const policy = (domain: string) => ({ mode: "testing", mx: [`mx1.${domain}`] });

function validated(config: Parameters<typeof stack.validateStackConfig>[0]) {
  const result = stack.validateStackConfig(config);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result;
}

const completed = (name: string) => waitForCompleted(engine, name, 10000);

const at = (kind: "registered" | "completed", name: string) => engine.events.findIndex((e) => e.kind === kind && e.name === name);

const LATE: [string, string, string][] = [
  ["the receiver's Worker script", "cloudflare:index/workersScript:WorkersScript", "tlsrpt-receiver-script"],
  ["the receiver's custom domain", "cloudflare:index/workersCustomDomain:WorkersCustomDomain", "tlsrpt-receiver-domain"],
];

describe("a _smtp._tls record that names the receiver is registered only after the receiver answers", () => {
  it.each(LATE)("waits for %s when it completes late (Cloudflare and AWS components)", async (_label, type, late) => {
    options.lateTypes = { [type]: LATE_MS };
    const result = validated({
      tlsRptReceiver: RECEIVER,
      domains: [
        { domain: "example.com", host: "cloudflare-worker", cloudflareZoneId: ZONE, cloudflareAccountId: ACCOUNT, policy: policy("example.com"), tlsRpt: { rua: ["mailto:tls@example.com"], receiver: true } },
        { domain: "example.net", host: "aws", hostedZoneId: "Z1", policy: policy("example.net"), tlsRpt: { receiver: true } },
        { domain: "example.org", host: "aws", hostedZoneId: "Z2", policy: policy("example.org"), tlsRpt: { rua: ["mailto:tls@example.org"] } },
      ],
    });
    declare.declareStack(result.domains, { skipLiveChecks: true, tlsRptReceiver: result.tlsRptReceiver });
    for (const name of ["example-com-tlsrpt-txt", "example-net-tlsrpt-txt", "example-org-tlsrpt-txt", late]) await completed(name);
    expect(at("registered", "example-com-tlsrpt-txt")).toBeGreaterThan(at("completed", late));
    expect(at("registered", "example-net-tlsrpt-txt")).toBeGreaterThan(at("completed", late));
    // Control: a domain that does not report to the receiver is not held back, so the delay was
    // real and the test could fail.
    expect(at("registered", "example-org-tlsrpt-txt")).toBeLessThan(at("completed", late));
    // The records say what they should once they are written.
    expect(engine.byName("example-com-tlsrpt-txt").inputs.content).toBe('"v=TLSRPTv1; rua=mailto:tls@example.com,https://tlsrpt.example.com/v1/report"');
    expect(engine.byName("example-net-tlsrpt-txt").inputs.records).toEqual(["v=TLSRPTv1; rua=https://tlsrpt.example.com/v1/report"]);
  });

  it("waits in the shared AWS host too, for its receiver domains only", async () => {
    options.lateTypes = { "cloudflare:index/workersCustomDomain:WorkersCustomDomain": LATE_MS };
    const result = validated({
      tlsRptReceiver: RECEIVER,
      sharedAwsHost: {},
      domains: [
        { domain: "shared-a.example", host: "aws", hostedZoneId: "Z3", group: 0, policy: policy("shared-a.example"), tlsRpt: { receiver: true } },
        { domain: "shared-b.example", host: "aws", hostedZoneId: "Z4", group: 0, policy: policy("shared-b.example"), tlsRpt: { rua: ["mailto:tls@shared-b.example"] } },
      ],
    });
    declare.declareStack(result.domains, { skipLiveChecks: true, sharedAwsHost: result.sharedAwsHost, tlsRptReceiver: result.tlsRptReceiver });
    const [a, b] = ["shared-a.example", "shared-b.example"].map((d) => `aws-shared-${d}-tlsrpt-txt`);
    await completed(a);
    await completed(b);
    await completed("tlsrpt-receiver-domain");
    expect(at("registered", a)).toBeGreaterThan(at("completed", "tlsrpt-receiver-domain"));
    expect(at("registered", b)).toBeLessThan(at("completed", "tlsrpt-receiver-domain"));
  });

  it("a policy change is not held up: the domain's _mta-sts record does not wait for the receiver", async () => {
    options.lateTypes = { "cloudflare:index/workersCustomDomain:WorkersCustomDomain": LATE_MS };
    const result = validated({
      tlsRptReceiver: RECEIVER,
      domains: [{ domain: "policy.example", host: "aws", hostedZoneId: "Z5", policy: policy("policy.example"), tlsRpt: { receiver: true } }],
    });
    declare.declareStack(result.domains, { skipLiveChecks: true, tlsRptReceiver: result.tlsRptReceiver });
    await completed("policy-example-tlsrpt-txt");
    await completed("tlsrpt-receiver-domain");
    expect(at("registered", "policy-example-tlsrpt-txt")).toBeGreaterThan(at("completed", "tlsrpt-receiver-domain"));
    expect(at("registered", "policy-example-sts-txt")).toBeLessThan(at("completed", "tlsrpt-receiver-domain"));
  });
});

describe("the program's receiver", () => {
  it("is declared with the stack's settings and exports its URLs, domains and the token as a secret", async () => {
    const result = validated({
      tlsRptReceiver: { ...RECEIVER, alertWebhookUrl: "https://hooks.slack.com/services/T0/B0/X", alertWebhookFormat: "slack" },
      domains: [{ domain: "outputs.example", host: "aws", hostedZoneId: "Z6", policy: policy("outputs.example"), tlsRpt: { receiver: true } }],
    });
    const out = declare.declareStack(result.domains, { skipLiveChecks: true, tlsRptReceiver: result.tlsRptReceiver });
    await completed("tlsrpt-receiver-domain");
    expect(engine.byName("tlsrpt-receiver-domain").inputs).toMatchObject({ hostname: "tlsrpt.example.com", zoneId: ZONE, accountId: ACCOUNT });
    expect(await valueOf(out.tlsRptReceiver!.reportUrl)).toBe("https://tlsrpt.example.com/v1/report");
    expect(await valueOf(out.tlsRptReceiver!.exportUrl)).toBe("https://tlsrpt.example.com/v1/reports");
    expect(await valueOf(out.tlsRptReceiver!.allowedDomains)).toEqual(["outputs.example"]);
    const pulumi = await import("@pulumi/pulumi");
    expect(await pulumi.isSecret(pulumi.output(out.tlsRptReceiver!.exportToken))).toBe(true);
  });

  it("refuses to run with a webhook URL still encrypted (pulumi decrypts it; only the offline plan cannot)", () => {
    const result = validated({
      tlsRptReceiver: { ...RECEIVER, alertWebhookUrl: { secure: "v1:AAAA" } },
      domains: [{ domain: "enc.example", host: "aws", hostedZoneId: "Z7", policy: policy("enc.example"), tlsRpt: { receiver: true } }],
    });
    expect(() => declare.declareStack(result.domains, { skipLiveChecks: true, tlsRptReceiver: result.tlsRptReceiver })).toThrow(/tlsRptReceiver\.alertWebhookUrl: is still encrypted/);
    expect(engine.resources).toEqual([]);
  });

  it("index.ts stops with a RunError (no stack trace) naming the field, and declares nothing", async () => {
    const pulumi = await import("@pulumi/pulumi");
    pulumi.runtime.setAllConfig({
      "mta-sts:tlsRptReceiver": JSON.stringify({ ...RECEIVER, alertWebhookUrl: { secure: "v1:AAAA" } }),
      "mta-sts:domains": JSON.stringify([{ domain: "run.example", host: "aws", hostedZoneId: "Z8", policy: policy("run.example"), tlsRpt: { receiver: true } }]),
      "mta-sts:skipLiveChecks": "true",
    });
    let thrown: unknown;
    isolateModules(() => {
      try {
        require("../../../index");
      } catch (err) {
        thrown = err;
      }
    });
    expect(pulumi.RunError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toContain("tlsRptReceiver.alertWebhookUrl: is still encrypted");
    expect(engine.resources).toEqual([]);
  });
});
