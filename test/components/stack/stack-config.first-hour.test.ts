/**
 * What a new user hit in the first hour with the stack config, each as it was reported: keys
 * that were ignored, a YAML block that turned guards off, configs that rendered what senders or
 * DNS refuse, ids nobody checked, names two domains shared. Every one is now a config error with
 * its path, reported with all the others, before anything is declared.
 */
import { parse as parseYaml } from "yaml";
import { renderMailDomain } from "../../../components/model/rendered";
import { stackConfigInput, validateStackConfig } from "../../../components/stack/stack-config";

const policy = { mode: "testing", mx: ["mx1.example.com"] };
const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "01a7362d577a6c3019a474fd6f485823";
const cf = { cloudflareZoneId: ZONE, cloudflareAccountId: ACCOUNT };

function ok(config: Parameters<typeof validateStackConfig>[0]) {
  const result = validateStackConfig(config);
  if (!result.ok) throw new Error(`expected a valid config: ${JSON.stringify(result.issues)}`);
  return result;
}
function issues(config: Parameters<typeof validateStackConfig>[0]) {
  const result = validateStackConfig(config);
  if (result.ok) throw new Error("expected issues");
  return result.issues;
}
/** A Pulumi stack file's `config:` as the CLI and the program read it. */
const stackFile = (config: Record<string, unknown>) => stackConfigInput(config, "mta-sts");

describe("a misspelt mta-sts:* key is an error with a did-you-mean, not ignored", () => {
  const domains = [{ domain: "example.com", policy }];

  // Each of these planned with exit 0 and switched off what the user asked for: with 300
  // domains, an ignored sharedAWSHost means 300 distributions, over AWS's quota.
  it.each([
    ["mta-sts:sharedAWSHost", "mta-sts:sharedAwsHost", { groupSize: 10 }],
    ["mta-sts:default", "mta-sts:defaults", { policy: { maxAgeSeconds: 1209600 } }],
    ["mta-sts:skiplivechecks", "mta-sts:skipLiveChecks", true],
    ["mta-sts:domain", "mta-sts:domains", [{ domain: "example.org", policy }]],
  ])("%s → did you mean %s", (key, meant, value) => {
    expect(issues(stackFile({ "mta-sts:domains": domains, [key]: value }))).toEqual([{ path: key, message: `unknown key; did you mean "${meant}"?` }]);
  });

  it("lists the keys the program reads when nothing is close", () => {
    expect(issues(stackFile({ "mta-sts:domains": domains, "mta-sts:zzz": 1 }))).toEqual([
      { path: "mta-sts:zzz", message: "unknown key; the program reads mta-sts:domains, mta-sts:defaults, mta-sts:sharedAwsHost, mta-sts:awsQuotas, mta-sts:skipLiveChecks, mta-sts:tlsRptReceiver" },
    ]);
  });

  it("leaves other packages' keys alone (aws:region, cloudflare:apiToken)", () => {
    expect(ok(stackFile({ "aws:region": "eu-west-1", "cloudflare:apiToken": "x", "mta-sts:domains": domains })).domains).toHaveLength(1);
  });

  it("checks the top-level keys of a plain config file the same way", () => {
    expect(issues(stackConfigInput({ domains, default: {} }))).toEqual([{ path: "default", message: 'unknown key; did you mean "defaults"?' }]);
  });

  it("reports an unknown key together with every other problem", () => {
    expect(issues(stackFile({ "mta-sts:domains": [{ domain: "example.com", policy: { mode: "enforce", mx: [] } }], "mta-sts:sharedAWSHost": {} })).map((i) => i.path)).toEqual([
      "mta-sts:sharedAWSHost",
      "domains[0].policy.mx",
    ]);
  });

  it("refuses a skipLiveChecks that is not true or false", () => {
    expect(issues(stackFile({ "mta-sts:domains": domains, "mta-sts:skipLiveChecks": "yes" }))).toEqual([{ path: "skipLiveChecks", message: 'must be true or false, not "yes"' }]);
    expect(ok(stackFile({ "mta-sts:domains": domains, "mta-sts:skipLiveChecks": true })).skipLiveChecks).toBe(true);
    expect(ok(stackFile({ "mta-sts:domains": domains })).skipLiveChecks).toBe(false);
  });
});

