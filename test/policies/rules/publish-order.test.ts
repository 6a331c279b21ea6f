/**
 * Policy pack, rule 4: every `_mta-sts` TXT record waits for what serves its domain's policy
 * (docs/invariants.md: publish before announce).
 */
import { checkPolicyHostInStack, checkPublishBeforeAnnounce } from "../../../policies/rules/publish-order";
import { RuleResource, UNKNOWN } from "../../../policies/rules";
import { res } from "../../support/policy-resources";

const txt = (name: string, links: Partial<Pick<RuleResource, "parent" | "dependencies">> = {}) => res("aws:route53/record:Record", `txt-${name}`, { name, type: "TXT", records: ["v=STSv1; id=a1"] }, links);
const messages = (o: { violations: { message: string }[] }) => o.violations.map((v) => v.message);

/** A hand-written AWS host: bucket, object, distribution reading the bucket. */
function awsHost(domain = "example.com") {
  const bucket = res("aws:s3/bucket:Bucket", "bucket", {});
  const object = res("aws:s3/bucketObjectv2:BucketObjectv2", "policy", { key: ".well-known/mta-sts.txt", bucket: UNKNOWN, content: "x" }, { dependencies: [bucket] });
  const cdn = res("aws:cloudfront/distribution:Distribution", "cdn", { aliases: [`mta-sts.${domain}`], origins: [{ domainName: UNKNOWN }] }, { dependencies: [bucket] });
  return { bucket, object, cdn };
}

