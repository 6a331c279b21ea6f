/**
 * AwsMtaSts under Pulumi mocks: what is declared, with which inputs, named and parented how.
 * Grouped by the invariant each block defends (docs/invariants.md). Ordering under slow resources is in
 * aws-mta-sts.ordering.test.ts, the live MX guard in aws-mta-sts.mx-guard.test.ts.
 */
import type * as pulumiType from "@pulumi/pulumi";
import { idle, idleAndCompleted, installMocks, MockEngine, valueOf } from "../../support/pulumi-mocks";
import { policyId } from "../../../components/model/policy-id";

type Component = typeof import("../../../components/aws/aws-mta-sts");
type Args = import("../../../components/aws/aws-mta-sts").AwsMtaStsArgs;

let engine: MockEngine;
let AwsMtaSts: Component["AwsMtaSts"];
let pulumi: typeof pulumiType;
let aws: typeof import("@pulumi/aws");
let MtaStsConfigError: typeof import("../../../components/model/config").MtaStsConfigError;

const LOOKED_UP_ZONE = "ZLOOKEDUP";

beforeAll(async () => {
  engine = await installMocks({
    invokes: { "aws:route53/getZone:getZone": (inputs) => ({ zoneId: LOOKED_UP_ZONE, id: LOOKED_UP_ZONE, name: inputs.name }) },
  });
  ({ AwsMtaSts } = await import("../../../components/aws/aws-mta-sts"));
  ({ MtaStsConfigError } = await import("../../../components/model/config"));
  pulumi = await import("@pulumi/pulumi");
  aws = await import("@pulumi/aws");
});
beforeEach(() => engine.reset());

const T = {
  bucket: "aws:s3/bucket:Bucket",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  publicAccess: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  object: "aws:s3/bucketObjectv2:BucketObjectv2",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  oac: "aws:cloudfront/originAccessControl:OriginAccessControl",
  cert: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  cdn: "aws:cloudfront/distribution:Distribution",
  r53: "aws:route53/record:Record",
  cf: "cloudflare:index/dnsRecord:DnsRecord",
};

const EXAMPLE: Args = {
  domain: "example.com",
  hostedZoneId: "Z123",
  policy: { mode: "testing", mx: ["mx1.example.com", "*.mail.example.com"], maxAgeSeconds: 604800 },
  tlsRpt: { rua: ["mailto:tlsrpt@example.com"] },
  verifyLiveMx: false,
};
/** The canonical bytes of EXAMPLE.policy, written out by hand: sorted mx, CRLF after every line. */
const EXAMPLE_BODY = "version: STSv1\r\nmode: testing\r\nmx: *.mail.example.com\r\nmx: mx1.example.com\r\nmax_age: 604800\r\n";

/** Declare a component and wait until the mock engine has completed its last record. */
async function deploy(name: string, args: Args, opts: pulumiType.ComponentResourceOptions = {}) {
  const mail = new AwsMtaSts(name, args, { transformations: [engine.captureOptions], ...opts });
  await waitFor(`${name}-sts-txt`);
  return mail;
}

const waitFor = (resourceName: string, timeoutMs = 5000) => idleAndCompleted(engine, resourceName, timeoutMs);

function only(type: string) {
  const found = engine.byType(type);
  expect(found).toHaveLength(1);
  return found[0];
}

