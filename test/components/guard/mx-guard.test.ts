/**
 * The enforce guard (components/guard/mx-guard.ts): before `mode: enforce` is deployed, every
 * live MX host must match a policy mx pattern (RFC 8461 §4.1), or senders honouring the policy
 * refuse to deliver to it (RFC 8461 §5) and mail bounces.
 */
import { checkMxCoverage, dnsMxResolver, dnsResolverIssues, MxResolver } from "../../../components/guard/mx-guard";
import { startDnsServer, TestDnsServer } from "../../support/dns-server";

const fixed = (hosts: string[]): MxResolver => async () => hosts;

describe("RFC 8461 §4.1, §5: live MX coverage before deploying", () => {
  test("enforce with an uncovered live MX is an error naming the host", async () => {
    const result = await checkMxCoverage({ domain: "example.com", mode: "enforce", mx: ["mx1.example.com"] }, fixed(["mx1.example.com", "mx2.example.com"]));
    expect(result.level).toBe("error");
    expect(result.uncovered).toEqual(["mx2.example.com"]);
    expect(result.message).toMatch(/mx2\.example\.com not matched.*bounce/);
  });

  test("testing with the same gap is a warning", async () => {
    const result = await checkMxCoverage({ domain: "example.com", mode: "testing", mx: ["mx1.example.com"] }, fixed(["mx1.example.com", "mx2.example.com"]));
    expect(result.level).toBe("warning");
    expect(result.uncovered).toEqual(["mx2.example.com"]);
  });

  test("enforce with every MX covered (exact name or one-label wildcard, any case, trailing dot) is ok", async () => {
    const result = await checkMxCoverage(
      { domain: "example.com", mode: "enforce", mx: ["mx1.example.com", "*.mail.example.com"] },
      fixed(["MX1.example.com.", "a.mail.example.com"]),
    );
    expect(result).toMatchObject({ level: "ok", uncovered: [] });
  });

  test("a wildcard does not cover two labels (RFC 8461 §4.1)", async () => {
    const result = await checkMxCoverage({ domain: "example.com", mode: "enforce", mx: ["*.example.com"] }, fixed(["a.b.example.com"]));
    expect(result).toMatchObject({ level: "error", uncovered: ["a.b.example.com"] });
  });

  test("an IDN pattern written in Unicode covers the MX host the DNS returns as an A-label", async () => {
    const result = await checkMxCoverage({ domain: "bücher.example", mode: "enforce", mx: ["mx.bücher.example"] }, fixed(["mx.xn--bcher-kva.example"]));
    expect(result).toMatchObject({ level: "ok", uncovered: [] });
  });

  test("mode none is ok without asking the DNS", async () => {
    const resolve = jest.fn(fixed(["mx9.example.com"]));
    const result = await checkMxCoverage({ domain: "example.com", mode: "none", mx: [] }, resolve);
    expect(result.level).toBe("ok");
    expect(resolve).not.toHaveBeenCalled();
  });

  test("a domain with no MX records is a warning that says how to turn the check off", async () => {
    const result = await checkMxCoverage({ domain: "example.com", mode: "enforce", mx: ["mx1.example.com"] }, fixed([]));
    expect(result.level).toBe("warning");
    expect(result.message).toMatch(/no MX records.*turn the MX check off/);
  });

  test("a lookup failure refuses enforce (cannot show it is safe) and only warns in testing", async () => {
    const failing: MxResolver = async () => {
      throw new Error("DNS MX lookup of example.com failed: ETIMEOUT");
    };
    const enforce = await checkMxCoverage({ domain: "example.com", mode: "enforce", mx: ["mx1.example.com"] }, failing);
    const testing = await checkMxCoverage({ domain: "example.com", mode: "testing", mx: ["mx1.example.com"] }, failing);
    expect(enforce.level).toBe("error");
    expect(enforce.message).toMatch(/ETIMEOUT/);
    expect(testing.level).toBe("warning");
  });
});

describe("the default resolver (node:dns) against a local DNS server", () => {
  let dns: TestDnsServer;
  beforeAll(async () => {
    dns = await startDnsServer({
      "example.test": { MX: [{ priority: 20, exchange: "mx2.example.test" }, { priority: 10, exchange: "mx1.example.test" }] },
      "nullmx.test": { MX: [{ priority: 0, exchange: "" }] },
      "nomx.test": { A: ["192.0.2.1"] },
    });
  });
  afterAll(() => dns.close());

  test("resolves the live MX hosts through the given host:port server", async () => {
    const hosts = await dnsMxResolver({ server: dns.address })("example.test");
    expect(hosts.sort()).toEqual(["mx1.example.test", "mx2.example.test"]);
    expect(dns.queries).toContain("MX example.test");
  });

  test("enforce refuses when the local DNS lists an MX the policy lacks", async () => {
    const result = await checkMxCoverage({ domain: "example.test", mode: "enforce", mx: ["mx1.example.test"] }, dnsMxResolver({ server: dns.address }));
    expect(result).toMatchObject({ level: "error", uncovered: ["mx2.example.test"] });
  });

  test("a null MX (RFC 7505) is ok: the domain receives no mail", async () => {
    const result = await checkMxCoverage({ domain: "nullmx.test", mode: "enforce", mx: ["mx1.nullmx.test"] }, dnsMxResolver({ server: dns.address }));
    expect(result.level).toBe("ok");
    expect(result.message).toMatch(/null MX/);
  });

  test("NODATA and NXDOMAIN are no MX records, not an error", async () => {
    const resolve = dnsMxResolver({ server: dns.address });
    await expect(resolve("nomx.test")).resolves.toEqual([]);
    await expect(resolve("absent.test")).resolves.toEqual([]);
  });

  test("a server that fails (SERVFAIL) rejects, so enforce is refused", async () => {
    dns.mode = "servfail";
    try {
      const result = await checkMxCoverage({ domain: "example.test", mode: "enforce", mx: ["mx1.example.test"] }, dnsMxResolver({ server: dns.address, timeoutMs: 500 }));
      expect(result.level).toBe("error");
      expect(result.message).toMatch(/could not look up/);
    } finally {
      dns.mode = "answer";
    }
  });
});

describe("dnsResolverIssues: the dnsResolver arg every component takes", () => {
  test("accepts an IP address with or without a port, and no value", () => {
    for (const ok of [undefined, "127.0.0.1", "127.0.0.1:5353", "[::1]:53"]) expect(dnsResolverIssues(ok)).toEqual([]);
  });
  test("names the field for a host name or a value that is not text", () => {
    expect(dnsResolverIssues("dns.example.com")).toEqual([{ path: "dnsResolver", message: expect.stringContaining("not an address") }]);
    expect(dnsResolverIssues(53)).toEqual([{ path: "dnsResolver", message: 'must be text such as "127.0.0.1:5353"' }]);
  });
});
