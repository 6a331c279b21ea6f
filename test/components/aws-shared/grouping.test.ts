/**
 * The pure parts of AwsSharedMtaStsHost: stable grouping (grouping.ts) and the routing function
 * (routing-function.ts), which is executed here with the documented cloudfront-js-2.0 event
 * shape (`event.request.headers.host.value`, `event.request.uri`, `event.request.method`).
 *
 * Traps guarded against: a domain added or removed moving other domains between groups (every
 * moved domain replaces two certificates and changes two distributions' aliases); a request for
 * one host reading another host's policy; anything but 200 + policy or a plain 404 at the edge
 * (a redirect on the policy path is never followed by senders, RFC 8461 §3.3).
 */
import * as vm from "node:vm";
import fc from "fast-check";
import {
  assignGroups,
  certificateNames,
  DEFAULT_GROUP_COUNT,
  domainKey,
  groupLabel,
  hashedGroup,
  jumpConsistentHash,
  overfullGroups,
  suggestedPinTarget,
} from "../../../components/aws-shared/grouping";
import { MAX_FUNCTION_CODE_BYTES, policyObjectKey, routingFunctionCode, routingFunctionSize } from "../../../components/aws-shared/routing-function";
import { sharedBucketPolicy } from "../../../components/aws-shared/bucket-policy";

const domainArb = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/), { minLength: 1, maxLength: 3 })
  .map((labels) => `${labels.join(".")}.example`);
const domainSetArb = fc.uniqueArray(domainArb, { minLength: 1, maxLength: 60 });

/** domain → group index, for a set of unpinned domains. */
function assignment(domains: readonly string[], groupCount: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of assignGroups(domains.map((domain) => ({ domain })), groupCount)) for (const d of g.domains) out.set(d, g.index);
  return out;
}

describe("stable grouping: a domain's group is a function of the domain and groupCount alone", () => {
  test("inserting a domain moves no other domain and changes only the new domain's group", () => {
    fc.assert(
      fc.property(domainSetArb, domainArb, fc.integer({ min: 1, max: 50 }), (domains, added, groupCount) => {
        fc.pre(!domains.includes(added));
        const before = assignment(domains, groupCount);
        const after = assignment([...domains, added], groupCount);
        for (const d of domains) expect(after.get(d)).toBe(before.get(d));
        // Every group but the new domain's has exactly the same members.
        const groupsBefore = assignGroups(domains.map((domain) => ({ domain })), groupCount);
        const groupsAfter = assignGroups([...domains, added].map((domain) => ({ domain })), groupCount);
        const touched = after.get(added)!;
        const untouched = (gs: ReturnType<typeof assignGroups>) => gs.filter((g) => g.index !== touched);
        expect(untouched(groupsAfter)).toEqual(untouched(groupsBefore));
      }),
    );
  });

  test("deleting a domain moves no other domain and changes only its own group", () => {
    fc.assert(
      fc.property(domainSetArb.filter((s) => s.length > 1), fc.nat(), fc.integer({ min: 1, max: 50 }), (domains, pick, groupCount) => {
        const removed = domains[pick % domains.length];
        const rest = domains.filter((d) => d !== removed);
        const before = assignGroups(domains.map((domain) => ({ domain })), groupCount);
        const after = assignGroups(rest.map((domain) => ({ domain })), groupCount);
        const touched = assignment(domains, groupCount).get(removed)!;
        expect(after.filter((g) => g.index !== touched)).toEqual(before.filter((g) => g.index !== touched));
      }),
    );
  });

  test("the order in which domains are listed does not matter", () => {
    fc.assert(
      fc.property(domainSetArb, (domains) => {
        const reversed = [...domains].reverse();
        expect(assignGroups(reversed.map((domain) => ({ domain })), 7)).toEqual(assignGroups(domains.map((domain) => ({ domain })), 7));
      }),
    );
  });

  test("raising groupCount by one moves domains only into the new group (jump consistent hash)", () => {
    fc.assert(
      fc.property(domainSetArb, fc.integer({ min: 1, max: 60 }), (domains, groupCount) => {
        for (const d of domains) {
          const before = hashedGroup(d, groupCount);
          const after = hashedGroup(d, groupCount + 1);
          if (after !== before) expect(after).toBe(groupCount);
        }
      }),
    );
  });

  test("jump hash gives the test vectors other implementations share (key, buckets → bucket)", () => {
    // The vectors used by the Go, C and Python implementations of Lamping & Veach's algorithm.
    const vectors: [bigint, number, number][] = [
      [1n, 1, 0],
      [42n, 57, 43],
      [0xdead10ccn, 1, 0],
      [0xdead10ccn, 666, 361],
      [256n, 1024, 520],
      [1n, 128, 55],
      [129n, 128, 120],
      [18446744073709551615n, 128, 92],
    ];
    for (const [key, buckets, bucket] of vectors) expect(jumpConsistentHash(key, buckets)).toBe(bucket);
    expect(() => jumpConsistentHash(1n, 0)).toThrow(RangeError);
  });

  test("domains spread over all groups roughly evenly", () => {
    const domains = Array.from({ length: 2000 }, (_, i) => `domain-${i}.example`);
    const sizes = assignGroups(domains.map((domain) => ({ domain })), 20).map((g) => g.domains.length);
    expect(sizes).toHaveLength(20);
    for (const size of sizes) expect(Math.abs(size - 100)).toBeLessThan(40);
  });

  test("the key is the first 64 bits of SHA-256 of the A-label domain", () => {
    // sha256("example.com") = a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947
    expect(domainKey("example.com")).toBe(0xa379a6f6eeafb9a5n);
  });

  test("a pin overrides the hash, also to a group the hash never uses", () => {
    const groups = assignGroups([{ domain: "a.example", group: 42 }, { domain: "b.example" }], 5);
    expect(groups.find((g) => g.index === 42)?.domains).toEqual(["a.example"]);
    expect(groups.find((g) => g.domains.includes("b.example"))!.index).toBe(hashedGroup("b.example", 5));
  });

  test("only groups with a domain are returned, by number, members sorted, labelled g<NN>", () => {
    const groups = assignGroups([{ domain: "z.example", group: 3 }, { domain: "a.example", group: 3 }, { domain: "m.example", group: 120 }], 5);
    expect(groups).toEqual([
      { index: 3, label: "g03", domains: ["a.example", "z.example"] },
      { index: 120, label: "g120", domains: ["m.example"] },
    ]);
    expect(groupLabel(0)).toBe("g00");
  });

  test("overfull groups are found, and the suggested pin target has room or is a new pins-only group", () => {
    const full = assignGroups(Array.from({ length: 4 }, (_, i) => ({ domain: `d${i}.example`, group: 1 })).concat([{ domain: "x.example", group: 2 }]), 3);
    expect(overfullGroups(full, 3).map((g) => g.index)).toEqual([1]);
    expect(suggestedPinTarget(full, 3, 3)).toBe(2);
    const noRoom = assignGroups(Array.from({ length: 4 }, (_, i) => ({ domain: `d${i}.example`, group: i < 2 ? 0 : 3 })), 3);
    expect(suggestedPinTarget(noRoom, 2, 3)).toBe(4);
    expect(DEFAULT_GROUP_COUNT).toBe(20);
  });
});

