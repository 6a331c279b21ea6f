/**
 * The Cloudflare record writers (components/dns/cloudflare-records.ts) under Pulumi mocks: names,
 * parents, dependsOn and the exact value Cloudflare's API receives.
 */
import { settle } from "../../support/pulumi-mocks";
import { LONG_RUA, recordWriterSetup } from "../../support/record-writers";

const setup = recordWriterSetup();
const parent = setup.parent;
let cf: typeof import("../../../components/dns/cloudflare-records");

beforeAll(async () => {
  cf = await import("../../../components/dns/cloudflare-records");
});

describe("Cloudflare record writers", () => {
  test("a TXT record is named <name>-<role>, parented, quoted for the API, automatic TTL", async () => {
    const p = parent("example-com");
    cf.cloudflareTxtRecord({ name: "example-com", role: "sts-txt", zoneId: "zone-1", recordName: "_mta-sts.example.com", value: "v=STSv1; id=abc" }, { parent: p });
    await settle();
    const record = setup.engine.byName("example-com-sts-txt");
    expect(record.type).toBe("cloudflare:index/dnsRecord:DnsRecord");
    expect(record.inputs).toMatchObject({ zoneId: "zone-1", name: "_mta-sts.example.com", type: "TXT", content: '"v=STSv1; id=abc"', ttl: 1 });
    expect(record.inputs.proxied).toBeUndefined();
    expect(setup.engine.parents.get("example-com-sts-txt")).toBe("example-com");
  });

  test("a TXT value over 255 octets becomes several quoted character-strings of at most 255 octets", async () => {
    expect(LONG_RUA.length).toBeGreaterThan(255);
    const p = parent("long");
    cf.cloudflareTxtRecord({ name: "long", role: "tlsrpt-txt", zoneId: "z", recordName: "_smtp._tls.example.com", value: LONG_RUA }, { parent: p });
    await settle();
    const content: string = setup.engine.byName("long-tlsrpt-txt").inputs.content;
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
    expect(setup.engine.byName("cn-cert-validation-record").inputs).toMatchObject({
      type: "CNAME",
      name: "_x1.mta-sts.example.com",
      content: "_x2.acm-validations.aws",
      proxied: false,
      ttl: 1,
    });
    expect(setup.engine.dependsOn.get("cn-cert-validation-record")).toEqual(["upstream"]);
  });

  test("a CNAME can be proxied and given a TTL and comment when asked", async () => {
    const p = parent("px");
    cf.cloudflareCnameRecord({ name: "px", role: "host-cname", zoneId: "z", recordName: "mta-sts.example.com", target: "t.example.net", proxied: true, ttl: 300, comment: "mta-sts" }, { parent: p });
    await settle();
    expect(setup.engine.byName("px-host-cname").inputs).toMatchObject({ proxied: true, ttl: 300, comment: "mta-sts" });
  });
});
