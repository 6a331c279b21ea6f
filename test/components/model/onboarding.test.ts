/**
 * The onboarding model: from what a domain's DNS says today to its stack-config entry. Grouped by
 * the rule each case defends; the last group is a property over generated MX sets (the mx list
 * admits every live MX, RFC 8461 §4.1, whatever the provider table says).
 */
import fc from "fast-check";
import { mxMatches, renderPolicy, renderStsRecord, policyId } from "../../../components/model";
import { MAIL_PROVIDERS, providerOfHost, providerPatterns } from "../../../components/model/mx-providers";
import { DomainObservation, onboardDomain, OnboardedDomain, Onboarding } from "../../../components/model/onboarding";

const ok = <T>(value: T) => ({ ok: true as const, value });
const mx = (...hosts: [number, string][]) => ok(hosts.map(([priority, exchange]) => ({ priority, exchange })));

/** A domain with MX records and nothing of MTA-STS yet. */
function bare(domain: string, mxRecords: DomainObservation["mx"], extra: Partial<DomainObservation> = {}): DomainObservation {
  return { domain, mx: mxRecords, stsTxt: ok([]), tlsRptTxt: ok([]), policyHostAddresses: ok([]), ...extra };
}

/** A domain serving `policy` under a valid record. */
function publishing(domain: string, mxRecords: ReturnType<typeof mx>, policy: { mode: "enforce" | "testing" | "none"; mx: string[]; maxAgeSeconds: number }, extra: Partial<DomainObservation> = {}): DomainObservation {
  const body = renderPolicy(policy);
  return bare(domain, mxRecords, {
    stsTxt: ok([[renderStsRecord(policyId(body))]]),
    policyHostAddresses: ok(["192.0.2.10"]),
    servedPolicy: { fetched: true, status: 200, contentType: "text/plain", body },
    ...extra,
  });
}

function entry(result: Onboarding): OnboardedDomain {
  if (result.kind !== "entry") throw new Error(`expected an entry, got ${result.kind}: ${result.reason}`);
  return result;
}

const route53 = { dns: "route53" as const };

describe("a domain new to MTA-STS starts in testing, with every live MX in order of preference", () => {
  test("two MX hosts of the domain's own: testing, both listed, lowest preference first, each saying so", () => {
    const e = entry(onboardDomain(bare("example.test", mx([20, "mx2.example.test"], [10, "MX1.example.test."])), route53));
    expect(e.mode).toBe("testing");
    expect(e.modeSource).toMatch(/new to MTA-STS/);
    expect(e.mx).toEqual([
      { pattern: "mx1.example.test", source: "live MX, preference 10" },
      { pattern: "mx2.example.test", source: "live MX, preference 20" },
    ]);
    expect(e.liveMx).toEqual(["mx1.example.test", "mx2.example.test"]);
    expect(e.maxAgeSeconds).toBeUndefined();
    expect(e.alerts).toEqual([]);
  });

  test("the same host twice (two preferences) is listed once", () => {
    const e = entry(onboardDomain(bare("example.test", mx([10, "mx.example.test"], [20, "mx.example.test"])), route53));
    expect(e.mx.map((m) => m.pattern)).toEqual(["mx.example.test"]);
  });
});

