/**
 * AwsSharedMtaStsHost under Pulumi mocks: what is declared per host, per group and per domain,
 * with which inputs, and what stays identical when a domain is added or removed. Ordering under
 * slow resources is in aws-shared-mta-sts-host.ordering.test.ts; the pure grouping and the executed routing
 * function in grouping.test.ts.
 *
 * Traps guarded against: one distribution, certificate and origin access control per domain
 * (CloudFront's default quotas: 500 distributions and 100 origin access controls per account); one
 * routing function per group (100 functions per account stopped such a host at 100 groups); a new
 * domain replacing the certificates of groups it does not join, or changing any function; a
 * shared bucket readable by anything but the host's own distributions.
 */
import { domainToASCII } from "node:url";
import type * as pulumiType from "@pulumi/pulumi";
import { idle, installMocks, MockEngine, valueOf } from "../../support/pulumi-mocks";
import { hashedGroup } from "../../../components/aws-shared/grouping";
import { policyId } from "../../../components/model/policy-id";

type Module = typeof import("../../../components/aws-shared/aws-shared-mta-sts-host");
type Args = import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHostArgs;
type DomainArgs = import("../../../components/aws-shared/aws-shared-mta-sts-host").SharedDomainArgs;

let engine: MockEngine;
let AwsSharedMtaStsHost: Module["AwsSharedMtaStsHost"];
let MtaStsConfigError: typeof import("../../../components/model/config").MtaStsConfigError;
let aws: typeof import("@pulumi/aws");

