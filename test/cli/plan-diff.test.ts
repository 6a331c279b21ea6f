/**
 * The difference between two offline plans (cli/plan-diff.ts), on small plans built here: which
 * domains and resources change, how, and that nothing depends on the order things are listed in.
 */
import { diffPlans } from "../../cli/plan-diff";
import { Plan, PLAN_FORMAT_VERSION, PlanDomain, PlanResource } from "../../cli/plan-report";
import { MailDomainIntent } from "../../components/model/config";
import { PolicyMode } from "../../components/model/policy";
import { renderMailDomain } from "../../components/model/rendered";

function domain(name: string, mode: PolicyMode = "testing", mx = [`mx.${name}`], component = name.replace(/\./g, "-")): PlanDomain {
  const intent: MailDomainIntent = { domain: name, policyHost: `mta-sts.${name}`, policy: { mode, mx, maxAgeSeconds: 604800 }, tlsRpt: { rua: [`mailto:tls@${name}`] } };
  return { ...renderMailDomain(intent), host: "aws", dns: "route53", component };
}

function resource(type: string, name: string, inputs: Record<string, unknown> = {}, extra: Partial<PlanResource> = {}): PlanResource {
  return { type, name, urn: `urn:pulumi:plan::mta-sts::${type}::${name}`, inputs, dependsOn: [], ...extra };
}

function plan(domains: PlanDomain[], resources: PlanResource[]): Plan {
  return { kind: "mta-sts-offline-plan", version: PLAN_FORMAT_VERSION, notice: "", stack: "s.yaml", warnings: [], domains, resources, edges: [] };
}

const COMPONENT = "pulumi-mta-sts:index:AwsMtaSts";
const CERT = "aws:acm/certificate:Certificate";
const VALIDATION = "aws:acm/certificateValidation:CertificateValidation";
const CDN = "aws:cloudfront/distribution:Distribution";
const RECORD = "aws:route53/record:Record";
const OBJECT = "aws:s3/bucketObjectv2:BucketObjectv2";

/** One domain's own host: component, certificate, its validation, distribution, policy object, TXT. */
function ownHost(d: PlanDomain, overrides: Record<string, Record<string, unknown>> = {}): PlanResource[] {
  const c = d.component;
  const child = (type: string, role: string, inputs: Record<string, unknown>) => resource(type, `${c}-${role}`, { ...inputs, ...overrides[role] }, { parent: c });
  return [
    resource(COMPONENT, c),
    child(CERT, "cert", { domainName: d.policyHost, region: "us-east-1", validationMethod: "DNS" }),
    child(VALIDATION, "cert-validation", { certificateArn: `<computed: ${c}-cert.arn>`, region: "us-east-1" }),
    child(CDN, "cdn", { aliases: [d.policyHost], viewerCertificate: { acmCertificateArn: `<computed: ${c}-cert.arn>`, sslSupportMethod: "sni-only" } }),
    child(OBJECT, "policy", { bucket: `<computed: ${c}-bucket.id>`, key: ".well-known/mta-sts.txt", content: d.policyText }),
    child(RECORD, "sts-txt", { name: d.stsRecordName, type: "TXT", records: [d.stsRecord], ttl: 300, zoneId: "Z1" }),
  ];
}

describe("order does not matter", () => {
  test("the same plan with domains, resources and input keys in another order has no change", () => {
    const a = domain("a.example");
    const b = domain("b.example");
    const base = plan([a, b], [...ownHost(a), ...ownHost(b)]);
    const reversedInputs = (r: PlanResource): PlanResource => ({ ...r, inputs: Object.fromEntries(Object.entries(r.inputs).reverse()) });
    const head = plan([b, a], [...ownHost(b), ...ownHost(a)].reverse().map(reversedInputs));
    const diff = diffPlans(base, head);
    expect(diff.resources).toEqual([]);
    expect(diff.domains.map((d) => `${d.domain} ${d.change}`)).toEqual(["a.example unchanged", "b.example unchanged"]);
  });
});