describe("rule 4: the _mta-sts record waits for the policy host of its domain", () => {
  test("AWS: a record that depends on the object and the distribution passes", () => {
    const { bucket, object, cdn } = awsHost();
    const record = txt("_mta-sts.example.com", { dependencies: [object, cdn] });
    expect(checkPublishBeforeAnnounce([bucket, object, cdn, record])).toEqual({ violations: [], undecidable: [] });
  });

  test("AWS: waiting through a host record that waits for the distribution counts (transitive)", () => {
    const { bucket, object, cdn } = awsHost();
    const hostA = res("aws:route53/record:Record", "host-a", { name: "mta-sts.example.com", type: "A" }, { dependencies: [cdn] });
    const record = txt("_mta-sts.example.com", { dependencies: [object, hostA] });
    expect(checkPublishBeforeAnnounce([bucket, object, cdn, hostA, record]).violations).toEqual([]);
  });

  test("AWS: a record that does not wait for the policy object is a violation naming it and the fix", () => {
    const { bucket, object, cdn } = awsHost();
    const record = txt("_mta-sts.example.com", { dependencies: [cdn] });
    const result = checkPublishBeforeAnnounce([bucket, object, cdn, record]);
    expect(result.violations).toHaveLength(1);
    expect(result.violations[0].urn).toBe(record.urn);
    expect(result.violations[0].message).toMatch(/does not wait for "policy" \(aws:s3\/bucketObjectv2:BucketObjectv2\)/);
    expect(result.violations[0].message).toMatch(/dependsOn/);
  });

  test("a dependency on a component waits for every resource under it", () => {
    const { bucket, object, cdn } = awsHost();
    const site = res("acme:index:PolicySite", "site", {});
    const inSite = [bucket, object, cdn].map((r) => ({ ...r, parent: site }));
    // Rebuild the links between the copies.
    const [b, o, c] = inSite;
    (o as any).dependencies = [b];
    (c as any).dependencies = [b];
    const record = txt("_mta-sts.example.com", { dependencies: [site] });
    expect(checkPublishBeforeAnnounce([site, b, o, c, record]).violations).toEqual([]);
  });

  test("the record's parent depending on the host does not count: Pulumi does not make children wait for it", () => {
    const { bucket, object, cdn } = awsHost();
    const component = res("acme:index:Dns", "dns", {}, { dependencies: [object, cdn] });
    const record = txt("_mta-sts.example.com", { parent: component });
    expect(checkPublishBeforeAnnounce([bucket, object, cdn, component, record]).violations).toHaveLength(1);
  });

  test("Cloudflare Worker: the custom domain and the script it names are required", () => {
    const script = res("cloudflare:index/workersScript:WorkersScript", "script", { scriptName: "mta-sts-example-com", content: "..." });
    const domain = res("cloudflare:index/workersCustomDomain:WorkersCustomDomain", "domain", { hostname: "mta-sts.example.com", service: "mta-sts-example-com" }, { dependencies: [script] });
    const cf = (deps: RuleResource[]) => res("cloudflare:index/dnsRecord:DnsRecord", "sts", { name: "_mta-sts.example.com", type: "TXT", content: '"v=STSv1; id=a1"' }, { dependencies: deps });
    expect(checkPublishBeforeAnnounce([script, domain, cf([domain])]).violations).toEqual([]);
    const unordered = checkPublishBeforeAnnounce([script, domain, cf([])]);
    expect(messages(unordered)[0]).toMatch(/does not wait for "domain" .*, "script"/);
  });

  test("Cloudflare Pages: the Pages domain and the deploy command of its project are required", () => {
    const project = res("cloudflare:index/pagesProject:PagesProject", "project", { name: "mta-sts-example-com" });
    const deploy = res("command:local:Command", "deploy", { create: "wrangler pages deploy ..." }, { dependencies: [project] });
    const pagesDomain = res("cloudflare:index/pagesDomain:PagesDomain", "pages-domain", { name: "mta-sts.example.com", projectName: "mta-sts-example-com" }, { dependencies: [project] });
    const record = (deps: RuleResource[]) => txt("_mta-sts.example.com", { dependencies: deps });
    expect(checkPublishBeforeAnnounce([project, deploy, pagesDomain, record([deploy, pagesDomain])]).violations).toEqual([]);
    expect(messages(checkPublishBeforeAnnounce([project, deploy, pagesDomain, record([pagesDomain])]))[0]).toMatch(/does not wait for "deploy"/);
  });

  test("AWS with one bucket for many hosts: the object keyed mta-sts.<domain>/ is the one required", () => {
    const bucket = res("aws:s3/bucket:Bucket", "shared-bucket", {});
    const key = (domain: string) => `mta-sts.${domain}/.well-known/mta-sts.txt`;
    const com = res("aws:s3/bucketObjectv2:BucketObjectv2", "com-policy", { key: key("example.com"), bucket: UNKNOWN, content: "x" }, { dependencies: [bucket] });
    const org = res("aws:s3/bucketObjectv2:BucketObjectv2", "org-policy", { key: key("example.org"), bucket: UNKNOWN, content: "x" }, { dependencies: [bucket] });
    const cdn = res("aws:cloudfront/distribution:Distribution", "group-cdn", { aliases: ["mta-sts.example.com", "mta-sts.example.org"] }, { dependencies: [bucket] });
    const all = [bucket, com, org, cdn];
    expect(checkPublishBeforeAnnounce([...all, txt("_mta-sts.example.com", { dependencies: [com, cdn] })]).violations).toEqual([]);
    expect(messages(checkPublishBeforeAnnounce([...all, txt("_mta-sts.example.com", { dependencies: [org, cdn] })]))[0]).toMatch(/does not wait for "com-policy"/);
  });

  test("a host for another domain is not required", () => {
    const { bucket, object, cdn } = awsHost("example.org");
    expect(checkPublishBeforeAnnounce([bucket, object, cdn, txt("_mta-sts.example.com")]).violations).toEqual([]);
  });

  test("a distribution whose aliases are unknown at preview makes a record with no host found not judgeable", () => {
    const cdn = res("aws:cloudfront/distribution:Distribution", "cdn", { aliases: UNKNOWN });
    const result = checkPublishBeforeAnnounce([cdn, txt("_mta-sts.example.com")]);
    expect(result.violations).toEqual([]);
    expect(result.undecidable).toHaveLength(1);
  });
});

describe("advisory: the policy host is not in this stack", () => {
  test("a record with no host in the stack is reported, saying the order cannot be checked here", () => {
    expect(messages(checkPolicyHostInStack([txt("_mta-sts.example.com")]))[0]).toMatch(/nothing in this stack serves https:\/\/mta-sts.example.com\/.well-known\/mta-sts.txt/);
  });

  test("a distribution whose policy object is not in the stack is reported", () => {
    const cdn = res("aws:cloudfront/distribution:Distribution", "cdn", { aliases: ["mta-sts.example.com"] });
    expect(messages(checkPolicyHostInStack([cdn, txt("_mta-sts.example.com", { dependencies: [cdn] })]))[0]).toMatch(/part of what serves the policy is not in this stack/);
  });

  test("a record name relative to its zone is reported, asking for the full name", () => {
    expect(messages(checkPolicyHostInStack([txt("_mta-sts")]))[0]).toMatch(/relative to its zone/);
  });

  test("a complete host in the stack is not reported", () => {
    const { bucket, object, cdn } = awsHost();
    expect(checkPolicyHostInStack([bucket, object, cdn, txt("_mta-sts.example.com", { dependencies: [object, cdn] })]).violations).toEqual([]);
  });
});
