/**
 * CloudflareMtaSts under the recording Pulumi mock engine: what is declared, with which inputs,
 * how the TXT values are written for Cloudflare's API, and what bad input does (docs/invariants.md:
 * bad input never reaches the cloud, the consumer's providers win). Ordering (publish before
 * announce) is in cloudflare-mta-sts.ordering.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { idle, idleAndCompleted, installMocks, MockEngine, valueOf } from "../../support/pulumi-mocks";

let engine: MockEngine;
let mod: typeof import("../../../components/cloudflare/cloudflare-mta-sts");
let cloudflare: typeof import("@pulumi/cloudflare");
let pages: typeof import("../../../components/cloudflare/pages-site");
let worker: typeof import("../../../components/cloudflare/worker-script");
let validate: typeof import("../../../components/validate-args");

beforeAll(async () => {
  engine = await installMocks();
  mod = await import("../../../components/cloudflare/cloudflare-mta-sts");
  cloudflare = await import("@pulumi/cloudflare");
  pages = await import("../../../components/cloudflare/pages-site");
  worker = await import("../../../components/cloudflare/worker-script");
  validate = await import("../../../components/validate-args");
});
beforeEach(() => engine.reset());

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "f037e56e89293a057740de681ac9abbe";
const BASE = {
  domain: "example.org",
  zoneId: ZONE,
  accountId: ACCOUNT,
  policy: { mode: "enforce" as const, mx: ["*.mail.protection.outlook.com"], maxAgeSeconds: 1209600 },
  tlsRpt: { rua: ["mailto:tlsrpt@example.org", "https://tlsrpt.example.org/v1"] },
  verifyLiveMx: false,
};
const rendered = () => validate.validateDomainArgs(BASE).rendered;

/** Declare and wait until the mock engine has seen every child. */
async function declare(name: string, args: Partial<import("../../../components/cloudflare/cloudflare-mta-sts").CloudflareMtaStsArgs>, opts: pulumi.ComponentResourceOptions = {}) {
  const component = new mod.CloudflareMtaSts(name, { ...BASE, ...args } as any, { transformations: [engine.captureOptions], ...opts });
  await completed(`${name}-sts-txt`);
  return component;
}

/** Wait until the mock engine has finished creating `name`. */
const completed = (name: string, timeoutMs = 8000) => idleAndCompleted(engine, name, timeoutMs);

describe("Worker host (the default)", () => {
  it("declares a WorkersScript whose module is the generated script for the rendered policy", async () => {
    await declare("ex", {});
    const script = engine.byName("ex-script");
    expect(script.type).toBe("cloudflare:index/workersScript:WorkersScript");
    expect(script.inputs.content).toBe(worker.renderWorkerScript(rendered().policyText));
    expect(script.inputs.mainModule).toBe(worker.WORKER_MAIN_MODULE);
    expect(script.inputs.compatibilityDate).toBe(worker.WORKER_COMPATIBILITY_DATE);
    expect(script.inputs.accountId).toBe(ACCOUNT);
    expect(script.inputs.scriptName).toBe("mta-sts-example-org");
  });

  it("binds the script to mta-sts.<domain> with a WorkersCustomDomain in the given zone", async () => {
    await declare("ex", {});
    const domain = engine.byName("ex-domain");
    expect(domain.type).toBe("cloudflare:index/workersCustomDomain:WorkersCustomDomain");
    expect(domain.inputs).toMatchObject({ accountId: ACCOUNT, zoneId: ZONE, hostname: "mta-sts.example.org", service: "mta-sts-example-org" });
  });

  it("declares no Pages project, no deploy command and no CNAME (Cloudflare makes the custom domain's record)", async () => {
    await declare("ex", {});
    expect(engine.byType("cloudflare:index/pagesProject:PagesProject")).toHaveLength(0);
    expect(engine.byType("command:local:Command")).toHaveLength(0);
    expect(engine.byType("cloudflare:index/dnsRecord:DnsRecord").map((r) => r.inputs.type)).toEqual(["TXT", "TXT"]);
  });

  it("writes the same inputs for the same intent, however the mx are spelled (no diff)", async () => {
    await declare("a", {});
    await declare("b", { policy: { mode: "enforce", mx: ["*.MAIL.protection.outlook.com.", "*.mail.protection.outlook.com"], maxAgeSeconds: 1209600 } });
    expect(engine.byName("b-script").inputs.content).toBe(engine.byName("a-script").inputs.content);
    expect(engine.byName("b-sts-txt").inputs.content).toBe(engine.byName("a-sts-txt").inputs.content);
  });
});