describe("known providers get their documented patterns, checked against every live MX", () => {
  test("Google Workspace before 2023 (aspmx.l.google.com and alt1 to alt4): smtp.google.com, aspmx.l.google.com and *.aspmx.l.google.com", () => {
    const e = entry(onboardDomain(bare("g.test", mx([1, "aspmx.l.google.com"], [5, "alt1.aspmx.l.google.com"], [5, "alt2.aspmx.l.google.com"], [10, "alt3.aspmx.l.google.com"], [10, "alt4.aspmx.l.google.com"])), route53));
    expect(e.mx.map((m) => m.pattern)).toEqual(["smtp.google.com", "aspmx.l.google.com", "*.aspmx.l.google.com"]);
    for (const m of e.mx) expect(m.source).toMatch(/^Google Workspace's documented MX hosts \(https:\/\/support\.google\.com\/a\/answer\/174125\)$/);
  });

  test("Google Workspace since 2023 (the single smtp.google.com): the same three patterns, so a later move between Google's sets stays covered", () => {
    const e = entry(onboardDomain(bare("g2.test", mx([1, "smtp.google.com"])), route53));
    expect(e.mx.map((m) => m.pattern)).toEqual(["smtp.google.com", "aspmx.l.google.com", "*.aspmx.l.google.com"]);
  });

  test("Microsoft 365: *.mail.protection.outlook.com", () => {
    const e = entry(onboardDomain(bare("m.test", mx([0, "m-test.mail.protection.outlook.com"])), route53));
    expect(e.mx).toEqual([{ pattern: "*.mail.protection.outlook.com", source: expect.stringMatching(/^Microsoft 365's documented MX hosts \(https:\/\/learn\.microsoft\.com\//) }]);
  });

  test("a provider's host that its patterns do not admit (Google's old aspmx2.googlemail.com) is listed as it is, with a note", () => {
    const e = entry(onboardDomain(bare("old.test", mx([1, "aspmx.l.google.com"], [10, "aspmx2.googlemail.com"])), route53));
    expect(e.mx.map((m) => m.pattern)).toEqual(["smtp.google.com", "aspmx.l.google.com", "*.aspmx.l.google.com", "aspmx2.googlemail.com"]);
    expect(e.notes.join("\n")).toMatch(/aspmx2\.googlemail\.com looks like Google Workspace's but its documented patterns do not admit it/);
  });

  test("the table is checked, not trusted: a provider whose patterns miss a live host (one label too deep) still gets the host listed", () => {
    const wrong = [{ name: "Example Mail", hostDomains: ["mail.example.net"], patterns: ["*.mail.example.net"], source: "https://example.net/docs" }];
    const e = entry(onboardDomain(bare("w.test", mx([10, "in.eu.mail.example.net"], [20, "in2.mail.example.net"])), { ...route53, providers: wrong }));
    expect(e.mx.map((m) => m.pattern)).toEqual(["*.mail.example.net", "in.eu.mail.example.net"]);
    for (const host of e.liveMx) expect(e.mx.some((m) => mxMatches(m.pattern, host))).toBe(true);
  });

  test("a domain mixing a provider and its own relay gets the provider's patterns and the relay's name", () => {
    const e = entry(onboardDomain(bare("mix.test", mx([0, "mix-test.mail.protection.outlook.com"], [20, "relay.mix.test"])), route53));
    expect(e.mx.map((m) => m.pattern)).toEqual(["*.mail.protection.outlook.com", "relay.mix.test"]);
  });

  test("every table entry names its provider's own page, and its patterns are valid mx patterns", () => {
    for (const p of MAIL_PROVIDERS) {
      expect(p.source).toMatch(/^https:\/\/[a-z0-9.-]+\//);
      expect(p.patterns.length).toBeGreaterThan(0);
      // Each pattern admits a host under the provider's domains: the table describes its own hosts.
      for (const pattern of p.patterns) expect(p.hostDomains.some((d) => pattern.replace(/^\*\./, "") === d || pattern.replace(/^\*\./, "").endsWith(`.${d}`))).toBe(true);
    }
    expect(providerOfHost("ALT3.ASPMX.L.GOOGLE.COM.")?.name).toBe("Google Workspace");
    expect(providerOfHost("notgoogle.com")).toBeUndefined();
    expect(providerPatterns(["in1-smtp.messagingengine.com"])[0]).toMatchObject({ covered: ["in1-smtp.messagingengine.com"], uncovered: [] });
  });
});

describe("a domain that already publishes a policy keeps its mode; the mx list adds every live MX it misses", () => {
  test("enforce missing one live MX: stays enforce, keeps max_age, the published patterns first, the missing host added, and an alert (mail bounces today)", () => {
    const obs = publishing("p.test", mx([10, "mx1.p.test"], [20, "mx2.p.test"]), { mode: "enforce", mx: ["mx1.p.test"], maxAgeSeconds: 1209600 });
    const e = entry(onboardDomain(obs, route53));
    expect(e.mode).toBe("enforce");
    expect(e.modeSource).toMatch(/^kept from the policy it publishes now \(id [0-9a-f]{32}\)$/);
    expect(e.maxAgeSeconds).toEqual({ value: 1209600, source: "kept from the published policy" });
    expect(e.mx).toEqual([
      { pattern: "mx1.p.test", source: "published in the policy served at mta-sts.p.test" },
      { pattern: "mx2.p.test", source: "live MX, preference 20, not admitted by the published policy" },
    ]);
    expect(e.alerts).toHaveLength(1);
    expect(e.alerts[0]).toMatch(/^p\.test: the enforce policy it serves now does not admit live MX mx2\.p\.test: .* mail to them bounces today/);
  });

  test("testing missing one live MX: stays testing, the host added with a note, no alert", () => {
    const obs = publishing("t.test", mx([10, "mx1.t.test"], [20, "mx2.t.test"]), { mode: "testing", mx: ["mx1.t.test"], maxAgeSeconds: 86400 });
    const e = entry(onboardDomain(obs, route53));
    expect(e.mode).toBe("testing");
    expect(e.alerts).toEqual([]);
    expect(e.notes.join("\n")).toMatch(/published testing policy of t\.test does not admit live MX mx2\.t\.test; added to mx/);
  });

  test("published patterns that already cover every live MX are kept as they are (a wildcard stays a wildcard)", () => {
    const obs = publishing("w.test", mx([10, "a.mail.w.test"], [10, "b.mail.w.test"]), { mode: "enforce", mx: ["*.mail.w.test"], maxAgeSeconds: 2592000 });
    expect(entry(onboardDomain(obs, route53)).mx.map((m) => m.pattern)).toEqual(["*.mail.w.test"]);
  });

  test("an uncovered live MX of a known provider gets the provider's patterns, not today's host name", () => {
    const obs = publishing("moved.test", mx([1, "smtp.google.com"]), { mode: "enforce", mx: ["mx.moved.test"], maxAgeSeconds: 1209600 });
    expect(entry(onboardDomain(obs, route53)).mx.map((m) => m.pattern)).toEqual(["mx.moved.test", "smtp.google.com", "aspmx.l.google.com", "*.aspmx.l.google.com"]);
  });

  test("mode none (being retired) stays none, and its mx still admits every live MX, with a note (no alert: none bounces nothing)", () => {
    const obs = publishing("r.test", mx([10, "mx.r.test"]), { mode: "none", mx: [], maxAgeSeconds: 86400 });
    const e = entry(onboardDomain(obs, route53));
    expect(e.mode).toBe("none");
    expect(e.mx.map((m) => m.pattern)).toEqual(["mx.r.test"]);
    expect(e.alerts).toEqual([]);
    expect(e.notes).toContain("the published none policy of r.test does not list live MX mx.r.test; added to mx, so that a later testing or enforce admits it");
  });

  test("a record whose policy cannot be fetched, or answers 404, or does not parse: testing with the live MX, and a note saying why", () => {
    const base = publishing("x.test", mx([10, "mx.x.test"]), { mode: "enforce", mx: ["mx.x.test"], maxAgeSeconds: 1209600 });
    const cases: [DomainObservation["servedPolicy"], RegExp][] = [
      [{ fetched: false, reason: "connect: ECONNREFUSED" }, /its policy could not be fetched \(connect: ECONNREFUSED\)/],
      [{ fetched: true, status: 404, body: "not found" }, /answers HTTP 404/],
      [{ fetched: true, status: 200, contentType: "text/plain", body: "version: STSv1\r\nmode: Enforce\r\n" }, /is not valid \(line 2: mode is "Enforce"/],
    ];
    for (const [servedPolicy, note] of cases) {
      const e = entry(onboardDomain({ ...base, servedPolicy }, route53));
      expect(e.mode).toBe("testing");
      expect(e.modeSource).toMatch(/could not be read/);
      expect(e.mx.map((m) => m.pattern)).toEqual(["mx.x.test"]);
      expect(e.notes.join("\n")).toMatch(note);
    }
  });

  test("a policy served with a wrong content type is kept and said; the served header is quoted in at most 100 characters", () => {
    const base = publishing("ct.test", mx([10, "mx.ct.test"]), { mode: "testing", mx: ["mx.ct.test"], maxAgeSeconds: 86400 });
    const served = base.servedPolicy as { fetched: true; status: number; body: string };
    const e = entry(onboardDomain({ ...base, servedPolicy: { ...served, contentType: `text/html; ${"x".repeat(5000)}` } }, route53));
    expect(e.mode).toBe("testing");
    const note = e.notes.find((n) => n.startsWith("the policy is served as "))!;
    expect(note).toMatch(/^the policy is served as "text\/html; x+… \(4911 more characters\)", which senders refuse \(RFC 8461 §3\.2\)/);
    expect(note.length).toBeLessThan(300);
  });

  test("a policy served with a certificate senders refuse is kept (the owner's intent) and said", () => {
    const obs = publishing("c.test", mx([10, "mx.c.test"]), { mode: "enforce", mx: ["mx.c.test"], maxAgeSeconds: 1209600 });
    const served = { ...(obs.servedPolicy as { fetched: true; status: number; body: string }), certificateProblem: "the certificate expired on 2020-01-01" };
    const e = entry(onboardDomain({ ...obs, servedPolicy: served }, route53));
    expect(e.mode).toBe("enforce");
    expect(e.notes.join("\n")).toMatch(/certificate is refused by senders today \(the certificate expired on 2020-01-01\)/);
  });
});

describe("no MX, a null MX or no such domain: left out; a DNS question without answer: failed", () => {
  test("a null MX (RFC 7505 0 .) is left out: it receives no mail", () => {
    expect(onboardDomain(bare("null.test", mx([0, ""])), route53)).toEqual({ kind: "left-out", domain: "null.test", reason: expect.stringMatching(/null MX \(RFC 7505\): it receives no mail/) });
  });

  test("no MX records at all is left out", () => {
    expect(onboardDomain(bare("nomx.test", mx(), { exists: ok(true) }), route53)).toMatchObject({ kind: "left-out", reason: expect.stringMatching(/has no MX records/) });
  });

  test("a name that does not exist (NXDOMAIN) is left out, saying so", () => {
    expect(onboardDomain(bare("typo.test", mx(), { exists: ok(false) }), route53)).toMatchObject({ kind: "left-out", reason: expect.stringMatching(/does not exist in DNS \(NXDOMAIN\)/) });
  });

  test("a null MX next to real ones (RFC 7505 §3 forbids it) onboards the real ones, with a note", () => {
    const e = entry(onboardDomain(bare("both.test", mx([0, ""], [10, "mx.both.test"])), route53));
    expect(e.mx.map((m) => m.pattern)).toEqual(["mx.both.test"]);
    expect(e.notes.join("\n")).toMatch(/RFC 7505 §3 forbids/);
  });

  test("any question without an answer (timeout, SERVFAIL) fails the domain with the first reason and how many more", () => {
    const failed = onboardDomain(bare("dark.test", { ok: false, error: "DNS MX lookup of dark.test failed: ETIMEOUT" }, { stsTxt: { ok: false, error: "DNS TXT lookup of _mta-sts.dark.test failed: ESERVFAIL" } }), route53);
    expect(failed).toEqual({ kind: "failed", domain: "dark.test", reason: "DNS MX lookup of dark.test failed: ETIMEOUT (and 1 more question without an answer)" });
  });
});

describe("TLS-RPT and existing records", () => {
  test("an existing valid _smtp._tls record keeps its rua, even with --rua given", () => {
    const e = entry(onboardDomain(bare("r.test", mx([10, "mx.r.test"]), { tlsRptTxt: ok([["v=TLSRPTv1; rua=mailto:own@r.test"]]) }), { ...route53, rua: ["mailto:central@example.test"] }));
    expect(e.rua).toEqual({ value: ["mailto:own@r.test"], source: "kept from _smtp._tls.r.test" });
  });

  test("without a record, --rua; without --rua, no TLS-RPT and a note asking for it", () => {
    expect(entry(onboardDomain(bare("a.test", mx([10, "mx.a.test"])), { ...route53, rua: ["mailto:central@example.test"] })).rua).toEqual({ value: ["mailto:central@example.test"], source: "from --rua" });
    const none = entry(onboardDomain(bare("b.test", mx([10, "mx.b.test"])), route53));
    expect(none.rua).toBeUndefined();
    expect(none.notes.join("\n")).toMatch(/asks for no TLS reports: give --rua/);
  });

  test("Route 53: records that exist (_mta-sts, _smtp._tls, the policy host) set adoptExistingRecords, naming them", () => {
    const obs = publishing("p.test", mx([10, "mx.p.test"]), { mode: "testing", mx: ["mx.p.test"], maxAgeSeconds: 86400 }, { tlsRptTxt: ok([["v=TLSRPTv1; rua=mailto:r@p.test"]]) });
    expect(entry(onboardDomain(obs, route53)).adoptExistingRecords).toEqual({ source: "_mta-sts.p.test, _smtp._tls.p.test, mta-sts.p.test already exist: the first deployment replaces them in place" });
    expect(entry(onboardDomain(bare("n.test", mx([10, "mx.n.test"])), route53)).adoptExistingRecords).toBeUndefined();
  });

  test("Cloudflare: no adoptExistingRecords (refused there); a note says to import the records first", () => {
    const obs = publishing("p.test", mx([10, "mx.p.test"]), { mode: "testing", mx: ["mx.p.test"], maxAgeSeconds: 86400 });
    const e = entry(onboardDomain(obs, { dns: "cloudflare" }));
    expect(e.adoptExistingRecords).toBeUndefined();
    expect(e.notes.join("\n")).toMatch(/already exist at Cloudflare: import them before the first deployment/);
  });
});

describe("property: the mx list admits every live MX host (RFC 8461 §4.1)", () => {
  const label = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
  const ownHost = fc.array(label, { minLength: 2, maxLength: 4 }).map((l) => `${l.join(".")}.test`);
  const providerHost = fc.constantFrom(
    "aspmx.l.google.com", "alt1.aspmx.l.google.com", "smtp.google.com", "aspmx2.googlemail.com", "x.y.aspmx.l.google.com",
    "a-b.mail.protection.outlook.com", "in1-smtp.messagingengine.com", "in9-smtp.messagingengine.com", "mx.zoho.com", "mx7.zoho.com",
  );
  const hosts = fc.uniqueArray(fc.oneof(ownHost, providerHost), { minLength: 1, maxLength: 8 });
  const published = fc.option(fc.record({ mode: fc.constantFrom("enforce" as const, "testing" as const, "none" as const), mx: fc.uniqueArray(ownHost, { minLength: 1, maxLength: 3 }) }));

  test("new or published, own hosts or providers' (including hosts the table's patterns miss)", () => {
    fc.assert(
      fc.property(hosts, fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 8, maxLength: 8 }), published, (live, prefs, pub) => {
        const records = mx(...live.map((h, i): [number, string] => [prefs[i], h]));
        const obs = pub ? publishing("d.test", records, { ...pub, maxAgeSeconds: 86400 }) : bare("d.test", records);
        const e = entry(onboardDomain(obs, route53));
        for (const host of live) expect(e.mx.some((m) => mxMatches(m.pattern, host))).toBe(true);
        expect(new Set(e.mx.map((m) => m.pattern)).size).toBe(e.mx.length);
      }),
      { numRuns: 300 },
    );
  });
});
