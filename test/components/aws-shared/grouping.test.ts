/**
 * The pure parts of AwsSharedMtaStsHost: stable grouping (grouping.ts), slices (group-names.ts)
 * and the routing function (routing-function.ts), which is executed here with the documented
 * cloudfront-js-2.0 event shape (`event.request.headers.host.value`, `event.request.uri`,
 * `event.request.method`, `event.context.distributionDomainName`).
 *
 * Traps guarded against: a domain added or removed moving other domains between groups (every
 * moved domain replaces two certificates and changes two distributions' aliases), or a group
 * between slices; a request for one host reading another host's policy, or a key built from a
 * Host that is not a host name; anything but 200 + policy or a plain 404 at the edge (a redirect
 * on the policy path is never followed by senders, RFC 8461 §3.3).
 */
import * as vm from "node:vm";
import fc from "fast-check";
import {
  collectGroups,
  certificateNames,
  DEFAULT_GROUP_COUNT,
  domainKey,
  groupLabel,
  hashedGroup,
  jumpConsistentHash,
  overfullGroups,
  suggestedPinTarget,
} from "../../../components/aws-shared/grouping";
import { GROUPS_PER_SLICE, sliceGroups, sliceOf, slicePrefix } from "../../../components/aws-shared/group-names";
import { MAX_FUNCTION_CODE_BYTES, policyObjectKey, routingFunctionCode } from "../../../components/aws-shared/routing-function";
import { sharedBucketPolicy } from "../../../components/aws-common/bucket-policy";

const domainArb = fc
  .array(fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/), { minLength: 1, maxLength: 3 })
  .map((labels) => `${labels.join(".")}.example`);
const domainSetArb = fc.uniqueArray(domainArb, { minLength: 1, maxLength: 60 });

