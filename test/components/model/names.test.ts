/**
 * Names derived from a mail domain (components/model/names.ts): one name, one domain, and a
 * function of the domain alone.
 *
 * Trap: `shop.acme-example.org` and `shop-acme.example.org` both became
 * `mta-sts-shop-acme-example-org`; in one Cloudflare account the second Worker upload replaced
 * the first, and one domain served the other's policy (in enforce, its mail bounced).
 */
import fc from "fast-check";
import { componentName, defaultSiteName, encodeDomainName, previousComponentNames, SITE_NAME_MAX_LENGTH, siteNameProblem } from "../../../components/model/names";
import { normaliseHostname } from "../../../components/model/hostname";

/** Host names as the config normalises them: LDH labels, a letter-only last label. */
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const hostName = fc
  .tuple(fc.array(label, { minLength: 1, maxLength: 4 }), fc.stringMatching(/^[a-z]{2,6}$/))
  .map(([labels, tld]) => [...labels, tld].join("."))
  .filter((name) => normaliseHostname(name).ok);

/** Decode an encoded domain: a lone `-` was a dot, each `--` a hyphen. */
const decode = (encoded: string) => encoded.replace(/--|-/g, (run) => (run === "--" ? "-" : "."));

describe("one name, one domain", () => {
  test("shop.acme-example.org and shop-acme.example.org get different Worker names", () => {
    const a = defaultSiteName("shop.acme-example.org");
    const b = defaultSiteName("shop-acme.example.org");
    expect(a).toBe("mta-sts-shop-acme--example-org");
    expect(b).toBe("mta-sts-shop--acme-example-org");
    expect(a).not.toBe(b);
  });

  test("the encoding reads back to the domain, so no two domains share an encoded name", () => {
    fc.assert(fc.property(hostName, (domain) => decode(encodeDomainName(domain)) === domain));
    fc.assert(fc.property(hostName, hostName, (a, b) => a === b || componentName(a) !== componentName(b)));
  });

  test("an IDN's A-label keeps its double hyphen apart from a dot", () => {
    expect(componentName("xn--bcher-kva.example")).toBe("xn----bcher--kva-example");
    expect(decode(componentName("xn--bcher-kva.example"))).toBe("xn--bcher-kva.example");
  });

  test("a domain without hyphens keeps the names earlier versions gave it", () => {
    expect(componentName("example.com")).toBe("example-com");
    expect(defaultSiteName("mail.example.org")).toBe("mta-sts-mail-example-org");
  });

  test("a shortened site name is at most 58 characters and never equals another domain's name, shortened or not", () => {
    const long = `${"a".repeat(30)}.${"b".repeat(30)}.example`;
    const name = defaultSiteName(long);
    expect(name.length).toBeLessThanOrEqual(SITE_NAME_MAX_LENGTH);
    expect(siteNameProblem(name)).toBeUndefined();
    // Unshortened, every run of hyphens is one (a dot) or even (hyphens, which no dot touches);
    // the shortened name's run of exactly three therefore never occurs in one.
    expect(name).toMatch(/[a-z0-9]---[0-9a-f]{16}$/);
    const runs = (s: string) => (s.match(/-+/g) ?? []).map((r) => r.length);
    fc.assert(fc.property(hostName, (domain) => runs(`mta-sts-${encodeDomainName(domain)}`).every((n) => n === 1 || n % 2 === 0)));
    // Two long domains that agree on everything the cut keeps differ in the hash.
    expect(defaultSiteName(`${"a".repeat(60)}.example`)).not.toBe(defaultSiteName(`${"a".repeat(60)}.example2`));
  });

  test("every generated site name is a valid Worker and Pages name", () => {
    fc.assert(fc.property(hostName, (domain) => siteNameProblem(defaultSiteName(domain)) === undefined));
  });
});

describe("a function of the domain alone", () => {
  test("a component's name does not depend on the other domains or their order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(hostName, { minLength: 1, maxLength: 6 }), (domains) => {
        const names = domains.map(componentName);
        const reversed = [...domains].reverse().map(componentName).reverse();
        return new Set(names).size === domains.length && names.every((n, i) => n === reversed[i]);
      }),
    );
  });

  // What earlier versions did, and why it was replaced: the hash went to whichever came second.
  test("the previous names gave the hash suffix to the second of two clashing domains", () => {
    const forward = previousComponentNames(["a-b.example", "a.b-example"]);
    const backward = previousComponentNames(["a.b-example", "a-b.example"]);
    expect(forward.get("a-b.example")).toBe("a-b-example");
    expect(forward.get("a.b-example")).toMatch(/^a-b-example-[0-9a-f]{6}$/);
    expect(backward.get("a.b-example")).toBe("a-b-example");
  });
});
