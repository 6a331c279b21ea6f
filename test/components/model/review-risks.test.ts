/**
 * The review rules of `plan --base` (components/model/review-risks.ts), judged on plain facts:
 * what a domain published before and after, and which resources claim `mta-sts.<domain>`.
 */
import { renderMailDomain } from "../../../components/model/rendered";
import { claimsCollide, DomainChange, HostNameClaim, judgeDomainChange, PublishedDomain, REVIEW_RULES } from "../../../components/model/review-risks";
import { MailDomainIntent } from "../../../components/model/config";
import { PolicyIntent } from "../../../components/model/policy";

function published(policy: PolicyIntent, options: { tlsRpt?: boolean; host?: string } = {}): PublishedDomain {
  const intent: MailDomainIntent = {
    domain: "example.com",
    policyHost: "mta-sts.example.com",
    policy,
    ...(options.tlsRpt === false ? {} : { tlsRpt: { rua: ["mailto:tlsrpt@example.com"] } }),
  };
  const r = renderMailDomain(intent);
  return { policyText: r.policyText, policyId: r.policyId, ...(r.tlsRptRecord ? { tlsRptRecord: r.tlsRptRecord } : {}), host: options.host ?? "aws (AwsMtaSts)" };
}

const testing = published({ mode: "testing", mx: ["mx1.example.com", "*.mail.example.com"], maxAgeSeconds: 604800 });
const enforce = published({ mode: "enforce", mx: ["mx1.example.com", "*.mail.example.com"], maxAgeSeconds: 604800 });

function change(before: PublishedDomain | undefined, after: PublishedDomain | undefined, extra: Partial<DomainChange> = {}): DomainChange {
  return { domain: "example.com", ...(before ? { before } : {}), ...(after ? { after } : {}), newClaims: [], releasedClaims: [], replacedHostResources: [], ...extra };
}

const codes = (c: DomainChange) => judgeDomainChange(c).map((r) => `${r.code}:${r.severity}`);

describe("the rule table", () => {
  test("every rule has a code, a severity and a one-line fix", () => {
    expect(REVIEW_RULES.map((r) => r.code)).toEqual([
      "domain-removed-while-active",
      "id-changed-without-policy-change",
      "enforce-enabled",
      "mx-removed-under-enforce",
      "tlsrpt-removed",
      "policy-host-replaced",
      "max-age-lowered",
    ]);
    for (const rule of REVIEW_RULES) {
      expect(["block", "warn", "info"]).toContain(rule.severity);
      expect(rule.fix).not.toContain("\n");
      expect(rule.fix.length).toBeGreaterThan(10);
    }
  });
});

describe("domain-removed-while-active (RFC 8461 §5.1: senders keep a cached policy for max_age)", () => {
  test("removing a domain in testing or enforce blocks, naming max_age", () => {
    for (const before of [testing, enforce]) {
      const risks = judgeDomainChange(change(before, undefined));
      expect(risks.map((r) => r.code)).toEqual(["domain-removed-while-active"]);
      expect(risks[0].severity).toBe("block");
      expect(risks[0].message).toContain("7 days (max_age 604800)");
      expect(risks[0].fix).toContain("mode: none");
      expect(risks[0].fix).toContain("--allow domain-removed-while-active");
    }
  });

  test("removing a domain already retired with mode none is fine", () => {
    expect(codes(change(published({ mode: "none", mx: [], maxAgeSeconds: 86400 }), undefined))).toEqual([]);
  });
});

describe("id-changed-without-policy-change (the id is the hash of the served bytes)", () => {
  test("an id that moves while the bytes stay the same blocks", () => {
    expect(codes(change(testing, { ...testing, policyId: "0".repeat(32) }))).toEqual(["id-changed-without-policy-change:block"]);
  });

  test("an id that moves with the bytes is what should happen", () => {
    expect(codes(change(testing, published({ mode: "testing", mx: ["mx2.example.com"], maxAgeSeconds: 604800 })))).toEqual([]);
  });
});

describe("enforce-enabled", () => {
  test("testing → enforce warns and names the mx patterns mail must match", () => {
    const [risk] = judgeDomainChange(change(testing, enforce));
    expect(risk.code).toBe("enforce-enabled");
    expect(risk.severity).toBe("warn");
    expect(risk.message).toContain("from testing to enforce");
    expect(risk.message).toContain("*.mail.example.com, mx1.example.com");
  });

  test("a domain added straight in enforce warns too; staying in enforce does not", () => {
    expect(judgeDomainChange(change(undefined, enforce))[0].message).toContain("is added in enforce");
    expect(codes(change(enforce, enforce))).toEqual([]);
  });
});

