/**
 * The stack config of the repo's own program (`mta-sts:domains`, `mta-sts:defaults`): defaults
 * merged under every domain, every problem reported at once with its path, typos suggested,
 * duplicate domains, and the cross-field rules of hosts and DNS homes (docs/invariants.md: bad
 * input never reaches the cloud).
 */
import { mergeDefaults, validateStackConfig } from "../../../components/stack/stack-config";

const policy = { mode: "testing", mx: ["mx1.example.com"] };
const cf = { cloudflareZoneId: "023e105f4ecef8ad9ca31a8372d0c353", cloudflareAccountId: "01a7362d577a6c3019a474fd6f485823" };

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
const paths = (config: Parameters<typeof validateStackConfig>[0]) => issues(config).map((i) => i.path);

describe("defaults are merged under every domain", () => {
  const defaults = {
    host: "cloudflare-worker",
    ...cf,
    verifyLiveMx: false,
    policy: { mode: "enforce", mx: ["mx.example.net"], maxAgeSeconds: 1209600 },
    tlsRpt: { rua: ["mailto:tlsrpt@example.net"] },
  };

  it("gives a domain without its own fields every default", () => {
    const [d] = ok({ defaults, domains: [{ domain: "a.example" }] }).domains;
    expect(d).toMatchObject({ host: "cloudflare-worker", dns: "cloudflare", ...cf, verifyLiveMx: false, adoptExistingRecords: false });
    expect(d.intent.policy).toEqual({ mode: "enforce", mx: ["mx.example.net"], maxAgeSeconds: 1209600 });
    expect(d.intent.tlsRpt).toEqual({ rua: ["mailto:tlsrpt@example.net"] });
  });

  it("merges objects field by field: a domain's policy.mode keeps the default mx and maxAgeSeconds", () => {
    const [, d] = ok({ defaults, domains: [{ domain: "a.example" }, { domain: "b.example", policy: { mode: "testing" } }] }).domains;
    expect(d.intent.policy).toEqual({ mode: "testing", mx: ["mx.example.net"], maxAgeSeconds: 1209600 });
  });

  it("replaces lists and scalars: a domain's own mx and host win", () => {
    const [d] = ok({
      defaults,
      domains: [{ domain: "a.example", host: "aws", cloudflareZoneId: undefined, cloudflareAccountId: undefined, policy: { mx: ["mx.a.example"] } }],
    }).domains;
    expect(d).toMatchObject({ host: "aws", dns: "route53" });
    expect(d.intent.policy.mx).toEqual(["mx.a.example"]);
  });

  it("mergeDefaults leaves the defaults object unchanged", () => {
    const frozen = JSON.parse(JSON.stringify(defaults));
    mergeDefaults(defaults, { domain: "a.example", policy: { mode: "none" } });
    expect(defaults).toEqual(frozen);
  });

  it("applies the schema defaults when neither the domain nor defaults say: aws, route53, one week", () => {
    const [d] = ok({ domains: [{ domain: "a.example", policy }] }).domains;
    expect(d).toMatchObject({ index: 0, host: "aws", dns: "route53", verifyLiveMx: true, adoptExistingRecords: false });
    expect(d.intent.policy.maxAgeSeconds).toBe(604800);
  });

  it("reports warnings with the domain's path", () => {
    const result = ok({ domains: [{ domain: "a.example", policy }, { domain: "b.example", policy: { ...policy, maxAgeSeconds: 60 } }] });
    expect(result.warnings.map((w) => w.path)).toEqual(["domains[1].policy.maxAgeSeconds"]);
  });
});