describe("domains", () => {
  test("a changed policy shows its lines with - and +, both ids and the changed TXT record", () => {
    const before = domain("a.example", "testing");
    const after = domain("a.example", "enforce");
    const diff = diffPlans(plan([before], ownHost(before)), plan([after], ownHost(after)));
    const [d] = diff.domains;
    expect(d.change).toBe("changed");
    expect(d.policyLines).toEqual([
      { op: "=", text: "version: STSv1" },
      { op: "-", text: "mode: testing" },
      { op: "+", text: "mode: enforce" },
      { op: "=", text: "mx: mx.a.example" },
      { op: "=", text: "max_age: 604800" },
    ]);
    expect(d.records).toEqual([{ name: "_mta-sts.a.example", before: before.stsRecord, after: after.stsRecord }]);
    expect(d.resources.map((r) => `${r.change} ${r.name} ${r.properties.map((p) => p.name).join(",")}`)).toEqual([
      "update a-example-policy content",
      "update a-example-sts-txt records",
    ]);
  });

  test("added, removed and unchanged domains, each with its own resources", () => {
    const kept = domain("kept.example");
    const gone = domain("gone.example");
    const added = domain("new.example");
    const diff = diffPlans(plan([kept, gone], [...ownHost(kept), ...ownHost(gone)]), plan([kept, added], [...ownHost(kept), ...ownHost(added)]));
    expect(diff.domains.map((d) => `${d.domain} ${d.change}`)).toEqual(["gone.example removed", "kept.example unchanged", "new.example added"]);
    const byDomain = new Map(diff.domains.map((d) => [d.domain, d]));
    expect(byDomain.get("gone.example")!.resources.every((r) => r.change === "delete")).toBe(true);
    expect(byDomain.get("new.example")!.resources.map((r) => r.name)).toEqual(ownHost(added).map((r) => r.name).sort());
    expect(byDomain.get("kept.example")!.resources).toEqual([]);
  });
});