beforeAll(async () => {
  engine = await installMocks({
    // A distinct name per distribution, so a host record can be traced to its group's distribution.
    outputs: (type, name) => (type === "aws:cloudfront/distribution:Distribution" ? { domainName: `${name}.cloudfront.net` } : {}),
    invokes: { "aws:route53/getZone:getZone": (inputs) => ({ zoneId: `Z-${inputs.name}`, id: `Z-${inputs.name}`, name: inputs.name }) },
  });
  ({ AwsSharedMtaStsHost } = await import("../../../components/aws-shared/aws-shared-mta-sts-host"));
  ({ MtaStsConfigError } = await import("../../../components/model/config"));
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
  fn: "aws:cloudfront/function:Function",
  cache: "aws:cloudfront/cachePolicy:CachePolicy",
  cert: "aws:acm/certificate:Certificate",
  validation: "aws:acm/certificateValidation:CertificateValidation",
  cdn: "aws:cloudfront/distribution:Distribution",
  r53: "aws:route53/record:Record",
  cf: "cloudflare:index/dnsRecord:DnsRecord",
};

const GROUP_COUNT = 3;
function mailDomain(domain: string, extra: Partial<DomainArgs> = {}): DomainArgs {
  return {
    domain,
    hostedZoneId: `Z-${domain}`,
    policy: { mode: "testing", mx: [`mx1.${domain}`], maxAgeSeconds: 604800 },
    tlsRpt: { rua: [`mailto:tlsrpt@${domain}`] },
    verifyLiveMx: false,
    ...extra,
  };
}
/** Twelve domains over three groups (no group over the default size of 10). */
const BASE = Array.from({ length: 12 }, (_, i) => `mail${i}.example`);
const baseGroups = new Set(BASE.map((d) => hashedGroup(d, GROUP_COUNT)));
/** A domain not in BASE whose hashed group already holds BASE domains. */
const JOINER = Array.from({ length: 100 }, (_, i) => `new${i}.example`).find((d) => baseGroups.has(hashedGroup(d, GROUP_COUNT)))!;
const args = (domains: string[], extra: Partial<Args> = {}): Args => ({ domains: domains.map((d) => mailDomain(d)), groupCount: GROUP_COUNT, ...extra });

/** Declare the host and wait until every domain's `_mta-sts` record has been created. */
async function deploy(name: string, a: Args, opts: pulumiType.ComponentResourceOptions = {}) {
  const host = new AwsSharedMtaStsHost(name, a, { transformations: [engine.captureOptions], ...opts });
  const txts = a.domains.map((d) => `${name}-${domainToASCII(d.domain)}-sts-txt`);
  // Everything declared has been through the engine, the TXT records (declared last) included.
  await idle();
  if (!txts.every((t) => engine.resources.some((r) => r.name === t && r.completedAt !== undefined))) {
    throw new Error(`not all TXT records completed; declared: ${engine.resources.map((r) => r.name).join(", ")}`);
  }
  return host;
}
/** What the engine recorded for one host. */
type Recorded = Pick<MockEngine, "resources" | "calls" | "dependsOn" | "parents" | "providers" | "events">;
let base: { host: Awaited<ReturnType<typeof deploy>>; recorded: Recorded } | undefined;
/**
 * The host of BASE under the name "base", for the tests that only read what it declared: declared
 * once (by the first such test, on an empty engine), and what the engine recorded for it put back
 * after each reset, so each of these tests sees what it would see had it declared the host itself.
 */
async function deployBase() {
  if (engine.resources.length > 0) throw new Error("deployBase() must come first in a test");
  if (!base) {
    const host = await deploy("base", args(BASE));
    const { resources, calls, dependsOn, parents, providers, events } = engine;
    base = { host, recorded: { resources: [...resources], calls: [...calls], dependsOn: new Map(dependsOn), parents: new Map(parents), providers: new Map(providers), events: [...events] } };
  } else {
    const { resources, calls, dependsOn, parents, providers, events } = base.recorded;
    engine.resources.push(...resources);
    engine.calls.push(...calls);
    engine.events.push(...events);
    for (const [from, to] of [[dependsOn, engine.dependsOn], [parents, engine.parents], [providers, engine.providers]] as const) for (const [k, v] of from) (to as Map<string, unknown>).set(k, v);
  }
  return base.host;
}

/** The children of one component (its own registration excluded), names without the component prefix. */
function children(name: string): Map<string, { type: string; inputs: Record<string, any> }> {
  const out = new Map<string, { type: string; inputs: Record<string, any> }>();
  for (const r of engine.resources) if (r.name.startsWith(`${name}-`)) out.set(r.name.slice(name.length + 1), { type: r.type, inputs: r.inputs });
  return out;
}
const PER_DOMAIN_ROLES = ["policy", "cert-validation-record", "host-cname", "sts-txt", "tlsrpt-txt"];

describe("resources: at most 5 per additional domain", () => {
  test("12 domains in 3 groups: 4 shared + 3 for the slice of groups g00 to g99 + 3 per group + 5 per domain, one distribution and one certificate per group", async () => {
    await deployBase();
    const kids = children("base");
    expect(kids.size).toBe(4 + 3 + 3 * GROUP_COUNT + 5 * BASE.length);
    expect(engine.byType(T.cdn)).toHaveLength(GROUP_COUNT);
    expect(engine.byType(T.cert)).toHaveLength(GROUP_COUNT);
    expect(engine.byType(T.bucket)).toHaveLength(1);
    expect(engine.byType(T.oac).map((r) => r.name)).toEqual(["base-oac"]);
    expect(engine.byType(T.fn).map((r) => r.name)).toEqual(["base-routing"]);
    expect(engine.byType(T.cache).map((r) => r.name)).toEqual(["base-cache"]);
    for (const d of BASE) for (const role of PER_DOMAIN_ROLES) expect(kids.has(`${d}-${role}`)).toBe(true);
  });

  test("a domain that joins an existing group adds exactly its own 5 resources and nothing else", async () => {
    expect(baseGroups.has(hashedGroup(JOINER, GROUP_COUNT))).toBe(true);
    await deployBase();
    await deploy("after", args([...BASE, JOINER]));
    const before = children("base");
    const after = children("after");
    const added = [...after.keys()].filter((k) => !before.has(k)).sort();
    expect(added).toEqual(PER_DOMAIN_ROLES.map((role) => `${JOINER}-${role}`).sort());
    expect([...before.keys()].filter((k) => !after.has(k))).toEqual([]);
    expect(after.size - before.size).toBe(5);
  });

  test("without tlsRpt a domain has 4 resources; a domain pinned to a new group adds 3 group resources", async () => {
    await deploy("lean", { domains: [...BASE.map((d) => mailDomain(d)), mailDomain("pinned.example", { tlsRpt: undefined, group: 50 })], groupCount: GROUP_COUNT });
    const kids = children("lean");
    expect([...kids.keys()].filter((k) => k.startsWith("pinned.example-")).sort()).toEqual(["pinned.example-cert-validation-record", "pinned.example-host-cname", "pinned.example-policy", "pinned.example-sts-txt"]);
    expect([...kids.keys()].filter((k) => k.startsWith("g50-")).sort()).toEqual(["g50-cdn", "g50-cert", "g50-cert-validation"]);
    expect(kids.size).toBe(4 + 3 + 3 * (GROUP_COUNT + 1) + 5 * BASE.length + 4);
  });

  test("a group from g100 on opens the next slice: its own origin access control, routing function and cache policy, used by its distribution only", async () => {
    await deploy("slices", { domains: [...BASE.map((d) => mailDomain(d)), mailDomain("far.example", { group: 150 })], groupCount: GROUP_COUNT });
    const kids = children("slices");
    expect([...kids.keys()].filter((k) => /^(s\d+-)?(oac|routing|cache)$/.test(k)).sort()).toEqual(["cache", "oac", "routing", "s1-cache", "s1-oac", "s1-routing"]);
    const far = engine.byName("slices-g150-cdn").inputs;
    expect(far.origins[0].originAccessControlId).toBe("slices-s1-oac-id");
    expect(far.defaultCacheBehavior).toMatchObject({ cachePolicyId: "slices-s1-cache-id", functionAssociations: [{ eventType: "viewer-request", functionArn: "arn:aws:cloudfront::123456789012:function/slices-s1-routing" }] });
    for (const cdn of engine.byType(T.cdn).filter((c) => c.name !== "slices-g150-cdn")) {
      expect(cdn.inputs.origins[0].originAccessControlId).toBe("slices-oac-id");
      expect(cdn.inputs.defaultCacheBehavior.cachePolicyId).toBe("slices-cache-id");
    }
    expect(engine.byName("slices-s1-oac").inputs.description).toBe("MTA-STS shared policy bucket, groups g100 to g199");
    expect(engine.byName("slices-s1-routing").inputs.code).toBe(engine.byName("slices-routing").inputs.code);
  });
});

describe("certificates: one per group, naming exactly the group's hosts", () => {
  test("each certificate's domainName is the group's first host and the SANs the rest, sorted, in us-east-1", async () => {
    const host = await deploy("sans", args([...BASE, JOINER]));
    const groupsOf = await valueOf(host.domainGroups);
    const labels = [...new Set(Object.values(groupsOf))].sort();
    expect(labels).toHaveLength(GROUP_COUNT);
    for (const label of labels) {
      const hosts = Object.entries(groupsOf).filter(([, g]) => g === label).map(([d]) => `mta-sts.${d}`).sort();
      expect(hosts.length).toBeLessThanOrEqual(10);
      const cert = engine.byName(`sans-${label}-cert`).inputs;
      expect(cert).toMatchObject({ domainName: hosts[0], validationMethod: "DNS", region: "us-east-1" });
      expect(cert.subjectAlternativeNames ?? []).toEqual(hosts.slice(1));
      // Its validation waits for every validation record of the group, each in its domain's zone.
      const records = hosts.map((h) => `sans-${h.slice("mta-sts.".length)}-cert-validation-record`);
      expect([...(engine.dependsOn.get(`sans-${label}-cert-validation`) ?? [])].sort()).toEqual([...records].sort());
      expect(engine.byName(`sans-${label}-cert-validation`).inputs).toMatchObject({
        region: "us-east-1",
        certificateArn: `arn:aws:acm:us-east-1:123456789012:certificate/sans-${label}-cert`,
        validationRecordFqdns: hosts.map((h) => `_x1.${h}.`),
      });
      for (const [i, h] of hosts.entries()) {
        expect(engine.byName(records[i]).inputs).toMatchObject({ zoneId: `Z-${h.slice(8)}`, type: "CNAME", name: `_x1.${h}.`, records: ["_x2.acm-validations.aws."], allowOverwrite: true });
      }
    }
  });
});

describe("stable grouping: untouched groups keep identical inputs", () => {
  /** Per group label: the inputs that would force a replacement or an update if they changed; and the shared function's code. */
  function groupInputs(name: string): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const r of engine.resources) {
      if (r.name === `${name}-routing`) out.set("routing", r.inputs.code);
      const m = new RegExp(`^${name}-(g\\d+)-(cert|cdn)$`).exec(r.name);
      if (!m) continue;
      const value = m[2] === "cert" ? { domainName: r.inputs.domainName, sans: r.inputs.subjectAlternativeNames } : r.inputs.aliases;
      out.set(`${m[1]}-${m[2]}`, value);
    }
    return out;
  }

  test("adding a domain changes the certificate and aliases of its own group only, and no function; removing one likewise", async () => {
    await deployBase();
    await deploy("stable-b", args([...BASE, JOINER]));
    await deploy("stable-c", args(BASE.slice(1)));
    const a = groupInputs("base");
    const b = groupInputs("stable-b");
    const c = groupInputs("stable-c");
    const joined = `g${String(hashedGroup(JOINER, GROUP_COUNT)).padStart(2, "0")}`;
    const left = `g${String(hashedGroup(BASE[0], GROUP_COUNT)).padStart(2, "0")}`;
    expect(a.size).toBe(2 * GROUP_COUNT + 1);
    for (const [key, value] of a) {
      if (key.startsWith(`${joined}-`)) expect(b.get(key)).not.toEqual(value);
      else expect(b.get(key)).toEqual(value);
      if (key.startsWith(`${left}-`)) expect(c.get(key)).not.toEqual(value);
      else expect(c.get(key)).toEqual(value);
    }
  });

  test("the order of the domains list changes nothing", async () => {
    await deployBase();
    await deploy("order-b", args([...BASE].reverse()));
    expect(groupInputs("order-b")).toEqual(groupInputs("base"));
  });
});