describe("every problem is reported at once, with its path", () => {
  it("collects issues from several domains and several fields", () => {
    expect(
      paths({
        domains: [
          { domain: "ok.example", policy },
          { domain: "192.0.2.1", policy: { mode: "bogus", mx: ["mx1.example.com"] } },
          { domain: "c.example", policy: { mode: "enforce", mx: ["1.2.3.4", "mx*.example.com"], maxAgeSeconds: -5 } },
        ],
      }),
    ).toEqual(["domains[1].domain", "domains[1].policy.mode", "domains[2].policy.mx[0]", "domains[2].policy.mx[1]", "domains[2].policy.maxAgeSeconds"]);
  });

  it("names domains[2].policy.mx[0] for a bad first mx of the third domain", () => {
    const [issue] = issues({ domains: [{ domain: "a.example", policy }, { domain: "b.example", policy }, { domain: "c.example", policy: { mode: "testing", mx: ["*"] } }] });
    expect(issue).toEqual({ path: "domains[2].policy.mx[0]", message: expect.stringMatching(/every host/) });
  });

  it("reports a schema error and a cross-field error of the same domain together", () => {
    expect(paths({ domains: [{ domain: "a.example", host: "cloudflare-worker", policy: { mode: "testing", mx: ["1.2.3.4"] } }] })).toEqual([
      "domains[0].policy.mx[0]",
      "domains[0].cloudflareZoneId",
      "domains[0].cloudflareAccountId",
    ]);
  });

  it("reports bad defaults and bad domains together", () => {
    expect(paths({ defaults: { policy: { maxAgeSeconds: "long" } }, domains: [{ domain: "a.example", policy: { mode: "testing", mx: [] } }] })).toEqual([
      "defaults.policy.maxAgeSeconds",
      "domains[0].policy.mx",
    ]);
  });

  // Trap: an invalid defaults block used to be dropped whole, so every domain also reported
  // "mode is required" although the defaults set it; the real problem drowned in consequences.
  it("still merges the valid parts of bad defaults, so domains do not report consequences", () => {
    const result = issues({ defaults: { policy: { mode: "enforce", maxage: 3, maxAgeSeconds: 1209600 } }, domains: [{ domain: "a.example", policy: { mx: ["mx.a.example"] } }, { domain: "b.example", policy: { mx: ["mx.b.example"] } }] });
    expect(result).toEqual([{ path: "defaults.policy.maxage", message: 'unknown field; did you mean "maxAgeSeconds"?' }]);
  });

  it("drops a defaults block with an invalid tlsRpt without making every domain report it", () => {
    expect(paths({ defaults: { tlsRpt: { rua: ["http://x.example"] } }, domains: [{ domain: "a.example", policy }] })).toEqual(["defaults.tlsRpt.rua[0]"]);
  });

  it.each([
    [{}, "domains", /must be a list/],
    [{ domains: "example.com" }, "domains", /must be a list/],
    [{ domains: [] }, "domains", /is empty/],
  ])("refuses a missing or empty domain list: %p", (config, path, reason) => {
    expect(issues(config)).toEqual([{ path, message: expect.stringMatching(reason) }]);
  });

  it("refuses an entry that is not a mapping, and shows one", () => {
    expect(issues({ domains: ["example.com", { domain: "b.example", policy }] })).toEqual([
      { path: "domains[0]", message: expect.stringMatching(/domain: example\.com, policy/) },
    ]);
  });

  it("says a missing policy is required and what one looks like", () => {
    expect(issues({ domains: [{ domain: "a.example" }] })).toEqual([{ path: "domains[0].policy", message: expect.stringMatching(/is required.*mode: testing/) }]);
  });
});