describe("Pages host", () => {
  it("declares a Pages project on the production branch", async () => {
    await declare("ex", { host: "pages" });
    const project = engine.byName("ex-project");
    expect(project.type).toBe("cloudflare:index/pagesProject:PagesProject");
    expect(project.inputs).toMatchObject({ accountId: ACCOUNT, name: "mta-sts-example-org", productionBranch: "main" });
  });

  it("deploys the generated site with wrangler pages deploy, triggered by the policy id", async () => {
    await declare("ex", { host: "pages" });
    const deploy = engine.byName("ex-deploy");
    expect(deploy.type).toBe("command:local:Command");
    expect(deploy.inputs.create).toBe(pages.pagesDeployScript({ projectName: "mta-sts-example-org" }));
    expect(deploy.inputs.create).toContain("pages deploy");
    expect(deploy.inputs.triggers).toEqual([rendered().policyId, "mta-sts-example-org"]);
    expect(JSON.parse(deploy.inputs.environment[pages.SITE_FILES_ENV])).toEqual(pages.pagesSiteFiles(rendered().policyText));
    expect(deploy.inputs.environment.CLOUDFLARE_ACCOUNT_ID).toBe(ACCOUNT);
  });

  it("never puts an API token into the deploy command's inputs (it comes from the environment of pulumi up)", async () => {
    const token = "consumer-secret-token-0123456789abcdef0123";
    const provider = new cloudflare.Provider("token-cf", { apiToken: token });
    await declare("ex", { host: "pages" }, { providers: [provider] });
    const deploy = engine.byName("ex-deploy");
    expect(Object.keys(deploy.inputs.environment).sort()).toEqual(["CLOUDFLARE_ACCOUNT_ID", pages.SITE_FILES_ENV, "WRANGLER_SEND_METRICS"].sort());
    for (const child of engine.resources.filter((r) => !r.type.startsWith("pulumi:providers:"))) {
      expect(JSON.stringify(child.inputs)).not.toContain(token);
    }
  });

  it("adds mta-sts.<domain> as the project's custom domain, with a proxied CNAME to <project>.pages.dev", async () => {
    await declare("ex", { host: "pages" });
    expect(engine.byName("ex-domain").type).toBe("cloudflare:index/pagesDomain:PagesDomain");
    expect(engine.byName("ex-domain").inputs).toMatchObject({ accountId: ACCOUNT, name: "mta-sts.example.org", projectName: "mta-sts-example-org" });
    const cname = engine.byName("ex-host-cname");
    expect(cname.inputs).toMatchObject({ zoneId: ZONE, type: "CNAME", name: "mta-sts.example.org", content: "mta-sts-example-org.pages.dev", proxied: true });
  });

  it("declares no Worker script", async () => {
    await declare("ex", { host: "pages" });
    expect(engine.byType("cloudflare:index/workersScript:WorkersScript")).toHaveLength(0);
  });
});

describe("TXT records, written as Cloudflare's API wants them", () => {
  it.each(["worker", "pages"] as const)("publishes _mta-sts.<domain> as one quoted string v=STSv1; id=<policy id> (%s)", async (host) => {
    await declare("ex", { host });
    const txt = engine.byName("ex-sts-txt");
    expect(txt.inputs).toMatchObject({ zoneId: ZONE, type: "TXT", name: "_mta-sts.example.org", ttl: 1 });
    expect(txt.inputs.content).toBe(`"v=STSv1; id=${rendered().policyId}"`);
  });

  it("publishes _smtp._tls.<domain> quoted, with both report URIs", async () => {
    await declare("ex", {});
    const txt = engine.byName("ex-tlsrpt-txt");
    expect(txt.inputs).toMatchObject({ type: "TXT", name: "_smtp._tls.example.org" });
    expect(txt.inputs.content).toBe('"v=TLSRPTv1; rua=mailto:tlsrpt@example.org,https://tlsrpt.example.org/v1"');
  });

  it("splits a TLS-RPT value longer than 255 octets into quoted strings that join to the record", async () => {
    const rua = Array.from({ length: 8 }, (_, i) => `https://tls-reports-collector-${i}.reporting.example.org/v1/submit`);
    const component = await declare("long", { tlsRpt: { rua } });
    const content: string = engine.byName("long-tlsrpt-txt").inputs.content;
    const strings = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    expect(strings.length).toBeGreaterThan(1);
    for (const s of strings) expect(Buffer.byteLength(s)).toBeLessThanOrEqual(255);
    expect(content).toBe(strings.map((s) => `"${s}"`).join(" "));
    expect(strings.join("")).toBe(await valueOf(component.tlsRptRecord));
  });

  it("publishes no _smtp._tls record without tlsRpt", async () => {
    const { tlsRpt: _omit, ...withoutTlsRpt } = BASE;
    const component = new mod.CloudflareMtaSts("quiet", withoutTlsRpt);
    await completed("quiet-sts-txt");
    expect(engine.resources.map((r) => r.name)).not.toContain("quiet-tlsrpt-txt");
    expect(await valueOf(component.tlsRptRecord)).toBeUndefined();
  });
});