describe("resources", () => {
  test("an update names the changed properties with short old and new values; a long value is named only", () => {
    const d = domain("a.example");
    const long = "x".repeat(500);
    const diff = diffPlans(plan([d], ownHost(d)), plan([d], ownHost(d, { "sts-txt": { ttl: 600 }, cdn: { comment: long } })));
    const byName = new Map(diff.resources.map((r) => [r.name, r]));
    expect(byName.get("a-example-sts-txt")).toMatchObject({ change: "update", properties: [{ name: "ttl", before: "300", after: "600", replaces: false }] });
    const comment = byName.get("a-example-cdn")!.properties[0];
    expect(comment.name).toBe("comment");
    expect(comment.after).toBeDefined(); // summarised as size and hash
    expect(comment.after!.length).toBeLessThan(100);
  });

  // The providers replace on these inputs (see cli/provider-replacements.ts for the sources).
  test.each([
    [CERT, { domainName: "mta-sts.a.example" }, { domainName: "mta-sts.b.example" }, "replace"],
    [CERT, { subjectAlternativeNames: [] }, { subjectAlternativeNames: ["mta-sts.b.example"] }, "replace"],
    ["aws:s3/bucket:Bucket", { bucket: "policy-a" }, { bucket: "policy-b" }, "replace"],
    ["cloudflare:index/workersScript:WorkersScript", { scriptName: "mta-sts-a", content: "x" }, { scriptName: "mta-sts-b", content: "x" }, "replace"],
    ["cloudflare:index/workersScript:WorkersScript", { scriptName: "mta-sts-a", content: "x" }, { scriptName: "mta-sts-a", content: "y" }, "update"],
    ["aws:cloudfront/function:Function", { name: "route-a", code: "1" }, { name: "route-b", code: "1" }, "replace"],
    ["aws:cloudfront/function:Function", { name: "route-a", code: "1" }, { name: "route-a", code: "2" }, "update"],
    [RECORD, { name: "mta-sts.a.example", type: "A" }, { name: "mta-sts.a.example", type: "CNAME" }, "update"],
    [RECORD, { name: "mta-sts.a.example", zoneId: "Z1" }, { name: "mta-sts.a.example", zoneId: "Z2" }, "replace"],
    ["cloudflare:index/pagesDomain:PagesDomain", { name: "mta-sts.a.example", projectName: "p1" }, { name: "mta-sts.a.example", projectName: "p2" }, "replace"],
    [CDN, { aliases: ["mta-sts.a.example"] }, { aliases: ["mta-sts.a.example", "mta-sts.b.example"] }, "update"],
  ])("%s: %j → %j is %s", (type, before, after, expected) => {
    const diff = diffPlans(plan([], [resource(type, "r", before)]), plan([], [resource(type, "r", after)]));
    expect(diff.resources.map((r) => r.change)).toEqual([expected]);
    expect(diff.resources[0].properties.some((p) => p.replaces)).toBe(expected === "replace");
  });

  test("a replaced certificate changes the distribution that refers to its ARN, and replaces its validation", () => {
    const d = domain("a.example");
    const diff = diffPlans(plan([d], ownHost(d)), plan([d], ownHost(d, { cert: { subjectAlternativeNames: ["www.a.example"] } })));
    const byName = new Map(diff.resources.map((r) => [r.name, r]));
    expect(byName.get("a-example-cert")!.change).toBe("replace");
    expect(byName.get("a-example-cert-validation")).toMatchObject({ change: "replace", properties: [{ name: "certificateArn", replaces: true, after: "<new: a-example-cert is replaced>" }] });
    expect(byName.get("a-example-cdn")).toMatchObject({ change: "update", properties: [{ name: "viewerCertificate.acmCertificateArn", replaces: false }] });
  });

  test("a resource's own replaceOnChanges option makes that input replace it", () => {
    const before = resource("test:index:Thing", "t", { value: "1" }, { replaceOnChanges: ["value"] });
    const after = resource("test:index:Thing", "t", { value: "2" }, { replaceOnChanges: ["value"] });
    expect(diffPlans(plan([], [before]), plan([], [after])).resources[0].change).toBe("replace");
  });

  test("a resource renamed with an alias keeps its identity: updated, with its former name", () => {
    const before = resource(RECORD, "old-name", { name: "_mta-sts.a.example", ttl: 300 });
    const after = resource(RECORD, "new-name", { name: "_mta-sts.a.example", ttl: 600 }, { aliases: [before.urn] });
    expect(diffPlans(plan([], [before]), plan([], [after])).resources).toEqual([
      { name: "new-name", type: RECORD, change: "update", formerName: "old-name", domains: [], properties: [{ name: "ttl", before: "300", after: "600", replaces: false }] },
    ]);
  });

  test("a shared host's resource serves the domains it names; one that names none (the bucket policy) serves none", () => {
    const a = domain("a.example", "testing", ["mx.a.example"], "shared");
    const b = domain("b.example", "testing", ["mx.b.example"], "shared");
    const shared = (aliases: string[]) => [
      resource("pulumi-mta-sts:index:AwsSharedMtaStsHost", "shared"),
      resource(CDN, "shared-g01-cdn", { aliases }, { parent: "shared" }),
      resource("aws:s3/bucketPolicy:BucketPolicy", "shared-bucket-policy", { policy: `{"arns":[${aliases.length}]}` }, { parent: "shared" }),
    ];
    const diff = diffPlans(plan([a], shared(["mta-sts.a.example"])), plan([a, b], shared(["mta-sts.a.example", "mta-sts.b.example"])));
    const byName = new Map(diff.resources.map((r) => [r.name, r]));
    expect(byName.get("shared-g01-cdn")!.domains).toEqual(["a.example", "b.example"]);
    expect(byName.get("shared-bucket-policy")!.domains).toEqual([]);
    const [da, db] = diff.domains;
    expect(da).toMatchObject({ domain: "a.example", change: "unchanged" });
    expect(db.sharedResources.map((r) => r.name)).toEqual(["shared-g01-cdn"]);
  });
});

describe("claims on the policy host name", () => {
  test("an alias moving to another distribution is a new claim and a released one", () => {
    const d = domain("a.example", "testing", ["mx.a.example"], "shared");
    const group = (n: string, aliases: string[]) => resource(CDN, `shared-${n}-cdn`, { aliases }, { parent: "shared" });
    const base = plan([d], [resource("pulumi-mta-sts:index:AwsSharedMtaStsHost", "shared"), group("g01", ["mta-sts.a.example"]), group("g02", [])]);
    const head = plan([d], [resource("pulumi-mta-sts:index:AwsSharedMtaStsHost", "shared"), group("g01", []), group("g02", ["mta-sts.a.example"])]);
    const [change] = diffPlans(base, head).domains;
    expect(change.change).toBe("changed");
    expect(change.facts.newClaims).toEqual([{ resource: "shared-g02-cdn", kind: "cloudfront-alias" }]);
    expect(change.facts.releasedClaims).toEqual([{ resource: "shared-g01-cdn", kind: "cloudfront-alias" }]);
  });
});