describe("certificate names per group", () => {
  test("the first sorted host is the certificate name and the others, sorted, are SANs", () => {
    expect(certificateNames(["mta-sts.c.example", "mta-sts.a.example", "mta-sts.b.example"])).toEqual({
      domainName: "mta-sts.a.example",
      subjectAlternativeNames: ["mta-sts.b.example", "mta-sts.c.example"],
    });
    expect(certificateNames(["mta-sts.a.example"])).toEqual({ domainName: "mta-sts.a.example", subjectAlternativeNames: [] });
  });

  test("a host over ACM's 64-octet limit for the first name is only ever a SAN", () => {
    const long = `mta-sts.${"a".repeat(60)}.example`;
    expect(certificateNames([long, "mta-sts.z.example"])).toEqual({ domainName: "mta-sts.z.example", subjectAlternativeNames: [long] });
    expect(certificateNames([long])).toBeUndefined();
  });
});

/** Run generated function code the way CloudFront does: a fresh context, `handler(event)`. */
function runRouting(code: string, request: { host?: string; uri: string; method?: string }) {
  const context = vm.createContext({});
  vm.runInContext(code, context, { timeout: 1000 });
  const event = {
    version: "1.0",
    context: { eventType: "viewer-request", distributionId: "EDFDVBD6EXAMPLE", requestId: "r1" },
    viewer: { ip: "198.51.100.1" },
    request: {
      method: request.method ?? "GET",
      uri: request.uri,
      querystring: {},
      headers: request.host === undefined ? {} : { host: { value: request.host } },
      cookies: {},
    },
  };
  return (context as { handler: (e: unknown) => any }).handler(event);
}

