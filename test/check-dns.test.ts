/** The checker's DNS access (components/check/dns-lookup.ts) against a local DNS server. */
import { createDnsLookup, DnsLookupError } from "../components/check/dns-lookup";
import { startDnsServer, TestDnsServer } from "./support/dns-server";

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startDnsServer({
    "_smtp._tls.example.test": { TXT: [["v=TLSRPTv1; rua=mailto:a@example.test,", "mailto:b@example.test"], ["unrelated"]] },
    "example.test": { MX: [{ priority: 10, exchange: "mx1.example.test" }] },
    "mta-sts.example.test": { A: ["127.0.0.1"], AAAA: ["::1"] },
    "v4only.example.test": { A: ["127.0.0.2"] },
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