describe("outputs", () => {
  it("exposes policyId, policyUrl, policyText, stsRecord and tlsRptRecord as flat values of the rendered policy", async () => {
    const component = await declare("ex", {});
    const r = rendered();
    expect(await valueOf(component.policyId)).toBe(r.policyId);
    expect(await valueOf(component.policyUrl)).toBe("https://mta-sts.example.org/.well-known/mta-sts.txt");
    expect(await valueOf(component.policyText)).toBe(r.policyText);
    expect(await valueOf(component.stsRecord)).toBe(`v=STSv1; id=${r.policyId}`);
    expect(await valueOf(component.tlsRptRecord)).toBe(r.tlsRptRecord);
    expect(await valueOf(component.siteName)).toBe("mta-sts-example-org");
  });

  it("registers the component under the type token pulumi-mta-sts:index:CloudflareMtaSts", async () => {
    const component = await declare("ex", {});
    expect(await valueOf(component.urn)).toContain("pulumi-mta-sts:index:CloudflareMtaSts::ex");
  });
});

describe("children and providers: the consumer's providers win", () => {
  it.each(["worker", "pages"] as const)("names every child ${name}-<role> and parents it to the component (%s)", async (host) => {
    await declare("ex", { host });
    const children = engine.resources.filter((r) => r.type !== "pulumi-mta-sts:index:CloudflareMtaSts");
    expect(children.length).toBeGreaterThan(0);
    for (const child of children) {
      expect(child.name).toMatch(/^ex-[a-z-]+$/);
      expect(engine.parents.get(child.name)).toBe("ex");
    }
  });

  it("passes the consumer's cloudflare provider to every Cloudflare child and creates none of its own", async () => {
    const provider = new cloudflare.Provider("consumer-cf", { apiToken: "x".repeat(40) });
    await declare("ex", { host: "pages" }, { providers: [provider] });
    const cfChildren = engine.resources.filter((r) => r.type.startsWith("cloudflare:index/"));
    expect(cfChildren.length).toBeGreaterThanOrEqual(5);
    for (const child of cfChildren) expect(child.provider).toContain("consumer-cf");
    expect(engine.resources.filter((r) => r.type.startsWith("pulumi:providers:")).map((r) => r.name)).toEqual(["consumer-cf"]);
  });

  it("keeps two domains in one stack apart (no fixed child names)", async () => {
    await declare("example-org", {});
    await declare("example-net", { domain: "example.net" });
    const names = engine.resources.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    expect(engine.byName("example-net-script").inputs.scriptName).toBe("mta-sts-example-net");
  });

  it("shortens a long domain's site name to 58 characters with a hash, keeping it unique", () => {
    const a = mod.defaultSiteName(`${"a".repeat(40)}.${"b".repeat(30)}.example`);
    const b = mod.defaultSiteName(`${"a".repeat(40)}.${"b".repeat(30)}.example2`);
    expect(a.length).toBeLessThanOrEqual(58);
    expect(a).toMatch(/^mta-sts-a+---[0-9a-f]{16}$/);
    expect(a).not.toBe(b);
  });
});

describe("bad input throws before any resource is declared", () => {
  const expectRejected = async (args: Record<string, unknown>, ...fields: RegExp[]) => {
    let error: any;
    try {
      new mod.CloudflareMtaSts("bad", { ...BASE, ...args } as any);
    } catch (err) {
      error = err;
    }
    expect(error?.name).toBe("MtaStsConfigError");
    for (const field of fields) expect(error.message).toMatch(field);
    await idle();
    expect(engine.resources).toHaveLength(0);
  };

  it("names accountId when it is missing", () => expectRejected({ accountId: undefined }, /accountId: is required/));
  it("names zoneId when it is empty", () => expectRejected({ zoneId: "" }, /zoneId: is required/));
  it("names host when it is not worker or pages", () => expectRejected({ host: "lambda" }, /host: "lambda" is not a host kind; write "worker" \(default\) or "pages"/));
  it("names the mx entry the core rejects", () => expectRejected({ policy: { mode: "enforce", mx: ["mx1.example.org", "192.0.2.1"] } }, /policy\.mx\[1\]: .*IP address/));
  it("names siteName when it is not a valid script/project name", () => expectRejected({ siteName: "Has Spaces" }, /siteName: "Has Spaces" must be lowercase/));
  it("names dnsResolver when it is not host:port", () => expectRejected({ dnsResolver: "resolver.example:53" }, /dnsResolver: .*not an address/));
  it("names an unknown field and suggests the one meant", () => expectRejected({ zoneID: ZONE }, /zoneID: unknown field; did you mean "zoneId"\?/));
  it("reports every bad field at once", () =>
    expectRejected({ accountId: undefined, zoneId: undefined, host: "s3", policy: { mode: "sometimes", mx: [] } }, /accountId/, /zoneId/, /host/, /policy\.mode/));
});