describe("the routing function, executed (cloudfront-js-2.0 viewer-request)", () => {
  const hosts = ["mta-sts.example.com", "mta-sts.example.org", "mta-sts.xn--bcher-kva.example"];
  const code = routingFunctionCode(hosts);

  test.each(hosts)("GET of the policy path on %s is rewritten to that host's own object", (host) => {
    const result = runRouting(code, { host, uri: "/.well-known/mta-sts.txt" });
    expect(result.uri).toBe(`/${policyObjectKey(host)}`);
    expect(result.uri).toBe(`/${host}/.well-known/mta-sts.txt`);
    expect(result.statusCode).toBeUndefined();
  });

  test("HEAD is routed like GET; host case, a trailing dot and :443 do not matter", () => {
    expect(runRouting(code, { host: "mta-sts.example.org", uri: "/.well-known/mta-sts.txt", method: "HEAD" }).uri).toBe("/mta-sts.example.org/.well-known/mta-sts.txt");
    expect(runRouting(code, { host: "MTA-STS.Example.COM", uri: "/.well-known/mta-sts.txt" }).uri).toBe("/mta-sts.example.com/.well-known/mta-sts.txt");
    expect(runRouting(code, { host: "mta-sts.example.com.", uri: "/.well-known/mta-sts.txt" }).uri).toBe("/mta-sts.example.com/.well-known/mta-sts.txt");
    expect(runRouting(code, { host: "mta-sts.example.com:443", uri: "/.well-known/mta-sts.txt" }).uri).toBe("/mta-sts.example.com/.well-known/mta-sts.txt");
  });

  const notFound: [string, { host?: string; uri: string; method?: string }][] = [
    ["a host of another group", { host: "mta-sts.other.example", uri: "/.well-known/mta-sts.txt" }],
    ["the distribution's own name", { host: "d111111abcdef8.cloudfront.net", uri: "/.well-known/mta-sts.txt" }],
    ["the mail domain instead of its policy host", { host: "example.com", uri: "/.well-known/mta-sts.txt" }],
    ["no Host header", { uri: "/.well-known/mta-sts.txt" }],
    ["another port", { host: "mta-sts.example.com:8443", uri: "/.well-known/mta-sts.txt" }],
    ["the root", { host: "mta-sts.example.com", uri: "/" }],
    ["another file", { host: "mta-sts.example.com", uri: "/.well-known/security.txt" }],
    ["a trailing slash", { host: "mta-sts.example.com", uri: "/.well-known/mta-sts.txt/" }],
    ["another case", { host: "mta-sts.example.com", uri: "/.well-known/MTA-STS.TXT" }],
    ["the object key itself", { host: "mta-sts.example.com", uri: "/mta-sts.example.org/.well-known/mta-sts.txt" }],
    ["POST", { host: "mta-sts.example.com", uri: "/.well-known/mta-sts.txt", method: "POST" }],
    ["a host that names an inherited property", { host: "constructor", uri: "/.well-known/mta-sts.txt" }],
  ];
  test.each(notFound)("%s gets a 404 from the edge, uncached, never a redirect", (_label, request) => {
    const result = runRouting(code, request);
    expect(result).toEqual({ statusCode: 404, statusDescription: "Not Found", headers: { "cache-control": { value: "no-store" } } });
    expect(result.headers.location).toBeUndefined();
  });

  test("the code is the same bytes for the same hosts in any order, and changes when the group does", () => {
    expect(routingFunctionCode([...hosts].reverse())).toBe(code);
    expect(routingFunctionCode([...hosts, "mta-sts.new.example"])).not.toBe(code);
  });

  test("the code needs nothing but the event (no require, no globals) and fits CloudFront's 10 KB for 100 typical hosts", () => {
    expect(code).not.toMatch(/require\(|import |process\./);
    const hundred = Array.from({ length: 100 }, (_, i) => `mta-sts.mail-domain-number-${i}.example.co.uk`);
    expect(routingFunctionSize(hundred)).toBeLessThanOrEqual(MAX_FUNCTION_CODE_BYTES);
    expect(runRouting(routingFunctionCode(hundred), { host: hundred[99], uri: "/.well-known/mta-sts.txt" }).uri).toBe(`/${hundred[99]}/.well-known/mta-sts.txt`);
  });
});

describe("the shared bucket policy", () => {
  test("admits exactly the given distributions, for GetObject of policy files only, and refuses plain HTTP", () => {
    const policy = JSON.parse(sharedBucketPolicy({ bucketArn: "arn:aws:s3:::b", distributionArns: ["arn:d/2", "arn:d/1"] }));
    expect(policy.Statement).toEqual([
      {
        Sid: expect.any(String),
        Effect: "Allow",
        Principal: { Service: "cloudfront.amazonaws.com" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::b/mta-sts.*/.well-known/mta-sts.txt",
        Condition: { StringEquals: { "AWS:SourceArn": ["arn:d/1", "arn:d/2"] } },
      },
      expect.objectContaining({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    ]);
  });
});
