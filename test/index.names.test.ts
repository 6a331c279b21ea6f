/**
 * The program's component names (index.ts → declareDomains) under the mock engine: a function of
 * the domain alone, so reordering the domains list renames nothing; and where a name differs
 * from the one earlier versions deployed, an alias, so Pulumi moves the resources instead of
 * replacing them.
 *
 * Trap: earlier names gave the hash suffix to whichever of two clashing domains came second,
 * so reordering the list renamed a component and Pulumi replaced it with all its children.
 */
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { installMocks, MockEngine, settle } from "./support/pulumi-mocks";

interface Registration {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  /** Alias specs (name, parent...) as sent to an engine that takes them. */
  readonly aliasSpecs: { name: string; urn: string }[];
  /** Alias URNs, as the SDK computes them for an engine that does not take specs. */
  readonly aliasUrns: string[];
}

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "01a7362d577a6c3019a474fd6f485823";
const policy = { mode: "testing", mx: ["mx1.example.com"], maxAgeSeconds: 1209600 };
const worker = { host: "cloudflare-worker", cloudflareZoneId: ZONE, cloudflareAccountId: ACCOUNT, policy };
/** The domains of the report, plus one without hyphens and one retired brand. */
const DOMAINS = [
  { domain: "example.com", hostedZoneId: "Z0123456789EXAMPLE", policy },
  { domain: "old-brand.example", hostedZoneId: "Z0987654321EXAMPLE", policy: { mode: "none", maxAgeSeconds: 86400 } },
  { domain: "shop.acme-example.org", ...worker },
  { domain: "shop-acme.example.org", ...worker },
];
const sha6 = (domain: string) => createHash("sha256").update(domain).digest("hex").slice(0, 6);

/** What earlier versions named each component for DOMAINS in this order. */
const PREVIOUS = {
  "example.com": "example-com",
  "old-brand.example": "old-brand-example",
  "shop.acme-example.org": "shop-acme-example-org",
  "shop-acme.example.org": `shop-acme-example-org-${sha6("shop-acme.example.org")}`,
};
const CURRENT = {
  "example.com": "example-com",
  "old-brand.example": "old--brand-example",
  "shop.acme-example.org": "shop-acme--example-org",
  "shop-acme.example.org": "shop--acme-example-org",
};

let engine: MockEngine;
/** DOMAINS as listed, reversed, and as listed for an engine that takes no alias specs. */
let forward: Registration[];
let backward: Registration[];
let withoutSpecs: Registration[];
beforeAll(async () => {
  engine = await installMocks();
  forward = await runProgram(DOMAINS);
  backward = await runProgram([...DOMAINS].reverse());
  withoutSpecs = await runProgram(DOMAINS, { aliasSpecs: false });
}, 60000);

/** Run index.ts on these domains and record every registration the SDK sends. */
async function runProgram(domains: unknown[], { aliasSpecs = true } = {}): Promise<Registration[]> {
  engine.reset();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const store = require("@pulumi/pulumi/runtime/state").getStore();
  store.supportsAliasSpecs = aliasSpecs;
  const monitor = pulumi.runtime.getMonitor() as any;
  const original = monitor.registerResource;
  const requests: Registration[] = [];
  monitor.registerResource = (req: any, callback: any) => {
    requests.push({
      urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      aliasSpecs: req.getAliasesList().map((a: any) => ({ name: a.getSpec()?.getName() ?? "", urn: a.getUrn() })),
      aliasUrns: req.getAliasurnsList(),
    });
    return original.call(monitor, req, callback);
  };
  pulumi.runtime.setAllConfig({ "mta-sts:domains": JSON.stringify(domains), "mta-sts:skipLiveChecks": "true" });
  try {
    jest.isolateModules(() => {
      require("../index");
    });
    await settle(300);
  } finally {
    monitor.registerResource = original;
    store.supportsAliasSpecs = true;
  }
  return requests;
}

const components = (requests: Registration[]) => requests.filter((r) => r.type.startsWith("pulumi-mta-sts:index:"));

