/** The checker's DNS access (components/check/dns-lookup.ts) against a local DNS server. */
import { createDnsLookup, DnsLookupError, parseServerAddress } from "../../../components/check/dns-lookup";
import { startDnsServer, TestDnsServer } from "../../support/dns-server";

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    "_smtp._tls.example.test": { TXT: [["v=TLSRPTv1; rua=mailto:a@example.test,", "mailto:b@example.test"], ["unrelated"]] },
    "example.test": { MX: [{ priority: 10, exchange: "mx1.example.test" }] },
    "mta-sts.example.test": { A: ["127.0.0.1"], AAAA: ["::1"] },
    "v4only.example.test": { A: ["127.0.0.2"] },
    "nomx.example.test": { A: ["127.0.0.3"] },
  });
});
afterAll(() => dns.close());

const lookup = () => createDnsLookup({ server: dns.address, timeoutMs: 300, tries: 1 });

describe("RFC 1035 §3.3.14, RFC 8461 §3.1: what the checker reads from the DNS", () => {
  test("TXT records keep their character-strings, one list per record", async () => {
    expect(await lookup().txt("_smtp._tls.example.test")).toEqual([["v=TLSRPTv1; rua=mailto:a@example.test,", "mailto:b@example.test"], ["unrelated"]]);
  });

  test("NXDOMAIN and NODATA are empty answers, not errors", async () => {
    expect(await lookup().txt("_mta-sts.absent.test")).toEqual([]);
    expect(await lookup().mx("mta-sts.example.test")).toEqual([]);
  });

  test("MX exchanges come without the trailing dot; addresses are A and AAAA", async () => {
    expect(await lookup().mx("example.test")).toEqual([{ priority: 10, exchange: "mx1.example.test" }]);
    expect((await lookup().addresses("mta-sts.example.test")).sort()).toEqual(["127.0.0.1", "::1"]);
    expect(await lookup().addresses("v4only.example.test")).toEqual(["127.0.0.2"]);
  });

  test("no answer at all is a DnsLookupError naming the question and the code", async () => {
    dns.mode = "drop";
    try {
      const error = await lookup().txt("_mta-sts.example.test").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DnsLookupError);
      expect(error).toMatchObject({ queryName: "_mta-sts.example.test", rrtype: "TXT", code: "ETIMEOUT", name: "DnsLookupError" });
    } finally {
      dns.mode = "answer";
    }
  });
});

describe("a name that does not exist (NXDOMAIN) is told apart from one without the record (NODATA)", () => {
  test("nameExists is false for NXDOMAIN, true for a name with or without MX records", async () => {
    expect(await lookup().nameExists("nowhere.test")).toBe(false);
    expect(await lookup().nameExists("example.test")).toBe(true);
    expect(await lookup().nameExists("nomx.example.test")).toBe(true);
  });

  test("no answer at all is a DnsLookupError, not a name that does not exist", async () => {
    dns.mode = "drop";
    try {
      await expect(lookup().nameExists("example.test")).rejects.toMatchObject({ name: "DnsLookupError", code: "ETIMEOUT" });
    } finally {
      dns.mode = "answer";
    }
  });
});

describe("the time limit bounds each question, retries included", () => {
  // The server receives the question and never answers. c-ares doubles its per-try timeout at each
  // retry, so a 1.5 s limit with 2 tries took 1.5 + 3 s before; the jest timeout (3.5 s) sits well
  // above the limit and below what the old code took: not a timed assert, a test that fails by
  // timing out if a question outlives its limit.
  test(
    "a dropped question ends with ETIMEOUT within its time limit (2 tries)",
    async () => {
      dns.mode = "drop";
      try {
        const asked = dns.queries.length;
        const error = await createDnsLookup({ server: dns.address, timeoutMs: 1500 }).txt("_mta-sts.example.test").catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DnsLookupError);
        expect(error).toMatchObject({ code: "ETIMEOUT" });
        // Both tries reached the server within the limit.
        expect(dns.queries.slice(asked).filter((q) => q === "TXT _mta-sts.example.test").length).toBe(2);
      } finally {
        dns.mode = "answer";
      }
    },
    3500,
  );
});

describe("--resolver addresses are checked by node's own IP parser", () => {
  test.each(["999.1.1.1", "[:::]", "1::2::3", "1.2.3", "dns.example:53", "127.0.0.1:0", "127.0.0.1:65536"])("%j is refused with a message that names it", (value) => {
    expect(() => parseServerAddress(value)).toThrow(new RegExp(`^"${value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" (is not an address|has port)`));
  });

  test.each([
    ["127.0.0.1", "127.0.0.1:53"],
    ["127.0.0.1:5353", "127.0.0.1:5353"],
    ["::1", "[::1]:53"],
    ["[::1]:5353", "[::1]:5353"],
    ["[2001:db8::1]", "[2001:db8::1]:53"],
  ])("%j is the server %j", (value, server) => {
    expect(parseServerAddress(value)).toBe(server);
  });

  test.each(["dns.example.com", "127.0.0.1:70000", ""])("%j is refused as a TypeError (bad input, not a failure to run)", (value) => {
    expect(() => parseServerAddress(value)).toThrow(TypeError);
  });
});
