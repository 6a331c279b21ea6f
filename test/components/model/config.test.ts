/**
 * Typed domain configuration. Every rule rejects with the field path and a message that
 * says what would be right; risky but legal values give warnings, not errors.
 */
import { ConfigIssue, DEFAULT_MAX_AGE, MAX_AGE_LIMIT, MtaStsConfigError, closest, validateMailDomain } from "../../../components/model";

const base = { domain: "example.com", policy: { mode: "testing", mx: ["mx1.example.com"], maxAgeSeconds: 1209600 } };
const withPolicy = (policy: Record<string, unknown>) => ({ ...base, policy: { ...base.policy, ...policy } });

function issuesOf(input: unknown): ConfigIssue[] {
  const result = validateMailDomain(input);
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.value)}`);
  return result.issues;
}
function intentOf(input: unknown) {
  const result = validateMailDomain(input);
  if (!result.ok) throw new Error(`expected a valid config: ${JSON.stringify(result.issues)}`);
  return result;
}
/** The single issue at `path`, which must say what would be right (an example or a range). */
function issueAt(input: unknown, path: string): string {
  const issues = issuesOf(input);
  const matching = issues.filter((i) => i.path === path);
  expect(matching.map((i) => i.path)).toEqual([path]);
  return matching[0].message;
}

describe("a valid config becomes a normalised intent", () => {
  it("applies the default max age of one week (604800 s)", () => {
    const { value } = intentOf({ domain: "example.com", policy: { mode: "testing", mx: ["mx1.example.com"] } });
    expect(value.policy.maxAgeSeconds).toBe(604800);
    expect(DEFAULT_MAX_AGE).toBe(7 * 24 * 3600);
  });

  it("lowercases, drops the root dot, de-duplicates and sorts mx", () => {
    const { value } = intentOf(withPolicy({ mx: ["MX2.example.com.", "mx1.example.com", "mx2.EXAMPLE.com", "*.Backup.example.com"] }));
    expect(value.policy.mx).toEqual(["*.backup.example.com", "mx1.example.com", "mx2.example.com"]);
  });

  it("derives the policy host from the A-label domain", () => {
    const { value } = intentOf({ ...base, domain: "Example.COM." });
    expect(value).toMatchObject({ domain: "example.com", policyHost: "mta-sts.example.com" });
  });

  it("keeps TLS-RPT reporting URIs, and omits tlsRpt when not given", () => {
    expect(intentOf({ ...base, tlsRpt: { rua: ["mailto:tlsrpt@example.com", "https://reports.example.com/v1"] } }).value.tlsRpt).toEqual({
      rua: ["mailto:tlsrpt@example.com", "https://reports.example.com/v1"],
    });
    expect(intentOf(base).value).not.toHaveProperty("tlsRpt");
  });

  it("MtaStsConfigError lists every issue with its path", () => {
    const error = new MtaStsConfigError([{ path: "domains[3].policy.mx[1]", message: "bad" }, { path: "domain", message: "worse" }]);
    expect(error.message).toContain("domains[3].policy.mx[1]: bad");
    expect(error.message).toContain("domain: worse");
  });
});

describe("IDNA: Unicode domains and mx are accepted and converted to A-labels", () => {
  it("converts the domain and every mx pattern", () => {
    const { value } = intentOf({ domain: "Bücher.example", policy: { mode: "testing", mx: ["MX.bücher.example", "*.mail.bücher.example"] } });
    expect(value.domain).toBe("xn--bcher-kva.example");
    expect(value.policyHost).toBe("mta-sts.xn--bcher-kva.example");
    expect(value.policy.mx).toEqual(["*.mail.xn--bcher-kva.example", "mx.xn--bcher-kva.example"]);
  });

  it("treats a U-label and its A-label as the same mx (de-duplicated)", () => {
    expect(intentOf(withPolicy({ mx: ["mx.bücher.example", "mx.xn--bcher-kva.example"] })).value.policy.mx).toEqual(["mx.xn--bcher-kva.example"]);
  });
});

describe("RFC 8461 §3.2 (Domain, RFC 5321 §4.1.2): domain must be a host name", () => {
  it.each([
    ["192.0.2.1", /IP address/],
    ["example", /single label.*example\.example\.com/],
    ["exa mple.com", /white space/],
    ["*.example.com", /"\*"/],
    ["ex_ample.com", /letters, digits and inner hyphens/],
  ])("refuses %j at path domain", (domain, reason) => {
    expect(issueAt({ ...base, domain }, "domain")).toMatch(reason);
  });

  it("says a missing domain is required and shows an example", () => {
    expect(issueAt({ policy: base.policy }, "domain")).toMatch(/is required.*"example\.com"/);
  });

  it("refuses a domain that is not text", () => {
    expect(issueAt({ ...base, domain: 42 }, "domain")).toMatch(/host name \(text\)/);
  });
});

describe("RFC 8461 §3.2: mode is enforce, testing or none", () => {
  it.each(["enforce", "testing", "none"])("accepts %j", (mode) => {
    expect(intentOf(withPolicy({ mode })).value.policy.mode).toBe(mode);
  });

  it.each(["Enforce", "report", "", "ENFORCE"])("refuses %j and lists the three modes", (mode) => {
    expect(issueAt(withPolicy({ mode }), "policy.mode")).toMatch(/"enforce", "testing" or "none"/);
  });

  it("says the policy block is required and what it looks like", () => {
    expect(issueAt({ domain: "example.com" }, "policy")).toMatch(/is required.*mode: testing/);
  });
});

describe("RFC 8461 §3.2: mx patterns", () => {
  it.each(["enforce", "testing"])("refuses an empty mx list in %s, with an example", (mode) => {
    expect(issueAt(withPolicy({ mode, mx: [] }), "policy.mx")).toMatch(/needs at least one MX.*mx1\.example\.com/);
  });

  it("refuses a missing mx list in enforce", () => {
    const { mx: _mx, ...policy } = base.policy;
    expect(issueAt({ ...base, policy: { ...policy, mode: "enforce" } }, "policy.mx")).toMatch(/needs at least one MX/);
  });

  it("accepts mode none with no mx (retirement, RFC 8461 §3.2)", () => {
    expect(intentOf({ domain: "example.com", policy: { mode: "none" } }).value.policy).toEqual({ mode: "none", mx: [], maxAgeSeconds: DEFAULT_MAX_AGE });
  });

  it.each([
    ["192.0.2.25", /IP address/],
    ["[2001:db8::25]", /IP address/],
    ["mx", /single label/],
  ])("refuses %j at its index, policy.mx[1]", (bad, reason) => {
    expect(issueAt(withPolicy({ mx: ["mx1.example.com", bad] }), "policy.mx[1]")).toMatch(reason);
  });

  it("reports every bad mx entry at once, each at its own index", () => {
    const issues = issuesOf(withPolicy({ mx: ["1.2.3.4", "ok.example.com", "*", "mx*.example.com"] }));
    expect(issues.map((i) => i.path)).toEqual(["policy.mx[0]", "policy.mx[2]", "policy.mx[3]"]);
  });

  it("refuses an mx list that is not a list", () => {
    expect(issueAt(withPolicy({ mx: "mx1.example.com" }), "policy.mx")).toMatch(/list of MX hosts/);
  });
});

describe("RFC 8461 §4.1: \"*\" only as a whole left-most label", () => {
  it.each([
    ["*", /every host/],
    ["*.", /every host/],
    ["mx*.example.com", /whole left-most label/],
    ["mx.*.example.com", /whole left-most label/],
    ["*.*.example.com", /whole left-most label/],
  ])("refuses %j and shows the right form", (pattern, reason) => {
    const message = issueAt(withPolicy({ mx: [pattern] }), "policy.mx[0]");
    expect(message).toMatch(reason);
    expect(message).toMatch(/"\*\.(mail\.)?example\.com"/);
  });

  it("accepts *.example.com", () => {
    expect(intentOf(withPolicy({ mx: ["*.example.com"] })).value.policy.mx).toEqual(["*.example.com"]);
  });
});

describe("RFC 8461 §3.2: max_age is a whole number of seconds from 0 to 31557600", () => {
  it.each([0, 1, 86400, MAX_AGE_LIMIT])("accepts %d", (maxAgeSeconds) => {
    expect(intentOf(withPolicy({ maxAgeSeconds })).value.policy.maxAgeSeconds).toBe(maxAgeSeconds);
  });

  it.each([
    [-1, /must not be negative.*0 to 31557600/],
    [MAX_AGE_LIMIT + 1, /at most 31557600/],
    [1.5, /whole number/],
    [86400.25, /whole number/],
    ["86400", /whole number of seconds from 0 to 31557600/],
    [Number.NaN, /whole number of seconds/],
    [Number.POSITIVE_INFINITY, /whole number of seconds/],
    [null, /whole number of seconds/],
  ])("refuses %p at policy.maxAgeSeconds", (maxAgeSeconds, reason) => {
    expect(issueAt(withPolicy({ maxAgeSeconds }), "policy.maxAgeSeconds")).toMatch(reason);
  });
});

describe("RFC 8460 §3: rua is mailto: with a valid address or an https: URL", () => {
  const rua = (...uris: unknown[]) => ({ ...base, tlsRpt: { rua: uris } });

  it.each(["mailto:tlsrpt@example.com", "MAILTO:TLSRPT@Example.com", "https://reports.example.com/v1/tlsrpt", "https://reports.example.com:8443/x?y=1"])("accepts %j", (uri) => {
    expect(intentOf(rua(uri)).value.tlsRpt?.rua).toEqual([uri]);
  });

  it.each([
    ["http://reports.example.com/", /neither mailto: nor https:/],
    ["ftp://reports.example.com/", /neither mailto: nor https:/],
    ["tlsrpt@example.com", /neither mailto: nor https:/],
    ["mailto:", /not mailto: with a valid address/],
    ["mailto:tlsrpt", /not mailto: with a valid address/],
    ["mailto:@example.com", /not mailto: with a valid address/],
    ["mailto:a b@example.com", /not mailto: with a valid address/],
    ["mailto:tlsrpt@192.0.2.1", /not mailto: with a valid address/],
    ["mailto:tlsrpt@localhost", /not mailto: with a valid address/],
    ["https://", /not a valid https: URL|no valid host/],
    ["https:reports.example.com", /needs "https:\/\/"/],
    ["https://192.0.2.1/report", /no valid host/],
    ["mailto:tlsrpt@bücher.example", /non-ASCII.*A-labels/],
    ["https://reports.example.com/%zz", /two hex digits/],
  ])("refuses %j and shows a right form", (uri, reason) => {
    const message = issueAt(rua(uri), "tlsRpt.rua[0]");
    expect(message).toMatch(reason);
    expect(message).toMatch(/mailto:tlsrpt@example\.com.*https:\/\/reports\.example\.com/);
  });

  it("refuses an empty rua list", () => {
    expect(issueAt(rua(), "tlsRpt.rua")).toMatch(/at least one mailto: or https: URI/);
  });

  it("reports the bad URI at its own index", () => {
    expect(issuesOf(rua("mailto:a@example.com", "http://x.example.com/")).map((i) => i.path)).toEqual(["tlsRpt.rua[1]"]);
  });
});

describe("unknown keys never pass silently", () => {
  it.each([
    ["policy.maxage", "maxAgeSeconds", { ...base, policy: { ...base.policy, maxage: 5 } }],
    ["policy.max_age", "maxAgeSeconds", { ...base, policy: { ...base.policy, max_age: 5 } }],
    ["policy.Mode", "mode", { ...base, policy: { ...base.policy, Mode: "enforce" } }],
    ["policy.mxs", "mx", { ...base, policy: { ...base.policy, mxs: [] } }],
    ["tlsrpt", "tlsRpt", { ...base, tlsrpt: { rua: ["mailto:a@example.com"] } }],
    ["tlsRpt.ruas", "rua", { ...base, tlsRpt: { ruas: ["mailto:a@example.com"] } }],
    ["domian", "domain", { ...base, domian: "example.com" }],
  ])("reports the typo at %s and suggests %j", (path, suggestion, input) => {
    expect(issueAt(input, path)).toBe(`unknown field; did you mean "${suggestion}"?`);
  });

  it("lists the known fields when nothing is close", () => {
    expect(issueAt({ ...base, colour: "blue" }, "colour")).toMatch(/known fields: domain, policy, tlsRpt/);
  });

  it("closest() ranks by edit distance, so a one-letter typo beats a shorter prefix", () => {
    expect(closest("hostedZoneld", ["host", "hostedZoneId"])).toBe("hostedZoneId");
    expect(closest("maxage", ["mode", "mx", "maxAgeSeconds"])).toBe("maxAgeSeconds");
    expect(closest("zzzzzz", ["mode", "mx"])).toBeUndefined();
  });

  it("refuses a config that is not an object, with an example of one", () => {
    expect(issueAt("example.com", "(config)")).toMatch(/domain: example\.com, policy/);
  });
});

describe("warnings for risky but legal values (RFC 8461 §3.2: max_age of weeks or more)", () => {
  const warningsOf = (input: unknown) => intentOf(input).warnings;

  it.each([0, 3600, 86399])("warns that %d s is under one day, at policy.maxAgeSeconds", (maxAgeSeconds) => {
    expect(warningsOf(withPolicy({ maxAgeSeconds }))).toEqual([{ path: "policy.maxAgeSeconds", message: expect.stringMatching(/under one day/) }]);
  });

  it.each([86400, 604800, 1209599])("warns that %d s in enforce is under 14 days", (maxAgeSeconds) => {
    expect(warningsOf(withPolicy({ mode: "enforce", maxAgeSeconds }))).toEqual([{ path: "policy.maxAgeSeconds", message: expect.stringMatching(/under 14 days/) }]);
  });

  // The one-week default is ours: warning about it flagged every enforce domain that left
  // max_age out, and changing it would republish all of them.
  it("does not warn about the one-week default it applies itself, only about a value the config gives", () => {
    const defaulted = validateMailDomain({ domain: "example.com", policy: { mode: "enforce", mx: ["mx.example.com"] } });
    expect(defaulted.ok && defaulted.value.policy.maxAgeSeconds).toBe(604800);
    expect(warningsOf({ domain: "example.com", policy: { mode: "enforce", mx: ["mx.example.com"] } })).toEqual([]);
    expect(warningsOf({ domain: "example.com", policy: { mode: "enforce", mx: ["mx.example.com"], maxAgeSeconds: 604800 } })).toHaveLength(1);
  });

  it.each([
    ["enforce", 1209600],
    ["testing", 86400],
    ["none", 86400],
  ])("does not warn for %s with %d s", (mode, maxAgeSeconds) => {
    expect(warningsOf(withPolicy({ mode, maxAgeSeconds }))).toEqual([]);
  });

  it("prefixes warning paths with the caller's path", () => {
    const result = validateMailDomain(withPolicy({ maxAgeSeconds: 60 }), ["domains", 4]);
    expect(result.ok && result.warnings.map((w) => w.path)).toEqual(["domains[4].policy.maxAgeSeconds"]);
  });
});
