/**
 * The Cloudflare record writers (components/dns/cloudflare-records.ts) under Pulumi mocks: names,
 * parents, dependsOn and the exact value Cloudflare's API receives.
 */
import type * as pulumi from "@pulumi/pulumi";
import { installMocks, MockEngine, settle } from "../../support/pulumi-mocks";

let engine: MockEngine;
let pulumiSdk: typeof pulumi;
let cf: typeof import("../../../components/dns/cloudflare-records");

beforeAll(async () => {
  engine = await installMocks();
  pulumiSdk = await import("@pulumi/pulumi");
  cf = await import("../../../components/dns/cloudflare-records");
});
beforeEach(() => engine.reset());

/** A bare component to parent the records, with the dependsOn recorder installed. */
function parent(name: string): pulumi.ComponentResource {
  return new pulumiSdk.ComponentResource("test:index:Parent", name, {}, { transformations: [engine.captureOptions] });
}

const LONG_RUA = `v=TLSRPTv1; rua=${Array.from({ length: 12 }, (_, i) => `mailto:tls-reports-${i}@reports.example.com`).join(",")}`;

describe("Cloudflare record writers", () => {
  test("a TXT record is named <name>-<role>, parented, quoted for the API, automatic TTL", async () => {
    const p = parent("example-com");
    cf.cloudflareTxtRecord({ name: "example-com", role: "sts-txt", zoneId: "zone-1", recordName: "_mta-sts.example.com", value: "v=STSv1; id=abc" }, { parent: p });
    await settle();
    const record = engine.byName("example-com-sts-txt");
    expect(record.type).toBe("cloudflare:index/dnsRecord:DnsRecord");
    expect(record.inputs).toMatchObject({ zoneId: "zone-1", name: "_mta-sts.example.com", type: "TXT", content: '"v=STSv1; id=abc"', ttl: 1 });
    expect(record.inputs.proxied).toBeUndefined();
    expect(engine.parents.get("example-com-sts-txt")).toBe("example-com");
  });

  test("a TXT value over 255 octets becomes several quoted character-strings of at most 255 octets", async () => {
    expect(LONG_RUA.length).toBeGreaterThan(255);
    const p = parent("long");
    cf.cloudflareTxtRecord({ name: "long", role: "tlsrpt-txt", zoneId: "z", recordName: "_smtp._tls.example.com", value: LONG_RUA }, { parent: p });
    await settle();
    const content: string = engine.byName("long-tlsrpt-txt").inputs.content;
    const strings = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.every((s) => s.length <= 255)).toBe(true);
    expect(strings.join("")).toBe(LONG_RUA);
    expect(content).toBe(strings.map((s) => `"${s}"`).join(" "));
  });

  test("a CNAME is unproxied by default, drops trailing dots, and carries the given dependsOn", async () => {
    const p = parent("cn");
    const upstream = parent("upstream");
    cf.cloudflareCnameRecord(
      { name: "cn", role: "cert-validation-record", zoneId: "z", recordName: "_x1.mta-sts.example.com.", target: "_x2.acm-validations.aws." },
      { parent: p, dependsOn: [upstream] },
    );
    await settle();
    expect(engine.byName("cn-cert-validation-record").inputs).toMatchObject({
      type: "CNAME",
      name: "_x1.mta-sts.example.com",
      content: "_x2.acm-validations.aws",
      proxied: false,
      ttl: 1,
    });
    expect(engine.dependsOn.get("cn-cert-validation-record")).toEqual(["upstream"]);
  });

  test("a CNAME can be proxied and given a TTL and comment when asked", async () => {
    const p = parent("px");
    cf.cloudflareCnameRecord({ name: "px", role: "host-cname", zoneId: "z", recordName: "mta-sts.example.com", target: "t.example.net", proxied: true, ttl: 300, comment: "mta-sts" }, { parent: p });
    await settle();
    expect(engine.byName("px-host-cname").inputs).toMatchObject({ proxied: true, ttl: 300, comment: "mta-sts" });
  });
});