describe("__proto__ in a domain entry cannot turn the guards off", () => {
  // The YAML of the report. mergeDefaults assigned out["__proto__"], which set the prototype:
  // no "unknown field", and verifyLiveMx / adoptExistingRecords read through it.
  const yaml = `
config:
  mta-sts:defaults:
    tlsRpt: { rua: ["mailto:tlsrpt@example.com"] }
  mta-sts:domains:
    - domain: example.com
      hostedZoneId: Z0123456789EXAMPLE
      policy: { mode: enforce, mx: [mx1.example.com], maxAgeSeconds: 1209600 }
      __proto__:
        verifyLiveMx: false
        adoptExistingRecords: true
`;

  it("is reported as an unknown field, and nothing is deployed with the guard off", () => {
    const doc = parseYaml(yaml) as { config: Record<string, unknown> };
    const found = issues(stackFile(doc.config));
    expect(found).toEqual([{ path: "domains[0].__proto__", message: expect.stringMatching(/^unknown field/) }]);
  });

  it("a clean entry next to it keeps verifyLiveMx and adoptExistingRecords at their defaults", () => {
    const doc = parseYaml(yaml) as { config: Record<string, any> };
    delete doc.config["mta-sts:domains"][0]["__proto__"];
    const [d] = ok(stackFile(doc.config)).domains;
    expect(d).toMatchObject({ verifyLiveMx: true, adoptExistingRecords: false });
  });

  it.each(["__proto__", "constructor", "prototype"])("%s is an unknown field in a domain, its policy, and the defaults", (key) => {
    const found = issues({
      defaults: JSON.parse(`{"${key}": {"verifyLiveMx": false}}`),
      domains: [JSON.parse(`{"domain": "example.com", "policy": {"mode": "testing", "mx": ["mx1.example.com"], "${key}": {"mode": "none"}}, "${key}": {"verifyLiveMx": false}}`)],
    });
    expect(found.map((i) => i.path).sort()).toEqual([`defaults.${key}`, `domains[0].${key}`, `domains[0].policy.${key}`].sort());
    for (const issue of found) expect(issue.message).toMatch(/^unknown field/);
  });
});

describe("what senders or DNS would refuse is refused before anything is rendered or declared", () => {
  it("3,500 mx entries (an 82,939-byte policy) are refused at policy.mx: senders refuse over 64 KiB (RFC 8461 §3.3)", () => {
    const mx = Array.from({ length: 3500 }, (_, i) => `mx${i}.mailhosts.example.com`);
    const [issue] = issues({ domains: [{ domain: "example.com", policy: { mode: "enforce", mx } }] });
    expect(issue.path).toBe("domains[0].policy.mx");
    expect(issue.message).toMatch(/3500 patterns make a policy of \d+ bytes, over the 65536 senders read \(RFC 8461 §3\.3/);
  });

  it("a policy just under 64 KiB is accepted", () => {
    const mx = Array.from({ length: 1950 }, (_, i) => `mx${i}.mailhosts.example.com`);
    const [d] = ok({ domains: [{ domain: "example.com", policy: { mode: "enforce", mx, maxAgeSeconds: 1209600 } }] }).domains;
    expect(Buffer.byteLength(renderMailDomain(d.intent).policyText)).toBeGreaterThan(64000);
    expect(Buffer.byteLength(renderMailDomain(d.intent).policyText)).toBeLessThanOrEqual(65536);
  });

  it("a 253-octet domain is refused: _mta-sts.<domain> and mta-sts.<domain> would exceed DNS's 253 octets", () => {
    const domain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(53)}.example`;
    expect(domain.length).toBe(253);
    const [issue] = issues({ domains: [{ domain, policy }] });
    expect(issue.path).toBe("domains[0].domain");
    expect(issue.message).toMatch(/_mta-sts\.<domain> would be 262 and mta-sts\.<domain> would be 261, over DNS's 253 \(RFC 1035 §2\.3\.4\); a mail domain with MTA-STS can be at most 244 octets/);
  });

  it("_smtp._tls.<domain> counts only with tlsRpt, and then caps the domain at 242 octets", () => {
    const domain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(43)}.example`;
    expect(domain.length).toBe(243);
    expect(ok({ domains: [{ domain, policy }] }).domains).toHaveLength(1);
    const [issue] = issues({ domains: [{ domain, policy, tlsRpt: { rua: ["mailto:tlsrpt@example.com"] } }] });
    expect(issue.message).toMatch(/_smtp\._tls\.<domain> would be 254.*with MTA-STS and TLS-RPT can be at most 242 octets/);
  });
});

describe("cloudflareZoneId means DNS at Cloudflare, as it does for AwsMtaSts", () => {
  it("an AWS domain with cloudflareZoneId and no dns writes its records at Cloudflare", () => {
    expect(ok({ domains: [{ domain: "example.com", host: "aws", cloudflareZoneId: ZONE, policy }] }).domains[0]).toMatchObject({ dns: "cloudflare", cloudflareZoneId: ZONE });
  });

  it("host: cloudflare-worker with dns: route53 is one error, at dns", () => {
    expect(issues({ domains: [{ domain: "example.com", host: "cloudflare-worker", dns: "route53", ...cf, policy }] })).toEqual([
      { path: "domains[0].dns", message: 'host "cloudflare-worker" keeps its records at Cloudflare; set dns: cloudflare or remove dns' },
    ]);
  });

  it("dnsResolver is a field of the stack config (it was answered with \"did you mean dns\")", () => {
    const [d] = ok({ defaults: { dnsResolver: "127.0.0.1:5353" }, domains: [{ domain: "example.com", policy }] }).domains;
    expect(d.dnsResolver).toBe("127.0.0.1:5353");
    expect(issues({ domains: [{ domain: "example.com", policy, dnsResolver: "resolver.example:53" }] })).toEqual([{ path: "domains[0].dnsResolver", message: expect.stringMatching(/not an address/) }]);
  });

  it("the shared AWS host asks one resolver, so its domains must agree on dnsResolver", () => {
    const found = issues({ sharedAwsHost: {}, domains: [{ domain: "example.com", policy, group: 0 }, { domain: "example.net", policy, dnsResolver: "127.0.0.1:5353", group: 0 }] });
    expect(found).toEqual([{ path: "domains[1].dnsResolver", message: expect.stringMatching(/the shared AWS host asks one DNS server for all its domains/) }]);
  });
});