describe("component names are a function of the domain alone", () => {
  test("each domain's component has its new name", () => {
    const names = components(forward).map((r) => r.name);
    expect(names).toEqual(Object.values(CURRENT));
  });

  test("reversing the domains list gives every component and every child the same name", () => {
    expect(backward.map((r) => r.urn).sort()).toEqual(forward.map((r) => r.urn).sort());
  });
});

describe("existing stacks keep their resources: the old name is an alias", () => {
  test("a renamed component carries the name earlier versions gave it; an unchanged one carries none", () => {
    const byName = new Map(components(forward).map((r) => [r.name, r]));
    for (const [domain, current] of Object.entries(CURRENT)) {
      const previous = PREVIOUS[domain as keyof typeof PREVIOUS];
      const specs = byName.get(current)!.aliasSpecs.map((a) => a.name);
      expect([domain, specs]).toEqual([domain, previous === current ? [] : [previous]]);
    }
  });

  test("every child is named <component>-<role>, which is how the engine derives its old name from the parent's alias", () => {
    const requests = forward;
    const parents = new Map(components(requests).map((r) => [r.urn, r.name]));
    const children = requests.filter((r) => parents.has(r.parent));
    expect(children.length).toBeGreaterThan(20);
    for (const child of children) expect(child.name.startsWith(`${parents.get(child.parent)}-`)).toBe(true);
  });

  // A component's own alias is a spec (its old name; the engine fills in type and parent). Its
  // children's aliases are derived from it: by the engine when it takes specs, else by the SDK,
  // which then sends each child's alias URN. Those URNs are what the engine looks the deployed
  // resources up by.
  test("every resource the earlier version deployed is claimed by exactly one new resource, so nothing is replaced", () => {
    const withSpecs = forward;
    const requests = withoutSpecs;
    const byUrn = new Map(requests.map((r) => [r.urn, r]));
    const isComponent = (r: Registration) => r.type.startsWith("pulumi-mta-sts:index:");
    const componentOf = (r: Registration) => (isComponent(r) ? r : byUrn.get(r.parent)!);
    const claims = (r: Registration): string[] => {
      if (!isComponent(r)) return [r.urn, ...r.aliasUrns];
      const spec = withSpecs.find((w) => w.urn === r.urn)!.aliasSpecs;
      return [r.urn, ...spec.map((a) => `urn:pulumi:test::mta-sts-test::${r.type}::${a.name}`)];
    };
    // The earlier deployment: the same resources, each component and child under the old name.
    const previousUrns = requests.map((r) => {
      const component = componentOf(r);
      const domain = Object.entries(CURRENT).find(([, name]) => name === component.name)![0] as keyof typeof PREVIOUS;
      return r.urn.slice(0, r.urn.lastIndexOf("::") + 2) + PREVIOUS[domain] + r.name.slice(component.name.length);
    });
    // A few of them written out, as the earlier version named them.
    expect(previousUrns).toEqual(
      expect.arrayContaining([
        "urn:pulumi:test::mta-sts-test::pulumi-mta-sts:index:AwsMtaSts::old-brand-example",
        "urn:pulumi:test::mta-sts-test::pulumi-mta-sts:index:AwsMtaSts$aws:s3/bucket:Bucket::old-brand-example-bucket",
        `urn:pulumi:test::mta-sts-test::pulumi-mta-sts:index:CloudflareMtaSts$cloudflare:index/workersScript:WorkersScript::shop-acme-example-org-${sha6("shop-acme.example.org")}-script`,
        "urn:pulumi:test::mta-sts-test::pulumi-mta-sts:index:CloudflareMtaSts$cloudflare:index/dnsRecord:DnsRecord::shop-acme-example-org-sts-txt",
        "urn:pulumi:test::mta-sts-test::pulumi-mta-sts:index:AwsMtaSts$aws:cloudfront/distribution:Distribution::example-com-cdn",
      ]),
    );
    for (const old of previousUrns) {
      const claimants = requests.filter((r) => claims(r).includes(old));
      expect([old, claimants.length]).toEqual([old, 1]);
    }
  });
});