describe("typos are reported, with a suggestion", () => {
  it.each([
    ["domains[0].hots", "host", { domains: [{ domain: "a.example", policy, hots: "aws" }] }],
    ["domains[0].hostedZoneld", "hostedZoneId", { domains: [{ domain: "a.example", policy, hostedZoneld: "Z1" }] }],
    ["domains[0].cloudflareZoneID", "cloudflareZoneId", { domains: [{ domain: "a.example", policy, cloudflareZoneID: "z", host: "aws" }] }],
    ["domains[0].policy.maxage", "maxAgeSeconds", { domains: [{ domain: "a.example", policy: { ...policy, maxage: 86400 } }] }],
    ["domains[0].tlsRpt.rau", "rua", { domains: [{ domain: "a.example", policy, tlsRpt: { rau: ["mailto:a@example.com"] } }] }],
    ["defaults.verifyLiveMX", "verifyLiveMx", { defaults: { verifyLiveMX: false }, domains: [{ domain: "a.example", policy }] }],
    ["defaults.policy.mxs", "mx", { defaults: { policy: { mxs: ["a.example.com"] } }, domains: [{ domain: "a.example", policy }] }],
  ])("%s → did you mean %j", (path, suggestion, config) => {
    expect(issues(config)).toContainEqual({ path, message: `unknown field; did you mean "${suggestion}"?` });
  });

  it("does not suggest \"domain\" for a domain in defaults (it belongs to each entry)", () => {
    const [issue] = issues({ defaults: { domain: "a.example" }, domains: [{ domain: "b.example", policy }] });
    expect(issue.path).toBe("defaults.domain");
    expect(issue.message).not.toMatch(/did you mean "domain"/);
  });
});

describe("each domain once", () => {
  it("refuses the same domain twice, compared in normalised A-label form", () => {
    expect(issues({ domains: [{ domain: "bücher.example", policy }, { domain: "other.example", policy }, { domain: "XN--BCHER-KVA.example.", policy }] })).toEqual([
      { path: "domains[2].domain", message: '"xn--bcher-kva.example" is already listed at domains[0]; each domain once' },
    ]);
  });

  it("reports a duplicate even when one of the two entries has other problems", () => {
    expect(paths({ domains: [{ domain: "a.example", policy: { mode: "enforce", mx: [] } }, { domain: "A.example", policy }] })).toEqual([
      "domains[0].policy.mx",
      "domains[1].domain",
    ]);
  });
});

describe("cross-field rules: where the policy is served and where the DNS lives", () => {
  const entry = (fields: Record<string, unknown>) => ({ domains: [{ domain: "a.example", policy, ...fields }] });

  it.each([
    [{ host: "aws" }, { host: "aws", dns: "route53" }],
    // cloudflareZoneId alone means DNS at Cloudflare, as it does for AwsMtaSts.
    [{ host: "aws", cloudflareZoneId: cf.cloudflareZoneId }, { dns: "cloudflare", cloudflareZoneId: cf.cloudflareZoneId }],
    [{ host: "aws", hostedZoneId: "Z0123456789ABC" }, { dns: "route53", hostedZoneId: "Z0123456789ABC" }],
    [{ host: "aws", dns: "cloudflare", cloudflareZoneId: cf.cloudflareZoneId }, { dns: "cloudflare", cloudflareZoneId: cf.cloudflareZoneId }],
    [{ host: "cloudflare-worker", ...cf }, { dns: "cloudflare", ...cf }],
    [{ host: "cloudflare-pages", dns: "cloudflare", ...cf }, { dns: "cloudflare", ...cf }],
  ])("accepts %j", (fields, expected) => {
    expect(ok(entry(fields)).domains[0]).toMatchObject(expected);
  });

  it.each([
    [{ host: "cloudflare-worker" }, ["domains[0].cloudflareZoneId", "domains[0].cloudflareAccountId"]],
    [{ host: "cloudflare-pages", cloudflareZoneId: cf.cloudflareZoneId }, ["domains[0].cloudflareAccountId"]],
    // One mistake, one message: not also "cloudflareZoneId is set but dns is route53".
    [{ host: "cloudflare-worker", dns: "route53", ...cf }, ["domains[0].dns"]],
    [{ host: "aws", dns: "cloudflare" }, ["domains[0].cloudflareZoneId"]],
    [{ host: "aws", cloudflareZoneId: "z" }, ["domains[0].cloudflareZoneId"]],
    [{ host: "aws", dns: "route53", cloudflareZoneId: cf.cloudflareZoneId }, ["domains[0].cloudflareZoneId"]],
    [{ host: "aws", cloudflareZoneId: cf.cloudflareZoneId, hostedZoneId: "Z1" }, ["domains[0].cloudflareZoneId"]],
    [{ host: "aws", dns: "cloudflare", cloudflareZoneId: cf.cloudflareZoneId, hostedZoneId: "Z1" }, ["domains[0].hostedZoneId"]],
    [{ host: "aws", cloudflareAccountId: "a" }, ["domains[0].cloudflareAccountId"]],
    [{ host: "aws", cloudflareZoneId: cf.cloudflareZoneId, adoptExistingRecords: true }, ["domains[0].adoptExistingRecords"]],
    [{ host: "aws", siteName: "mta-sts-a" }, ["domains[0].siteName"]],
    [{ host: "gcp" }, ["domains[0].host"]],
    [{ dns: "bind" }, ["domains[0].dns"]],
    [{ hostedZoneId: "" }, ["domains[0].hostedZoneId"]],
    [{ verifyLiveMx: "yes" }, ["domains[0].verifyLiveMx"]],
  ])("refuses %j at %j", (fields, expected) => {
    expect(paths(entry(fields))).toEqual(expected);
  });

  it("says what to do: copy the zone id, set dns: cloudflare, or remove the field", () => {
    const messages = issues(entry({ host: "cloudflare-worker", dns: "route53" })).map((i) => i.message).join("\n");
    expect(messages).toMatch(/set dns: cloudflare or remove dns/);
    expect(messages).toMatch(/copy the account id/);
  });
});