describe("mx-removed-under-enforce", () => {
  test("dropping a pattern while in enforce warns with the dropped pattern", () => {
    const after = published({ mode: "enforce", mx: ["*.mail.example.com"], maxAgeSeconds: 604800 });
    const risks = judgeDomainChange(change(enforce, after));
    expect(risks.map((r) => r.code)).toEqual(["mx-removed-under-enforce"]);
    expect(risks[0].message).toContain("drops mx mx1.example.com");
  });

  test("dropping a host that a remaining wildcard still admits is harmless (RFC 8461 §4.1)", () => {
    const before = published({ mode: "enforce", mx: ["a.mail.example.com", "*.mail.example.com"], maxAgeSeconds: 604800 });
    const after = published({ mode: "enforce", mx: ["*.mail.example.com"], maxAgeSeconds: 604800 });
    expect(codes(change(before, after))).toEqual([]);
  });

  test("dropping a pattern in testing is not this risk", () => {
    expect(codes(change(testing, published({ mode: "testing", mx: ["mx1.example.com"], maxAgeSeconds: 604800 })))).toEqual([]);
  });
});

describe("tlsrpt-removed (RFC 8460 §3)", () => {
  test("the _smtp._tls record going away from a domain that stays warns", () => {
    const after = published({ mode: "testing", mx: ["mx1.example.com", "*.mail.example.com"], maxAgeSeconds: 604800 }, { tlsRpt: false });
    expect(codes(change(testing, after))).toEqual(["tlsrpt-removed:warn"]);
  });
});

describe("max-age-lowered", () => {
  test("a shorter max_age is information, naming both values", () => {
    const after = published({ mode: "testing", mx: ["mx1.example.com", "*.mail.example.com"], maxAgeSeconds: 86400 });
    const [risk] = judgeDomainChange(change(testing, after));
    expect(risk).toMatchObject({ code: "max-age-lowered", severity: "info" });
    expect(risk.message).toContain("from 604800 to 86400");
  });
});

describe("policy-host-replaced", () => {
  const cdn = (resource: string): HostNameClaim => ({ resource, kind: "cloudfront-alias" });
  const record = (resource: string, recordType: string, zone = "route53 Z1"): HostNameClaim => ({ resource, kind: "dns-record", recordType, zone });

  test("moving the alias from one CloudFront distribution to another in one change blocks", () => {
    const risks = judgeDomainChange(change(testing, testing, { newClaims: [cdn("group-3-cdn")], releasedClaims: [cdn("group-2-cdn")] }));
    expect(risks.map((r) => `${r.code}:${r.severity}`)).toEqual(["policy-host-replaced:block"]);
    expect(risks[0].message).toContain("distribution group-3-cdn takes mta-sts.example.com while distribution group-2-cdn still has it");
    expect(risks[0].message).toContain("two deployments");
  });

  test("a CNAME where A and AAAA records still stand blocks (RFC 1034 §3.6.2)", () => {
    const risks = judgeDomainChange(change(testing, testing, { newClaims: [record("shared-cname", "CNAME")], releasedClaims: [record("own-a", "A"), record("own-aaaa", "AAAA")] }));
    expect(risks[0].severity).toBe("block");
    expect(risks[0].message).toContain("CNAME record shared-cname takes mta-sts.example.com while A record own-a and AAAA record own-aaaa still have it");
  });

  test("a host kind change without a colliding claim warns", () => {
    const after = { ...testing, host: "cloudflare-worker (CloudflareMtaSts)" };
    const risks = judgeDomainChange(
      change(testing, after, { newClaims: [{ resource: "w-domain", kind: "worker-custom-domain", zone: "cloudflare Z2" }], releasedClaims: [record("own-a", "A")] }),
    );
    expect(risks.map((r) => `${r.code}:${r.severity}`)).toEqual(["policy-host-replaced:warn"]);
    expect(risks[0].message).toContain("the host changes from aws (AwsMtaSts) to cloudflare-worker (CloudflareMtaSts)");
  });

  test("a replaced certificate warns; adding a domain that replaces its group's certificate warns on that domain", () => {
    expect(codes(change(testing, testing, { replacedHostResources: ["certificate own-cert"] }))).toEqual(["policy-host-replaced:warn"]);
    const [risk] = judgeDomainChange(change(undefined, testing, { replacedHostResources: ["certificate g03-cert (also serving example.net)"] }));
    expect(risk.message).toContain("adding it replaces certificate g03-cert (also serving example.net)");
  });

  test("which claims on one name collide", () => {
    expect(claimsCollide(cdn("a"), cdn("b"))).toBe(true);
    expect(claimsCollide(record("a", "A"), record("b", "AAAA"))).toBe(false);
    expect(claimsCollide(record("a", "A"), record("b", "A"))).toBe(true);
    expect(claimsCollide(record("a", "CNAME", "cloudflare Z"), record("b", "CNAME", "cloudflare Z"))).toBe(true);
    expect(claimsCollide(record("a", "CNAME", "route53 Z1"), record("b", "CNAME", "cloudflare Z2"))).toBe(false);
    expect(claimsCollide(cdn("a"), record("b", "CNAME"))).toBe(false);
    expect(claimsCollide({ resource: "w", kind: "worker-custom-domain", zone: "cloudflare Z" }, record("b", "CNAME", "cloudflare Z"))).toBe(true);
  });
});