describe("Cloudflare ids are 32 hex characters", () => {
  it.each([
    ["cloudflareZoneId: my-zone", { cloudflareZoneId: "my-zone" }, "domains[0].cloudflareZoneId", /"my-zone" is not a Cloudflare zone id: it must be 32 hex characters/],
    ["an account id that is too short", { cloudflareAccountId: "01a7362d" }, "domains[0].cloudflareAccountId", /is not a Cloudflare account id/],
    ["an id in upper case", { cloudflareZoneId: ZONE.toUpperCase() }, "domains[0].cloudflareZoneId", /write it in lowercase/],
  ])("%s is refused", (_, fields, path, message) => {
    expect(issues({ domains: [{ domain: "example.com", host: "cloudflare-worker", policy, ...cf, ...fields }] })).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it("an unquoted all-digit id, which YAML reads as a number, is told to quote it", () => {
    const doc = parseYaml(`config:\n  mta-sts:domains:\n    - domain: example.com\n      host: cloudflare-worker\n      cloudflareZoneId: 12345678901234567890123456789012\n      cloudflareAccountId: ${ACCOUNT}\n      policy: { mode: testing, mx: [mx1.example.com] }\n`) as { config: Record<string, unknown> };
    expect(issues(stackFile(doc.config))).toEqual([{ path: "domains[0].cloudflareZoneId", message: expect.stringMatching(/read as a number.*quote it/) }]);
  });
});

describe("one Worker or Pages project per domain in each account", () => {
  it("shop.acme-example.org and shop-acme.example.org, both Workers in one account, get different script names", () => {
    const { domains } = ok({
      defaults: { host: "cloudflare-worker", ...cf },
      domains: [{ domain: "shop.acme-example.org", policy }, { domain: "shop-acme.example.org", policy }],
    });
    expect(domains.map((d) => d.siteName)).toEqual(["mta-sts-shop-acme--example-org", "mta-sts-shop--acme-example-org"]);
  });

  it("a siteName that another domain of the account already has is refused, naming both domains", () => {
    const found = issues({
      defaults: { host: "cloudflare-worker", ...cf },
      domains: [{ domain: "example.org", policy }, { domain: "example.net", policy, siteName: "mta-sts-example-org" }],
    });
    expect(found).toEqual([{ path: "domains[1].siteName", message: expect.stringMatching(/Worker script "mta-sts-example-org" of example\.net is also the one of example\.org \(domains\[0\]\)/) }]);
  });

  it("the same name in another account, or as a Worker and a Pages project, is no collision", () => {
    const other = "fedcba9876543210fedcba9876543210";
    expect(
      ok({
        domains: [
          { domain: "example.org", host: "cloudflare-worker", ...cf, policy, siteName: "mta-sts-mail" },
          { domain: "example.net", host: "cloudflare-worker", cloudflareZoneId: ZONE, cloudflareAccountId: other, policy, siteName: "mta-sts-mail" },
          { domain: "example.com", host: "cloudflare-pages", ...cf, policy, siteName: "mta-sts-mail" },
        ],
      }).domains,
    ).toHaveLength(3);
  });

  it("siteName belongs to one domain: it is refused in defaults and on an AWS host", () => {
    expect(issues({ defaults: { siteName: "mta-sts-all" }, domains: [{ domain: "example.org", host: "cloudflare-worker", ...cf, policy }] })).toEqual([
      { path: "defaults.siteName", message: "names one domain's Worker script or Pages project, so it cannot be shared; set it in that domain's entry" },
    ]);
    expect(issues({ domains: [{ domain: "example.org", policy, siteName: "mta-sts-x" }] }).map((i) => i.path)).toEqual(["domains[0].siteName"]);
  });
});

describe("warnings: only about values someone wrote", () => {
  it("the one-week default warns on no enforce domain", () => {
    expect(ok({ domains: [{ domain: "example.com", policy: { mode: "enforce", mx: ["mx1.example.com"] } }] }).warnings).toEqual([]);
  });

  it("a short maxAgeSeconds in defaults warns for every domain it reaches, at the domain's path", () => {
    const result = ok({ defaults: { policy: { maxAgeSeconds: 3600 } }, domains: [{ domain: "a.example", policy }, { domain: "b.example", policy }] });
    expect(result.warnings.map((w) => w.path)).toEqual(["domains[0].policy.maxAgeSeconds", "domains[1].policy.maxAgeSeconds"]);
    expect(result.domains.map((d) => d.maxAgeSecondsGiven)).toEqual([true, true]);
  });
});