describe("mta-sts:sharedAwsHost: every AWS domain on one shared host", () => {
  it("is passed on with its group size and count, and pins reach their domains", () => {
    const result = ok({
      sharedAwsHost: { groupSize: 20, groupCount: 7 },
      domains: [
        { domain: "example.com", policy, group: 3 },
        { domain: "example.org", host: "cloudflare-worker", policy, ...cf },
      ],
    });
    // Only AWS domains are on the shared host, so only they need a pin.
    expect(result.sharedAwsHost).toEqual({ groupSize: 20, groupCount: 7 });
    expect(result.domains[0].group).toBe(3);
    expect(result.domains[1].group).toBeUndefined();
  });

  it("is absent unless the stack config asks for it", () => {
    expect(ok({ domains: [{ domain: "example.com", policy }] }).sharedAwsHost).toBeUndefined();
  });

  it("rejects group sizes ACM cannot hold and unknown keys, with their paths", () => {
    const found = issues({ sharedAwsHost: { groupSize: 101, groupCount: 0, groupsize: 5 }, domains: [{ domain: "example.com", policy, group: 0 }] });
    expect(found).toEqual(
      expect.arrayContaining([
        { path: "sharedAwsHost.groupSize", message: "must be at most 100 (names on one ACM certificate)" },
        { path: "sharedAwsHost.groupCount", message: "must be at least 1" },
        expect.objectContaining({ path: "sharedAwsHost.groupsize", message: expect.stringContaining('did you mean "groupSize"') }),
      ]),
    );
  });

  it("refuses a group pin without a shared host, and on a Cloudflare host", () => {
    expect(paths({ domains: [{ domain: "example.com", policy, group: 2 }] })).toEqual(["domains[0].group"]);
    expect(paths({ sharedAwsHost: {}, domains: [{ domain: "example.org", host: "cloudflare-pages", policy, ...cf, group: 2 }] })).toEqual(["domains[0].group"]);
  });
});

