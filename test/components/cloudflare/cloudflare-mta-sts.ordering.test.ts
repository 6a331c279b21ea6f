/**
 * Publish before announce (docs/invariants.md), for CloudflareMtaSts: the `_mta-sts` TXT (the
 * id) is registered only after every resource that makes the new bytes live has completed —
 * the Worker script and its custom domain, or the Pages deployment, the Pages custom domain and
 * its CNAME. Proven under mocks by making one of them complete late at a time: a TXT that did
 * not wait would be registered before the late resource completed.
 *
 * Trap guarded against: TXT and policy updated in parallel, so senders fetch the old bytes under
 * the new id and cache them for max_age.
 */
import { installMocks, MockEngine, MockOptions, waitForCompleted } from "../../support/pulumi-mocks";

const LATE_MS = 400;
const options: MockOptions & { lateTypes: Record<string, number>; lateNames: Record<string, number> } = { lateTypes: {}, lateNames: {} };
let engine: MockEngine;
let mod: typeof import("../../../components/cloudflare/cloudflare-mta-sts");

beforeAll(async () => {
  engine = await installMocks(options);
  mod = await import("../../../components/cloudflare/cloudflare-mta-sts");
});
beforeEach(() => {
  engine.reset();
  options.lateTypes = {};
  options.lateNames = {};
});

const ARGS = {
  domain: "example.org",
  zoneId: "023e105f4ecef8ad9ca31a8372d0c353",
  accountId: "f037e56e89293a057740de681ac9abbe",
  policy: { mode: "enforce" as const, mx: ["*.mail.protection.outlook.com"], maxAgeSeconds: 1209600 },
  tlsRpt: { rua: ["mailto:tlsrpt@example.org"] },
  verifyLiveMx: false,
};

const completed = (name: string) => waitForCompleted(engine, name, 8000);

const at = (kind: "registered" | "completed", name: string) => engine.events.findIndex((e) => e.kind === kind && e.name === name);

const CASES: [string, "worker" | "pages", string, string][] = [
  ["the Worker script", "worker", "cloudflare:index/workersScript:WorkersScript", "script"],
  ["the Worker custom domain", "worker", "cloudflare:index/workersCustomDomain:WorkersCustomDomain", "domain"],
  ["the Pages deployment (wrangler pages deploy)", "pages", "command:local:Command", "deploy"],
  ["the Pages custom domain", "pages", "cloudflare:index/pagesDomain:PagesDomain", "domain"],
  ["the Pages project (everything on it waits)", "pages", "cloudflare:index/pagesProject:PagesProject", "project"],
];

describe("the _mta-sts TXT is registered only after the host is live", () => {
  it.each(CASES)("waits for %s when it completes late", async (_label, host, type, role) => {
    options.lateTypes = { [type]: LATE_MS };
    const name = `late-${host}-${role}`;
    new mod.CloudflareMtaSts(name, { ...ARGS, host }, { transformations: [engine.captureOptions] });
    await completed(`${name}-sts-txt`);
    expect(at("registered", `${name}-sts-txt`)).toBeGreaterThan(at("completed", `${name}-${role}`));
    // Control: the TLS-RPT record does not depend on the host, so it was registered while the
    // late resource was still being created; the delay was real and the test could fail.
    expect(at("registered", `${name}-tlsrpt-txt`)).toBeLessThan(at("completed", `${name}-${role}`));
  });

  it("waits for the Pages CNAME when the DNS record write completes late", async () => {
    // That record only: with every DNS record late, the TXT records would be late as well.
    options.lateNames = { "late-cname-host-cname": LATE_MS };
    new mod.CloudflareMtaSts("late-cname", { ...ARGS, host: "pages" }, { transformations: [engine.captureOptions] });
    await completed("late-cname-sts-txt");
    expect(engine.byName("late-cname-host-cname").type).toBe("cloudflare:index/dnsRecord:DnsRecord");
    expect(at("registered", "late-cname-sts-txt")).toBeGreaterThan(at("completed", "late-cname-host-cname"));
    // Control: the TLS-RPT record (not slowed itself) was registered while the CNAME was being written.
    expect(at("registered", "late-cname-tlsrpt-txt")).toBeLessThan(at("completed", "late-cname-host-cname"));
  });
});

describe("the _mta-sts TXT names its prerequisites in dependsOn", () => {
  it("depends on the Worker script and its custom domain (worker)", async () => {
    new mod.CloudflareMtaSts("deps-w", ARGS, { transformations: [engine.captureOptions] });
    await completed("deps-w-sts-txt");
    expect(engine.dependsOn.get("deps-w-sts-txt")).toEqual(["deps-w-script", "deps-w-domain"]);
    expect(engine.dependsOn.get("deps-w-domain")).toEqual(["deps-w-script"]);
  });

  it("depends on the Pages deployment, the custom domain and the CNAME (pages)", async () => {
    new mod.CloudflareMtaSts("deps-p", { ...ARGS, host: "pages" }, { transformations: [engine.captureOptions] });
    await completed("deps-p-sts-txt");
    expect(engine.dependsOn.get("deps-p-sts-txt")).toEqual(["deps-p-deploy", "deps-p-domain", "deps-p-host-cname"]);
    expect(engine.dependsOn.get("deps-p-deploy")).toEqual(["deps-p-project"]);
  });

  it("leaves the TLS-RPT record free of the host (it announces nothing about the policy)", async () => {
    new mod.CloudflareMtaSts("deps-t", ARGS, { transformations: [engine.captureOptions] });
    await completed("deps-t-tlsrpt-txt");
    expect(engine.dependsOn.get("deps-t-tlsrpt-txt")).toEqual([]);
  });
});