/** domain → group index, for a set of unpinned domains. */
function assignment(domains: readonly string[], groupCount: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of collectGroups(domains.map((domain) => ({ domain })), groupCount)) for (const d of g.domains) out.set(d, g.index);
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
        const groupsBefore = collectGroups(domains.map((domain) => ({ domain })), groupCount);
        const groupsAfter = collectGroups([...domains, added].map((domain) => ({ domain })), groupCount);
        const touched = after.get(added)!;
        const untouched = (gs: ReturnType<typeof collectGroups>) => gs.filter((g) => g.index !== touched);
        expect(untouched(groupsAfter)).toEqual(untouched(groupsBefore));
      }),
    );
  });

  test("deleting a domain moves no other domain and changes only its own group", () => {
    fc.assert(
      fc.property(domainSetArb.filter((s) => s.length > 1), fc.nat(), fc.integer({ min: 1, max: 50 }), (domains, pick, groupCount) => {
        const removed = domains[pick % domains.length];
        const rest = domains.filter((d) => d !== removed);
        const before = collectGroups(domains.map((domain) => ({ domain })), groupCount);
        const after = collectGroups(rest.map((domain) => ({ domain })), groupCount);
        const touched = assignment(domains, groupCount).get(removed)!;
        expect(after.filter((g) => g.index !== touched)).toEqual(before.filter((g) => g.index !== touched));
      }),
    );
  });

  test("the order in which domains are listed does not matter", () => {
    fc.assert(
      fc.property(domainSetArb, (domains) => {
        const reversed = [...domains].reverse();
        expect(collectGroups(reversed.map((domain) => ({ domain })), 7)).toEqual(collectGroups(domains.map((domain) => ({ domain })), 7));
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
    const sizes = collectGroups(domains.map((domain) => ({ domain })), 20).map((g) => g.domains.length);
    expect(sizes).toHaveLength(20);
    for (const size of sizes) expect(Math.abs(size - 100)).toBeLessThan(40);
  });

  test("the key is the first 64 bits of SHA-256 of the A-label domain", () => {
    // sha256("example.com") = a379a6f6eeafb9a55e378c118034e2751e682fab9f2d30ab13d2125586ce1947
    expect(domainKey("example.com")).toBe(0xa379a6f6eeafb9a5n);
  });

  test("a pin overrides the hash, also to a group the hash never uses", () => {
    const groups = collectGroups([{ domain: "a.example", group: 42 }, { domain: "b.example" }], 5);
    expect(groups.find((g) => g.index === 42)?.domains).toEqual(["a.example"]);
    expect(groups.find((g) => g.domains.includes("b.example"))!.index).toBe(hashedGroup("b.example", 5));
  });

  test("only groups with a domain are returned, by number, members sorted, labelled g<NN>", () => {
    const groups = collectGroups([{ domain: "z.example", group: 3 }, { domain: "a.example", group: 3 }, { domain: "m.example", group: 120 }], 5);
    expect(groups).toEqual([
      { index: 3, label: "g03", domains: ["a.example", "z.example"] },
      { index: 120, label: "g120", domains: ["m.example"] },
    ]);
    expect(groupLabel(0)).toBe("g00");
  });

  test("overfull groups are found, and the suggested pin target has room or is a new pins-only group", () => {
    const full = collectGroups(Array.from({ length: 4 }, (_, i) => ({ domain: `d${i}.example`, group: 1 })).concat([{ domain: "x.example", group: 2 }]), 3);
    expect(overfullGroups(full, 3).map((g) => g.index)).toEqual([1]);
    expect(suggestedPinTarget(full, 3, 3)).toBe(2);
    const noRoom = collectGroups(Array.from({ length: 4 }, (_, i) => ({ domain: `d${i}.example`, group: i < 2 ? 0 : 3 })), 3);
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

describe("slices: which groups share an origin access control, a routing function and a cache policy", () => {
  test("a slice is 100 consecutive group numbers, decided by the number alone", () => {
    expect(GROUPS_PER_SLICE).toBe(100);
    expect([0, 99, 100, 199, 200, 999].map(sliceOf)).toEqual([0, 0, 1, 1, 2, 9]);
    expect(sliceGroups(1)).toBe("groups g100 to g199");
  });

  test("slice 0 keeps the host's own names (a host deployed with one origin access control keeps it); the others are <name>-s<k>", () => {
    expect(slicePrefix("aws-shared", 0)).toBe("aws-shared");
    expect(slicePrefix("aws-shared", 3)).toBe("aws-shared-s3");
  });
});

/** Run generated function code the way CloudFront does: a fresh context, `handler(event)`. */
function runRouting(code: string, request: { host?: string; uri: string; method?: string }) {
  const context = vm.createContext({});
  vm.runInContext(code, context, { timeout: 1000 });
  const event = {
    version: "1.0",
    context: { eventType: "viewer-request", distributionId: "EDFDVBD6EXAMPLE", distributionDomainName: "d111111abcdef8.cloudfront.net", requestId: "r1" },
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
  const hosts = ["mta-sts.example.com", "mta-sts.example.org", "mta-sts.xn--bcher-kva.example", "mta-sts.mail-domain-number-99.example.co.uk"];
  const code = routingFunctionCode();

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
    ["the distribution's own name (the one host a distribution receives that it does not serve)", { host: "d111111abcdef8.cloudfront.net", uri: "/.well-known/mta-sts.txt" }],
    ["the mail domain instead of its policy host", { host: "example.com", uri: "/.well-known/mta-sts.txt" }],
    ["a policy host of one label", { host: "mta-sts.example", uri: "/.well-known/mta-sts.txt" }],
    ["no Host header", { uri: "/.well-known/mta-sts.txt" }],
    ["another port", { host: "mta-sts.example.com:8443", uri: "/.well-known/mta-sts.txt" }],
    ["a Host with a path in it", { host: "mta-sts.example.com/../mta-sts.example.org", uri: "/.well-known/mta-sts.txt" }],
    ["a Host with a slash", { host: "mta-sts.example.com/x", uri: "/.well-known/mta-sts.txt" }],
    ["a Host with an empty label", { host: "mta-sts..example.com", uri: "/.well-known/mta-sts.txt" }],
    ["a Host with percent-encoding", { host: "mta-sts.example%2ecom", uri: "/.well-known/mta-sts.txt" }],
    ["a Host with a user part", { host: "x@mta-sts.example.com", uri: "/.well-known/mta-sts.txt" }],
    ["a Host over 253 characters", { host: `mta-sts.${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example`, uri: "/.well-known/mta-sts.txt" }],
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

  test("any Host the function lets through reaches only its own object: the key is the host and the policy path, nothing else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ maxLength: 60 }).map((label) => `MTA-STS.${label}.example`)), (host) => {
        const result = runRouting(code, { host, uri: "/.well-known/mta-sts.txt" });
        if (result.statusCode === 404) return;
        const normalised = host.toLowerCase().replace(/:443$/, "").replace(/\.$/, "");
        expect(result.uri).toBe(`/${normalised}/.well-known/mta-sts.txt`);
        expect(normalised).toMatch(/^mta-sts\.[a-z0-9-]+(\.[a-z0-9-]+)+$/);
      }),
    );
  });

  test("the code knows no host: the same bytes for every group and slice, so adding a domain never changes it", () => {
    expect(routingFunctionCode()).toBe(code);
    for (const host of hosts) expect(code).not.toContain(host);
  });

  test("the code needs nothing but the event (no require, no globals) and fits CloudFront's 10 KB", () => {
    expect(code).not.toMatch(/require\(|import |process\./);
    expect(Buffer.byteLength(code, "utf8")).toBeLessThanOrEqual(MAX_FUNCTION_CODE_BYTES);
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