describe("secure by default", () => {
  test("one private bucket: owner-enforced, every public access blocked, no ACL or policy of its own", async () => {
    await deploy("sec-bucket", args(BASE.slice(0, 3)));
    const [bucket] = engine.byType(T.bucket);
    expect(engine.byType(T.bucket)).toHaveLength(1);
    expect(bucket.inputs.acl).toBeUndefined();
    expect(engine.byType(T.ownership)[0].inputs).toEqual({ bucket: "sec-bucket-bucket-id", rule: { objectOwnership: "BucketOwnerEnforced" } });
    expect(engine.byType(T.publicAccess)[0].inputs).toMatchObject({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
  });

  test("each domain's policy object holds exactly its rendered bytes under its host's key, text/plain, no-store", async () => {
    await deploy("sec-obj", args(["a.example", "b.example"]));
    const object = engine.byName("sec-obj-a.example-policy").inputs;
    const body = "version: STSv1\r\nmode: testing\r\nmx: mx1.a.example\r\nmax_age: 604800\r\n";
    expect(object).toMatchObject({ bucket: "sec-obj-bucket-id", key: "mta-sts.a.example/.well-known/mta-sts.txt", content: body, contentType: "text/plain", cacheControl: "no-store" });
    expect(engine.byName("sec-obj-a.example-sts-txt").inputs.records).toEqual([`v=STSv1; id=${policyId(body)}`]);
    expect(engine.dependsOn.get("sec-obj-a.example-policy")).toEqual(["sec-obj-bucket-ownership", "sec-obj-bucket-public-access"]);
  });

  test("the bucket policy admits exactly the group distributions, for policy files only", async () => {
    await deployBase();
    const policy = JSON.parse(engine.byType(T.bucketPolicy)[0].inputs.policy);
    const allow = policy.Statement.filter((s: any) => s.Effect === "Allow");
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({ Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: "arn:aws:s3:::base-bucket/mta-sts.*/.well-known/mta-sts.txt" });
    const distributions = engine.byType(T.cdn).map((d) => `arn:aws:cloudfront::123456789012:distribution/${d.name}`).sort();
    expect(distributions).toHaveLength(GROUP_COUNT);
    expect(allow[0].Condition).toEqual({ StringEquals: { "AWS:SourceArn": distributions } });
  });

  test("each distribution: the group's hosts only, HTTPS, TLS 1.2+, SNI, GET/HEAD, IPv6, uncached, the slice's routing function on viewer-request", async () => {
    const host = await deployBase();
    const groupsOf = await valueOf(host.domainGroups);
    for (const cdn of engine.byType(T.cdn)) {
      const label = /-(g\d+)-cdn$/.exec(cdn.name)![1];
      const hosts = Object.entries(groupsOf).filter(([, g]) => g === label).map(([d]) => `mta-sts.${d}`).sort();
      expect(cdn.inputs).toMatchObject({
        enabled: true,
        aliases: hosts,
        isIpv6Enabled: true,
        viewerCertificate: { acmCertificateArn: `arn:aws:acm:us-east-1:123456789012:certificate/base-${label}-cert`, sslSupportMethod: "sni-only", minimumProtocolVersion: "TLSv1.2_2021" },
        defaultCacheBehavior: {
          viewerProtocolPolicy: "https-only",
          allowedMethods: ["GET", "HEAD"],
          cachedMethods: ["GET", "HEAD"],
          cachePolicyId: "base-cache-id",
          functionAssociations: [{ eventType: "viewer-request", functionArn: "arn:aws:cloudfront::123456789012:function/base-routing" }],
        },
      });
      expect(cdn.inputs.origins).toEqual([expect.objectContaining({ domainName: "base-bucket.s3.us-east-1.amazonaws.com", originAccessControlId: "base-oac-id" })]);
      expect(cdn.inputs.viewerCertificate.cloudfrontDefaultCertificate).toBeFalsy();
      expect(cdn.inputs.defaultRootObject ?? "").toBe("");
      expect(cdn.inputs.orderedCacheBehaviors ?? []).toEqual([]);
    }
    expect(engine.byName("base-routing").inputs).toMatchObject({ runtime: "cloudfront-js-2.0", publish: true });
    // The cache policy caches nothing, as the managed CachingDisabled does: every TTL 0, an empty cache key.
    expect(engine.byName("base-cache").inputs).toMatchObject({
      minTtl: 0,
      defaultTtl: 0,
      maxTtl: 0,
      parametersInCacheKeyAndForwardedToOrigin: {
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
        enableAcceptEncodingGzip: false,
        enableAcceptEncodingBrotli: false,
      },
    });
    expect(engine.byType(T.oac)[0].inputs).toMatchObject({ description: "MTA-STS shared policy bucket", originAccessControlOriginType: "s3", signingBehavior: "always", signingProtocol: "sigv4" });
    expect(engine.byType("pulumi:providers:aws")).toHaveLength(0);
  });

  test("each host record is one CNAME to its own group's distribution", async () => {
    const host = await deployBase();
    const groupsOf = await valueOf(host.domainGroups);
    const cdns = await valueOf(host.distributionDomainNames);
    for (const d of BASE) {
      expect(engine.byName(`base-${d}-host-cname`).inputs).toMatchObject({ zoneId: `Z-${d}`, name: `mta-sts.${d}`, type: "CNAME", records: [cdns[groupsOf[d]]] });
    }
    expect(new Set(Object.values(cdns)).size).toBe(GROUP_COUNT);
  });
});

describe("DNS homes per domain", () => {
  test("a Cloudflare domain gets its records at Cloudflare; the group's validation then names no FQDNs", async () => {
    const cfDomain = "cf.example";
    const cfGroup = hashedGroup(cfDomain, 1);
    await deploy("homes", { domains: [mailDomain("r53.example"), mailDomain(cfDomain, { hostedZoneId: undefined, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00" })], groupCount: 1 });
    expect(cfGroup).toBe(0);
    expect(engine.byType(T.cf).map((r) => r.name).sort()).toEqual(["homes-cf.example-cert-validation-record", "homes-cf.example-host-cname", "homes-cf.example-sts-txt", "homes-cf.example-tlsrpt-txt"]);
    expect(engine.byName("homes-cf.example-host-cname").inputs).toMatchObject({ zoneId: "c0ffee00c0ffee00c0ffee00c0ffee00", type: "CNAME", name: "mta-sts.cf.example", content: "homes-g00-cdn.cloudfront.net", proxied: false });
    expect(engine.byName("homes-g00-cert-validation").inputs.validationRecordFqdns).toBeUndefined();
    expect([...(engine.dependsOn.get("homes-g00-cert-validation") ?? [])].sort()).toEqual(["homes-cf.example-cert-validation-record", "homes-r53.example-cert-validation-record"]);
  });

  test("without hostedZoneId the zone named like the domain is looked up, once per such domain", async () => {
    await deploy("lookup", { domains: [mailDomain("look.example", { hostedZoneId: undefined }), mailDomain("given.example")] });
    expect(engine.calls.map((c) => c.inputs.name)).toEqual(["look.example"]);
    expect(engine.byName("lookup-look.example-sts-txt").inputs.zoneId).toBe("Z-look.example");
  });

  test("adoptExistingRecords takes over the TXT and host records of that domain only", async () => {
    await deploy("adopt", { domains: [mailDomain("adopt.example", { adoptExistingRecords: true }), mailDomain("keep.example")] });
    for (const role of ["sts-txt", "tlsrpt-txt", "host-cname"]) {
      expect(engine.byName(`adopt-adopt.example-${role}`).inputs.allowOverwrite).toBe(true);
      expect(engine.byName(`adopt-keep.example-${role}`).inputs.allowOverwrite).toBeUndefined();
    }
  });
});

describe("outputs, names, parents, providers", () => {
  test("flat maps keyed by domain and by group label", async () => {
    const host = await deploy("out", args(["a.example", "b.example"], { groupCount: 1 }));
    const body = "version: STSv1\r\nmode: testing\r\nmx: mx1.a.example\r\nmax_age: 604800\r\n";
    expect((await valueOf(host.policyIds))["a.example"]).toBe(policyId(body));
    expect(await valueOf(host.policyUrls)).toEqual({ "a.example": "https://mta-sts.a.example/.well-known/mta-sts.txt", "b.example": "https://mta-sts.b.example/.well-known/mta-sts.txt" });
    expect((await valueOf(host.stsRecords))["a.example"]).toBe(`v=STSv1; id=${policyId(body)}`);
    expect(await valueOf(host.tlsRptRecords)).toEqual({ "a.example": "v=TLSRPTv1; rua=mailto:tlsrpt@a.example", "b.example": "v=TLSRPTv1; rua=mailto:tlsrpt@b.example" });
    expect(await valueOf(host.domainGroups)).toEqual({ "a.example": "g00", "b.example": "g00" });
    expect(await valueOf(host.distributionDomainNames)).toEqual({ g00: "out-g00-cdn.cloudfront.net" });
    expect(await valueOf(host.certificateArns)).toEqual({ g00: "arn:aws:acm:us-east-1:123456789012:certificate/out-g00-cert" });
    expect(await valueOf(host.bucketName)).toBe("out-bucket-bucket");
    expect(await valueOf(host.groupCount)).toBe(1);
    expect(engine.byName("out").type).toBe("pulumi-mta-sts:index:AwsSharedMtaStsHost");
  });

  test("every child is parented to the component and uses the consumer's AWS provider", async () => {
    const provider = new aws.Provider("consumer-aws", { region: "eu-west-1" });
    await deploy("prov", args(BASE.slice(0, 4)), { providers: { aws: provider } });
    const kids = engine.resources.filter((r) => r.name.startsWith("prov-"));
    for (const k of kids) expect(engine.parents.get(k.name)).toBe("prov");
    for (const k of kids.filter((r) => r.type.startsWith("aws:"))) expect(k.provider).toMatch(/::consumer-aws::/);
    expect(engine.byType("pulumi:providers:aws").map((p) => p.name)).toEqual(["consumer-aws"]);
    const names = engine.resources.map((r) => r.name);
    expect(new Set(names).size).toBe(names.length);
  });

  test("IDN domains are served and named by their A-label", async () => {
    const host = await deploy("idn", { domains: [mailDomain("bücher.example", { hostedZoneId: "Z-idn", tlsRpt: undefined, policy: { mode: "testing", mx: ["mx1.example.net"] } })] });
    expect(Object.keys(await valueOf(host.policyIds))).toEqual(["xn--bcher-kva.example"]);
    expect(engine.byName("idn-xn--bcher-kva.example-host-cname").inputs.name).toBe("mta-sts.xn--bcher-kva.example");
  });
});

describe("bad input never reaches the cloud", () => {
  const good = mailDomain("good.example");
  const cases: [string, unknown, string][] = [
    ["an IP address as mx of the fourth domain", { domains: [good, mailDomain("b.example"), mailDomain("c.example"), { ...mailDomain("d.example"), policy: { mode: "enforce", mx: ["192.0.2.1"] } }] }, "domains[3].policy.mx[0]"],
    ["an invalid domain", { domains: [good, { ...good, domain: "not a domain" }] }, "domains[1].domain"],
    ["a duplicate domain (after normalisation)", { domains: [good, { ...good, domain: "GOOD.example." }] }, "domains[1].domain"],
    ["both DNS zones", { domains: [{ ...good, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00" }] }, "domains[0].cloudflareZoneId"],
    ["adoptExistingRecords with Cloudflare", { domains: [{ ...good, hostedZoneId: undefined, cloudflareZoneId: "c0ffee00c0ffee00c0ffee00c0ffee00", adoptExistingRecords: true }] }, "domains[0].adoptExistingRecords"],
    ["a misspelt domain field", { domains: [{ ...good, hostedZoneID: "Z" }] }, "domains[0].hostedZoneID"],
    ["a misspelt top-level field", { domains: [good], groupsize: 5 }, "groupsize"],
    ["a pin out of range", { domains: [{ ...good, group: 1000 }] }, "domains[0].group"],
    ["a fractional pin", { domains: [{ ...good, group: 1.5 }] }, "domains[0].group"],
    ["groupSize 0", { domains: [good], groupSize: 0 }, "groupSize"],
    ["groupSize over 100", { domains: [good], groupSize: 101 }, "groupSize"],
    ["groupCount 0", { domains: [good], groupCount: 0 }, "groupCount"],
    ["no domains", { domains: [] }, "domains"],
    ["domains missing", {}, "domains"],
    ["a dnsResolver that is not an address", { domains: [good], dnsResolver: "dns.example" }, "dnsResolver"],
    ["a full group", { domains: ["a", "b", "c"].map((d) => mailDomain(`${d}.example`, { group: 4 })), groupSize: 2 }, "domains[2].group"],
  ];

  test.each(cases)("%s throws MtaStsConfigError naming the field, and nothing is registered", async (_label, bad, field) => {
    const clean = JSON.parse(JSON.stringify(bad));
    let error: unknown;
    try {
      new AwsSharedMtaStsHost("bad", clean as Args, { transformations: [engine.captureOptions] });
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

  test("a full group is one line with its counts and the ways out, at the pin of its last domain", () => {
    const bad = { domains: ["a", "b", "c"].map((d) => mailDomain(`${d}.example`, { group: 4 })).concat([mailDomain("d.example", { group: 1 })]), groupSize: 2, groupCount: 5 };
    let error: any;
    try {
      new AwsSharedMtaStsHost("full", bad);
    } catch (err) {
      error = err;
    }
    expect(error.issues).toEqual([
      {
        path: "domains[2].group",
        message:
          "group g04 would hold 3 domains, 1 more than groupSize 2: pin one of them to a group with room (g01 has 1 free; `assignGroups` packs pins that fill every group and never move a domain), or raise groupSize (moves no domain, but ACM must allow that many names per certificate)",
      },
    ]);
    expect(error.message).not.toMatch(/a\.example/);
  });

  test("a full group comes in the same error as another domain's bad field, not in a second round", () => {
    const bad = {
      domains: [...["a", "b", "c"].map((d) => mailDomain(`${d}.example`, { group: 4 })), { ...mailDomain("d.example"), policy: { mode: "enforce", mx: ["192.0.2.1"] } }],
      groupSize: 2,
    };
    let error: any;
    try {
      new AwsSharedMtaStsHost("round", bad as Args);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MtaStsConfigError);
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(["domains[3].policy.mx[0]", "domains[2].group"]);
  });

  test("a bad groupSize is reported once, and the groups are not judged by the default in its place", () => {
    let error: any;
    try {
      new AwsSharedMtaStsHost("badsize", { domains: Array.from({ length: 12 }, (_, i) => mailDomain(`n${i}.example`, { group: 0 })), groupSize: 101 });
    } catch (err) {
      error = err;
    }
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(["groupSize"]);
  });

  test("every problem in every domain is reported at once", () => {
    let error: any;
    try {
      new AwsSharedMtaStsHost("many", { domains: [{ ...good, domain: "" }, { ...good, policy: { mode: "enforce", mx: [] } }], groupSize: 0 } as Args);
    } catch (err) {
      error = err;
    }
    expect(error.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(["domains[0].domain", "domains[1].policy.mx", "groupSize"]));
  });
});
