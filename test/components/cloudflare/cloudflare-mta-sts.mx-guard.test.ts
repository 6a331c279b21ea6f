/**
 * The enforce guard inside CloudflareMtaSts: before the Worker script or the Pages
 * deployment carries new bytes, and before the `_mta-sts` id changes, the domain's live MX hosts
 * are looked up through `dnsResolver` (here a real UDP DNS server on a random port of 127.0.0.1)
 * and compared with the policy's mx patterns: an uncovered host stops the deployment in
 * `enforce`, and is a warning in `testing`.
 *
 * Trap guarded against: a forgotten MX host in an enforce policy makes senders refuse to deliver
 * to it (RFC 8461 §4.1): bounced mail the moment the new id is published.
 */
import type * as pulumiType from "@pulumi/pulumi";
import { startDnsServer, TestDnsServer } from "../../support/dns-server";
import { runComponentInChild } from "../../support/component-child";
import { completedWithin, installMocks, MockEngine } from "../../support/pulumi-mocks";

type Args = import("../../../components/cloudflare/cloudflare-mta-sts").CloudflareMtaStsArgs;

let engine: MockEngine;
let mod: typeof import("../../../components/cloudflare/cloudflare-mta-sts");
let pulumi: typeof pulumiType;
let dns: TestDnsServer;

beforeAll(async () => {
  engine = await installMocks();
  mod = await import("../../../components/cloudflare/cloudflare-mta-sts");
  pulumi = await import("@pulumi/pulumi");
  dns = await startDnsServer({
    "example.org": { MX: [{ priority: 0, exchange: "example-org.mail.protection.outlook.com" }] },
    "forgotten.example": { MX: [{ priority: 10, exchange: "mx1.forgotten.example" }, { priority: 20, exchange: "backup-mx.provider.example" }] },
  });
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => {
  engine.reset();
  dns.queries.length = 0;
  dns.mode = "answer";
});

function args(domain: string, mode: "enforce" | "testing", mx: string[], extra: Partial<Args> = {}): Args {
  return { domain, zoneId: "023e105f4ecef8ad9ca31a8372d0c353", accountId: "f037e56e89293a057740de681ac9abbe", policy: { mode, mx, maxAgeSeconds: 1209600 }, tlsRpt: { rua: [`mailto:tlsrpt@${domain}`] }, dnsResolver: dns.address, ...extra };
}

const names = () => engine.resources.map((r) => r.name);

const completed = (name: string) => completedWithin(engine, name, 15000);
const runProgramInChild = (componentArgs: Args) => runComponentInChild("./components/cloudflare/cloudflare-mta-sts", "CloudflareMtaSts", componentArgs);

describe("live MX guard", () => {
  it.each(["worker", "pages"] as const)("publishes an enforce policy whose mx cover every live MX, after asking the given resolver (%s)", async (host) => {
    new mod.CloudflareMtaSts(`ok-${host}`, args("example.org", "enforce", ["*.mail.protection.outlook.com"], { host }));
    expect(await completed(`ok-${host}-sts-txt`)).toBe(true);
    expect(dns.queries).toContain("MX example.org");
    expect(names()).toContain(host === "worker" ? `ok-${host}-script` : `ok-${host}-deploy`);
  });

  it.each(["worker", "pages"] as const)(
    "stops an enforce policy with an uncovered live MX: names policy.mx and the host, publishes neither new bytes nor the id (%s)",
    async (host) => {
      const outcome = await runProgramInChild(args("forgotten.example", "enforce", ["mx1.forgotten.example"], { host }));
      expect(dns.queries).toContain("MX forgotten.example");
      expect(outcome.failures.length).toBeGreaterThan(0);
      for (const failure of outcome.failures) {
        expect(failure.name).toBe("MtaStsConfigError");
        expect(failure.issues).toEqual([{ path: "policy.mx", message: expect.stringContaining("backup-mx.provider.example") }]);
      }
      // The bytes carrier (script / deployment) and the id were not declared; TLS-RPT was.
      expect(outcome.registered).toContain("uncovered-tlsrpt-txt");
      expect(outcome.registered).not.toContain("uncovered-sts-txt");
      expect(outcome.registered).not.toContain(host === "worker" ? "uncovered-script" : "uncovered-deploy");
      if (host === "pages") expect(outcome.registered).toEqual(expect.arrayContaining(["uncovered-project", "uncovered-domain", "uncovered-host-cname"]));
    },
  );

  it("declares the script and the id once the forgotten MX is added to policy.mx (same program, no failure)", async () => {
    const outcome = await runProgramInChild(args("forgotten.example", "enforce", ["mx1.forgotten.example", "backup-mx.provider.example"]));
    expect(outcome.failures).toEqual([]);
    expect(outcome.registered).toEqual(expect.arrayContaining(["uncovered-script", "uncovered-domain", "uncovered-sts-txt"]));
  });

  it("holds the Worker script and the TXT until the MX answer arrives", async () => {
    dns.mode = "drop"; // the first try goes unanswered; the resolver retries after its timeout
    new mod.CloudflareMtaSts("held", args("example.org", "enforce", ["*.mail.protection.outlook.com"]));
    expect(await completed("held-tlsrpt-txt")).toBe(true); // control: what needs no guard goes ahead
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(dns.queries).toContain("MX example.org");
    expect(names()).not.toContain("held-script");
    expect(names()).not.toContain("held-sts-txt");
    dns.mode = "answer";
    expect(await completed("held-sts-txt")).toBe(true);
    expect(names()).toContain("held-script");
  }, 30_000);

  it("publishes a testing policy with an uncovered live MX and warns on the component", async () => {
    const warn = jest.spyOn(pulumi.log, "warn");
    try {
      const component = new mod.CloudflareMtaSts("warned", args("forgotten.example", "testing", ["mx1.forgotten.example"]));
      expect(await completed("warned-sts-txt")).toBe(true);
      const calls = warn.mock.calls.filter(([message]) => String(message).includes("backup-mx.provider.example"));
      expect(calls).toHaveLength(1);
      expect(String(calls[0][0])).toMatch(/^policy\.mx: /);
      expect(calls[0][1]).toBe(component);
    } finally {
      warn.mockRestore();
    }
  });

  it("skips the lookup with verifyLiveMx: false and publishes even an enforce policy with an uncovered MX", async () => {
    new mod.CloudflareMtaSts("unchecked", args("forgotten.example", "enforce", ["mx1.forgotten.example"], { verifyLiveMx: false }));
    expect(await completed("unchecked-sts-txt")).toBe(true);
    expect(dns.queries).toEqual([]);
  });
});