describe("the shared host's groups: checked in the same round as everything else, one line each", () => {
  const pinned = (n: number, group: (i: number) => number, prefix = "d") => Array.from({ length: n }, (_, i) => ({ domain: `${prefix}${i}.example`, policy, group: group(i) }));

  it("refuses shared-host domains without a pin in one line naming the command that writes the pins, together with the other problems", () => {
    const found = issues({
      sharedAwsHost: { groupCount: 4 },
      domains: [
        { domain: "a.example", policy },
        { domain: "b.example", policy: { mode: "enforce", mx: [] } },
        { domain: "c.example", policy, group: 1 },
        { domain: "d.example", host: "cloudflare-worker", policy, ...cf },
        { domain: "e.example", policy },
      ],
    });
    expect(found).toEqual([
      expect.objectContaining({ path: "domains[1].policy.mx" }),
      {
        path: "domains[0].group",
        message:
          "is not set, and so is the group of 2 more shared-host domains (domains[1], domains[4]): the shared AWS host serves each domain from the group its pin names; run `mta-sts groups --stack <stack file> --write` to pin them (no existing pin changes, and on a host deployed without pins each domain keeps the group that serves it now)",
      },
    ]);
  });

  it("one unpinned domain: its own pin's path, and `it`", () => {
    expect(issues({ sharedAwsHost: {}, domains: [...pinned(2, () => 0), { domain: "new.example", policy }] })).toEqual([
      { path: "domains[2].group", message: expect.stringMatching(/^is not set: .*run `mta-sts groups --stack <stack file> --write` to pin it /) },
    ]);
  });

  it("a group pinned over groupSize is one line with its counts and where there is room, at the pin of its last domain, never every name", () => {
    const found = issues({ sharedAwsHost: { groupSize: 10, groupCount: 5 }, domains: [...pinned(13, () => 2), ...pinned(4, () => 3, "e")] });
    expect(found).toEqual([
      {
        path: "domains[12].group",
        message:
          "group g02 would hold 13 domains, 3 more than groupSize 10: pin 3 of them to a group with room (g03 has 6 free; `mta-sts groups` lists each group's free slots), or raise sharedAwsHost.groupSize (moves no domain, but ACM must allow that many names per certificate)",
      },
    ]);
  });

  it("every overfull group gets its own line", () => {
    expect(paths({ sharedAwsHost: { groupSize: 2 }, domains: pinned(9, (i) => i % 3) })).toEqual(["domains[6].group", "domains[7].group", "domains[8].group"]);
  });

  it("a group with no host short enough for the certificate's first name (64 characters)", () => {
    const long = `${"a".repeat(60)}.example`;
    expect(issues({ sharedAwsHost: {}, domains: [{ domain: long, policy, group: 7 }] })).toEqual([
      { path: "domains[0].group", message: expect.stringMatching(/^group g07's only policy host is longer than 64 characters, and ACM needs one that short/) },
    ]);
  });

  it("a pin above 999 is refused by the schema with its path", () => {
    expect(issues({ sharedAwsHost: {}, domains: [{ domain: "a.example", policy, group: 1000 }] })).toEqual([
      { path: "domains[0].group", message: "must be at most 999 (group labels run g00 to g999): pin a lower one, or remove it and run `mta-sts groups --write`" },
    ]);
  });

  it("`checkGroups: false` (mta-sts groups) validates everything but the group rules", () => {
    const config = { sharedAwsHost: { groupSize: 2 }, domains: [{ domain: "a.example", policy }, ...pinned(3, () => 0)] };
    expect(validateStackConfig(config).ok).toBe(false);
    expect(validateStackConfig(config, { checkGroups: false }).ok).toBe(true);
    expect(validateStackConfig({ ...config, domains: [{ domain: "a.example", policy: { mode: "bad" } }] }, { checkGroups: false }).ok).toBe(false);
  });
});

describe("mta-sts:awsQuotas: the account's raised quotas", () => {
  it("is read as whole numbers by quota key, and absent means AWS's defaults", () => {
    expect(ok({ awsQuotas: { "cloudfront-distributions-per-account": 1000 }, domains: [{ domain: "a.example", policy }] }).awsQuotas).toEqual({ "cloudfront-distributions-per-account": 1000 });
    expect(ok({ domains: [{ domain: "a.example", policy }] }).awsQuotas).toEqual({});
  });

  it("refuses a key that is no raisable quota, and a figure that is not a whole number from 1", () => {
    expect(issues({ awsQuotas: { "s3-bucket-policy-size": 40960, "acm-certificates": 0 }, domains: [{ domain: "a.example", policy }] })).toEqual([
      expect.objectContaining({ path: "awsQuotas.acm-certificates", message: "must be at least 1" }),
      expect.objectContaining({ path: "awsQuotas.s3-bucket-policy-size" }),
    ]);
  });
});