describe("secure by default (Route 53 home)", () => {
  test("the bucket is an aws.s3.Bucket with owner-enforced ownership and every public access blocked", async () => {
    await deploy("sec-bucket", EXAMPLE);
    const bucket = only(T.bucket);
    expect(bucket.name).toBe("sec-bucket-bucket");
    expect(engine.byType("aws:s3/bucketV2:BucketV2")).toHaveLength(0);
    expect(bucket.inputs.acl).toBeUndefined();
    expect(bucket.inputs.policy).toBeUndefined();
    expect(only(T.ownership).inputs).toEqual({ bucket: "sec-bucket-bucket-id", rule: { objectOwnership: "BucketOwnerEnforced" } });
    expect(only(T.publicAccess).inputs).toMatchObject({
      bucket: "sec-bucket-bucket-id",
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
  });

  test("the policy object holds exactly the rendered bytes at the well-known key, as text/plain with no-store", async () => {
    await deploy("sec-object", EXAMPLE);
    const object = only(T.object);
    expect(object.name).toBe("sec-object-policy");
    expect(object.inputs).toMatchObject({
      bucket: "sec-object-bucket-id",
      key: ".well-known/mta-sts.txt",
      content: EXAMPLE_BODY,
      contentType: "text/plain",
      cacheControl: "no-store",
    });
  });

  test("the bucket policy lets only this distribution read only the policy key, and refuses plain HTTP", async () => {
    await deploy("sec-bp", EXAMPLE);
    const policy = JSON.parse(only(T.bucketPolicy).inputs.policy);
    expect(only(T.bucketPolicy).inputs.bucket).toBe("sec-bp-bucket-id");
    const allows = policy.Statement.filter((s: any) => s.Effect === "Allow");
    expect(allows).toEqual([
      {
        Sid: expect.any(String),
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::sec-bp-bucket/.well-known/mta-sts.txt",
        Condition: { StringEquals: { "AWS:SourceArn": "arn:aws:cloudfront::123456789012:distribution/sec-bp-cdn" } },
      },
    ]);
    const denies = policy.Statement.filter((s: any) => s.Effect === "Deny");
    expect(denies).toEqual([expect.objectContaining({ Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } })]);
  });

  test("CloudFront reaches the bucket through a sigv4 Origin Access Control", async () => {
    await deploy("sec-oac", EXAMPLE);
    expect(only(T.oac).inputs).toMatchObject({ originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" });
    const origins = only(T.cdn).inputs.origins;
    expect(origins).toHaveLength(1);
    expect(origins[0]).toMatchObject({ domainName: "sec-oac-bucket.s3.us-east-1.amazonaws.com", originAccessControlId: "sec-oac-oac-id" });
    expect(origins[0].originPath ?? "").toBe("");
    expect(origins[0].s3OriginConfig).toBeUndefined();
  });

  test("the certificate for mta-sts.<domain> and its validation are in us-east-1, validated by DNS in the zone", async () => {
    await deploy("sec-cert", EXAMPLE);
    expect(only(T.cert).inputs).toMatchObject({ domainName: "mta-sts.example.com", validationMethod: "DNS", region: "us-east-1" });
    const validation = only(T.validation);
    expect(validation.inputs).toMatchObject({
      region: "us-east-1",
      certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/sec-cert-cert",
      validationRecordFqdns: ["_x1.mta-sts.example.com."],
    });
    expect(engine.byName("sec-cert-cert-validation-record").inputs).toMatchObject({
      zoneId: "Z123",
      type: "CNAME",
      name: "_x1.mta-sts.example.com.",
      records: ["_x2.acm-validations.aws."],
    });
    expect(engine.dependsOn.get("sec-cert-cert-validation")).toEqual(["sec-cert-cert-validation-record"]);
    expect(engine.byType("pulumi:providers:aws")).toHaveLength(0);
  });

  test("the distribution serves only mta-sts.<domain> over HTTPS, TLS 1.2+, SNI, GET/HEAD, IPv6, uncached", async () => {
    await deploy("sec-cdn", EXAMPLE);
    const cdn = only(T.cdn).inputs;
    expect(cdn).toMatchObject({
      enabled: true,
      aliases: ["mta-sts.example.com"],
      isIpv6Enabled: true,
      viewerCertificate: {
        acmCertificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/sec-cdn-cert",
        sslSupportMethod: "sni-only",
        minimumProtocolVersion: "TLSv1.2_2021",
      },
      defaultCacheBehavior: {
        viewerProtocolPolicy: "https-only",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        cachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        targetOriginId: cdn.origins[0].originId,
      },
    });
    expect(cdn.viewerCertificate.cloudfrontDefaultCertificate).toBeFalsy();
    expect(cdn.defaultRootObject ?? "").toBe("");
    expect(cdn.orderedCacheBehaviors ?? []).toEqual([]);
    expect(cdn.defaultCacheBehavior.forwardedValues).toBeUndefined();
    expect(cdn.defaultCacheBehavior.defaultTtl).toBeUndefined();
  });

  test("the policy host gets A and AAAA aliases to the distribution in the given zone", async () => {
    const mail = await deploy("sec-host", EXAMPLE);
    const cdnName = await valueOf(mail.distributionDomainName);
    expect(cdnName).toMatch(/\.cloudfront\.net$/);
    for (const type of ["A", "AAAA"]) {
      expect(engine.byName(`sec-host-host-${type.toLowerCase()}`).inputs).toMatchObject({
        zoneId: "Z123",
        name: "mta-sts.example.com",
        type,
        aliases: [{ name: cdnName, zoneId: "Z2FDTNDATAQYW2", evaluateTargetHealth: false }],
      });
    }
  });

  test("the _mta-sts TXT carries v=STSv1 with the hash of the uploaded bytes; _smtp._tls the rua", async () => {
    await deploy("sec-txt", EXAMPLE);
    const uploaded = only(T.object).inputs.content as string;
    expect(engine.byName("sec-txt-sts-txt").inputs).toMatchObject({
      zoneId: "Z123",
      name: "_mta-sts.example.com",
      type: "TXT",
      records: [`v=STSv1; id=${policyId(uploaded)}`],
    });
    expect(policyId(uploaded)).toMatch(/^[0-9a-f]{32}$/);
    expect(engine.byName("sec-txt-tlsrpt-txt").inputs).toMatchObject({
      zoneId: "Z123",
      name: "_smtp._tls.example.com",
      type: "TXT",
      records: ["v=TLSRPTv1; rua=mailto:tlsrpt@example.com"],
    });
    expect(engine.byType(T.r53).map((r) => r.name).sort()).toEqual(
      ["sec-txt-cert-validation-record", "sec-txt-host-a", "sec-txt-host-aaaa", "sec-txt-sts-txt", "sec-txt-tlsrpt-txt"].sort(),
    );
  });

  test("without tlsRpt no _smtp._tls record is declared", async () => {
    const { tlsRpt: _omitted, ...args } = EXAMPLE;
    const mail = await deploy("sec-notls", args);
    expect(engine.resources.some((r) => r.name === "sec-notls-tlsrpt-txt")).toBe(false);
    expect(await valueOf(mail.tlsRptRecord)).toBeUndefined();
  });

  test("a TLS-RPT value over 255 octets is split into character-strings for Route 53", async () => {
    const rua = Array.from({ length: 10 }, (_, i) => `mailto:tls-reports-${i}@reports.example.com`);
    await deploy("sec-long", { ...EXAMPLE, tlsRpt: { rua } });
    const value = engine.byName("sec-long-tlsrpt-txt").inputs.records[0] as string;
    const strings = value.split('""');
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.every((s) => s.length <= 255)).toBe(true);
    expect(strings.join("")).toBe(`v=TLSRPTv1; rua=${rua.join(",")}`);
  });

  test("the outputs are the flat rendered values and the created resources' attributes", async () => {
    const mail = await deploy("out", EXAMPLE);
    expect(await valueOf(mail.policyText)).toBe(EXAMPLE_BODY);
    expect(await valueOf(mail.policyId)).toBe(policyId(EXAMPLE_BODY));
    expect(await valueOf(mail.policyUrl)).toBe("https://mta-sts.example.com/.well-known/mta-sts.txt");
    expect(await valueOf(mail.stsRecord)).toBe(`v=STSv1; id=${policyId(EXAMPLE_BODY)}`);
    expect(await valueOf(mail.tlsRptRecord)).toBe("v=TLSRPTv1; rua=mailto:tlsrpt@example.com");
    expect(await valueOf(mail.distributionDomainName)).toMatch(/^d\w+\.cloudfront\.net$/);
    expect(await valueOf(mail.certificateArn)).toBe("arn:aws:acm:us-east-1:123456789012:certificate/out-cert");
    // The mock names the autonamed bucket "<resource name>-bucket".
    expect(await valueOf(mail.bucketName)).toBe("out-bucket-bucket");
  });
});

describe("DNS homes", () => {
  test("without hostedZoneId the public Route 53 zone named like the domain is looked up and used", async () => {
    const { hostedZoneId: _omitted, ...args } = EXAMPLE;
    await deploy("lookup", args);
    expect(engine.calls).toEqual([{ token: "aws:route53/getZone:getZone", inputs: expect.objectContaining({ name: "example.com", privateZone: false }) }]);
    for (const record of engine.byType(T.r53)) expect(record.inputs.zoneId).toBe(LOOKED_UP_ZONE);
  });

  test("with hostedZoneId nothing is looked up", async () => {
    await deploy("nolookup", EXAMPLE);
    expect(engine.calls).toEqual([]);
  });

  test("with cloudflareZoneId every record goes to Cloudflare: quoted TXT, unproxied CNAMEs, automatic TTL", async () => {
    const { hostedZoneId: _omitted, ...rest } = EXAMPLE;
    const mail = await deploy("cf", { ...rest, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00" });
    expect(engine.byType(T.r53)).toHaveLength(0);
    expect(engine.calls).toEqual([]);
    const records = engine.byType(T.cf);
    expect(records.map((r) => r.name).sort()).toEqual(["cf-cert-validation-record", "cf-host-cname", "cf-sts-txt", "cf-tlsrpt-txt"]);
    for (const r of records) expect(r.inputs).toMatchObject({ zoneId: "c0ffee00c0ffee00c0ffee00c0ffee00", ttl: 1 });
    expect(engine.byName("cf-host-cname").inputs).toMatchObject({ type: "CNAME", name: "mta-sts.example.com", content: await valueOf(mail.distributionDomainName), proxied: false });
    expect(engine.byName("cf-cert-validation-record").inputs).toMatchObject({ type: "CNAME", name: "_x1.mta-sts.example.com", content: "_x2.acm-validations.aws", proxied: false });
    const id = await valueOf(mail.policyId);
    expect(engine.byName("cf-sts-txt").inputs).toMatchObject({ type: "TXT", name: "_mta-sts.example.com", content: `"v=STSv1; id=${id}"` });
    expect(engine.byName("cf-tlsrpt-txt").inputs).toMatchObject({ type: "TXT", name: "_smtp._tls.example.com", content: '"v=TLSRPTv1; rua=mailto:tlsrpt@example.com"' });
    expect(engine.dependsOn.get("cf-cert-validation")).toEqual(["cf-cert-validation-record"]);
    expect(engine.dependsOn.get("cf-sts-txt")).toEqual(expect.arrayContaining(["cf-host-cname", "cf-cdn", "cf-policy", "cf-cert-validation"]));
    // The site itself stays on AWS.
    expect(only(T.cert).inputs.region).toBe("us-east-1");
    expect(only(T.object).inputs.content).toBe(EXAMPLE_BODY);
  });

  test('dns: "route53" without a zone id looks the zone up, the same as leaving dns out', async () => {
    const { hostedZoneId: _omitted, ...args } = EXAMPLE;
    await deploy("explicit53", { ...args, dns: "route53" });
    expect(engine.calls.map((c) => c.token)).toEqual(["aws:route53/getZone:getZone"]);
    expect(engine.byName("explicit53-sts-txt").inputs.zoneId).toBe(LOOKED_UP_ZONE);
  });
});

describe("the id is a function of the served bytes only", () => {
  async function published(name: string, mx: string[]) {
    await deploy(name, { ...EXAMPLE, policy: { ...EXAMPLE.policy, mx } });
    return { body: engine.byName(`${name}-policy`).inputs.content as string, txt: engine.byName(`${name}-sts-txt`).inputs.records[0] as string };
  }

  test("changing the mx list changes the object body and the id", async () => {
    const before = await published("mx-a", ["mx1.example.com", "*.mail.example.com"]);
    const after = await published("mx-b", ["mx1.example.com", "*.mail.example.com", "mx2.example.com"]);
    expect(after.body).not.toBe(before.body);
    expect(after.body).toContain("mx: mx2.example.com\r\n");
    expect(after.txt).not.toBe(before.txt);
    expect(after.txt).toBe(`v=STSv1; id=${policyId(after.body)}`);
  });

  test("reordering, re-casing or repeating mx changes neither the body nor the id", async () => {
    const before = await published("mx-c", ["mx1.example.com", "*.mail.example.com"]);
    const after = await published("mx-d", ["*.MAIL.example.com", "mx1.example.com.", "mx1.example.com"]);
    expect(after.body).toBe(before.body);
    expect(after.txt).toBe(before.txt);
  });
});

describe("the consumer's providers win: names, parents and providers", () => {
  test("two components for two domains in one stack share no resource name, and every child is parented", async () => {
    new AwsMtaSts("example-com", EXAMPLE, { transformations: [engine.captureOptions] });
    new AwsMtaSts("example-org", { ...EXAMPLE, domain: "example.org", hostedZoneId: "Z456", tlsRpt: { rua: ["mailto:tlsrpt@example.org"] } }, { transformations: [engine.captureOptions] });
    await waitFor("example-com-sts-txt");
    await waitFor("example-org-sts-txt");
    const names = engine.resources.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
    const children = engine.resources.filter((r) => !r.type.startsWith("pulumi-mta-sts:"));
    expect(children.length).toBe(2 * 14);
    for (const child of children) {
      const owner = child.name.startsWith("example-com-") ? "example-com" : "example-org";
      expect(child.name.startsWith(`${owner}-`)).toBe(true);
      expect(engine.parents.get(child.name)).toBe(owner);
    }
    expect(engine.byName("example-org-sts-txt").inputs.name).toBe("_mta-sts.example.org");
    // Account-wide names (OAC, bucket) are left to Pulumi's autonaming, so they cannot collide either.
    for (const oac of engine.byType(T.oac)) expect(oac.inputs.name).not.toBe("policy-oac");
  });

  test("a consumer's explicit AWS provider passed via providers is used by every AWS child", async () => {
    const provider = new aws.Provider("consumer-aws", { region: "eu-west-1" });
    await deploy("prov", EXAMPLE, { providers: { aws: provider } });
    const awsChildren = engine.resources.filter((r) => r.type.startsWith("aws:"));
    expect(awsChildren).toHaveLength(14);
    for (const child of awsChildren) expect(child.provider).toMatch(/::consumer-aws::/);
    // Only the consumer's provider exists; the certificate reaches us-east-1 by its own region.
    expect(engine.byType("pulumi:providers:aws").map((p) => p.name)).toEqual(["consumer-aws"]);
    expect(only(T.cert).inputs.region).toBe("us-east-1");
  });

  test("the component is registered with its type token", async () => {
    await deploy("token", EXAMPLE);
    expect(engine.byName("token").type).toBe("pulumi-mta-sts:index:AwsMtaSts");
  });
});

describe("safe retirement with mode none", () => {
  test("mode none serves a policy without mx under a new id", async () => {
    const testing = await deploy("retire-a", EXAMPLE);
    const none = await deploy("retire-b", { ...EXAMPLE, policy: { mode: "none" } });
    const body = "version: STSv1\r\nmode: none\r\nmax_age: 604800\r\n";
    expect(engine.byName("retire-b-policy").inputs.content).toBe(body);
    expect(engine.byName("retire-b-sts-txt").inputs.records).toEqual([`v=STSv1; id=${policyId(body)}`]);
    expect(await valueOf(none.policyId)).not.toBe(await valueOf(testing.policyId));
  });

  test("the _mta-sts TXT depends on the host records, distribution, certificate validation and object, so destroy removes it first", async () => {
    await deploy("retire-c", { ...EXAMPLE, policy: { mode: "none" } });
    // The engine deletes a resource only after every resource that depends on it; these edges put
    // the TXT record's deletion before all of them.
    expect(engine.dependsOn.get("retire-c-sts-txt")).toEqual(
      expect.arrayContaining(["retire-c-policy", "retire-c-cert-validation", "retire-c-cdn", "retire-c-host-a", "retire-c-host-aaaa", "retire-c-bucket-policy"]),
    );
    for (const host of ["retire-c-host-a", "retire-c-host-aaaa"]) expect(engine.dependsOn.get(host)).not.toContain("retire-c-sts-txt");
  });
});

describe("adopting hand-made records", () => {
  test("adoptExistingRecords takes over the two TXT records and the host records in Route 53", async () => {
    await deploy("adopt", { ...EXAMPLE, adoptExistingRecords: true });
    for (const role of ["sts-txt", "tlsrpt-txt", "host-a", "host-aaaa"]) expect(engine.byName(`adopt-${role}`).inputs.allowOverwrite).toBe(true);
  });

  test("by default no record overwrites an existing one, except the certificate's own validation record", async () => {
    await deploy("noadopt", EXAMPLE);
    for (const role of ["sts-txt", "tlsrpt-txt", "host-a", "host-aaaa"]) expect(engine.byName(`noadopt-${role}`).inputs.allowOverwrite).toBeUndefined();
    expect(engine.byName("noadopt-cert-validation-record").inputs.allowOverwrite).toBe(true);
  });
});

describe("bad input never reaches the cloud", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["an invalid domain", { ...EXAMPLE, domain: "not a domain" }, "domain"],
    ["an IP address as mx", { ...EXAMPLE, policy: { mode: "enforce", mx: ["mx1.example.com", "192.0.2.1"] } }, "policy.mx[1]"],
    ["both DNS zones", { ...EXAMPLE, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00" }, "cloudflareZoneId"],
    ['dns "cloudflare" without cloudflareZoneId', { ...EXAMPLE, hostedZoneId: undefined, dns: "cloudflare" }, "cloudflareZoneId"],
    ['dns "cloudflare" with hostedZoneId', { ...EXAMPLE, dns: "cloudflare" }, "hostedZoneId"],
    ['dns "route53" with cloudflareZoneId', { ...EXAMPLE, hostedZoneId: undefined, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00", dns: "route53" }, "cloudflareZoneId"],
    ["an unknown dns home", { ...EXAMPLE, dns: "gandi" }, "dns"],
    ["an empty hostedZoneId", { ...EXAMPLE, hostedZoneId: "" }, "hostedZoneId"],
    ["adoptExistingRecords with Cloudflare", { ...EXAMPLE, hostedZoneId: undefined, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00", adoptExistingRecords: true }, "adoptExistingRecords"],
    ["a misspelt field", { ...EXAMPLE, hostedZoneID: "Z9" }, "hostedZoneID"],
    ["a dnsResolver that is not an address", { ...EXAMPLE, dnsResolver: "dns.example.com" }, "dnsResolver"],
  ];

  test.each(cases)("%s throws MtaStsConfigError naming the field, and nothing is registered", async (_label, args, field) => {
    const clean = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
    let error: unknown;
    try {
      new AwsMtaSts("bad", clean as unknown as Args, { transformations: [engine.captureOptions] });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MtaStsConfigError);
    expect((error as InstanceType<typeof MtaStsConfigError>).issues.map((i) => i.path)).toContain(field);
    // Whatever the constructor declared or looked up before it threw has reached the engine by now.
    await idle();
    expect(engine.resources).toEqual([]);
    expect(engine.calls).toEqual([]);
  });

  test("a misspelt field is reported with the field it probably meant", () => {
    expect(() => new AwsMtaSts("typo", { ...EXAMPLE, hostedZoneID: "Z9" } as unknown as Args)).toThrow(/hostedZoneID: unknown field; did you mean "hostedZoneId"\?/);
  });

  test("every problem is reported at once", () => {
    let error: any;
    try {
      new AwsMtaSts("many", { ...EXAMPLE, domain: "", cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00", policy: { mode: "enforce", mx: [] } } as Args);
    } catch (err) {
      error = err;
    }
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(["domain", "policy.mx", "cloudflareZoneId"]));
  });
});

describe("warnings from the core", () => {
  test("a max_age under one day is logged once on the component, naming the domain, and still deployed", async () => {
    const warn = jest.spyOn(pulumi.log, "warn").mockImplementation(() => Promise.resolve());
    try {
      const mail = await deploy("short", { ...EXAMPLE, policy: { ...EXAMPLE.policy, maxAgeSeconds: 3600 } });
      const calls = warn.mock.calls.filter(([message]) => String(message).includes("policy.maxAgeSeconds:"));
      expect(calls).toHaveLength(1);
      expect(calls[0][0]).toMatch(/^example\.com: policy\.maxAgeSeconds: 3600 s is under one day/);
      expect(calls[0][1]).toBe(mail);
      expect(engine.byName("short-policy").inputs.content).toContain("max_age: 3600\r\n");
    } finally {
      warn.mockRestore();
    }
  });
});
