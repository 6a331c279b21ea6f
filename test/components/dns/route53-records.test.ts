/**
 * The Route 53 record writers (components/dns/route53-records.ts) under Pulumi mocks: names,
 * parents, dependsOn and the exact value the provider receives.
 */
import { settle } from "../../support/pulumi-mocks";
import { LONG_RUA, recordWriterSetup } from "../../support/record-writers";

const setup = recordWriterSetup();
const parent = setup.parent;
let r53: typeof import("../../../components/dns/route53-records");

beforeAll(async () => {
  r53 = await import("../../../components/dns/route53-records");
});

describe("Route 53 record writers", () => {
  test("a TXT record is split into 255-octet strings for the provider and takes over only when asked", async () => {
    const p = parent("r");
    r53.route53TxtRecord({ name: "r", role: "tlsrpt-txt", zoneId: "Z1", recordName: "_smtp._tls.example.com", value: LONG_RUA }, { parent: p });
    r53.route53TxtRecord({ name: "r", role: "sts-txt", zoneId: "Z1", recordName: "_mta-sts.example.com", value: "v=STSv1; id=abc", allowOverwrite: true }, { parent: p });
    await settle();
    const long = setup.engine.byName("r-tlsrpt-txt").inputs;
    expect(long).toMatchObject({ type: "TXT", ttl: 300, zoneId: "Z1", name: "_smtp._tls.example.com" });
    expect(long.allowOverwrite).toBeUndefined();
    const parts = (long.records[0] as string).split('""');
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((s) => s.length <= 255)).toBe(true);
    expect(parts.join("")).toBe(LONG_RUA);
    expect(setup.engine.byName("r-sts-txt").inputs).toMatchObject({ records: ["v=STSv1; id=abc"], allowOverwrite: true });
    expect(setup.engine.parents.get("r-sts-txt")).toBe("r");
  });

  test("an alias record points at the target without TTL or records", async () => {
    const p = parent("a");
    r53.route53AliasRecord({ name: "a", role: "host-aaaa", zoneId: "Z1", recordName: "mta-sts.example.com", type: "AAAA", targetName: "d1.cloudfront.net", targetZoneId: "Z2FDTNDATAQYW2" }, { parent: p });
    await settle();
    const inputs = setup.engine.byName("a-host-aaaa").inputs;
    expect(inputs).toMatchObject({ type: "AAAA", name: "mta-sts.example.com", aliases: [{ name: "d1.cloudfront.net", zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }] });
    expect(inputs.ttl).toBeUndefined();
    expect(inputs.records).toBeUndefined();
  });
});
