/**
 * Policy pack, rule 1: `_mta-sts` / `_smtp._tls` TXT records, as Route 53 and Cloudflare resources
 * carry them, must be what a sender reads as one valid record (RFC 8461 §3.1, RFC 8460 §3).
 */
import { checkTxtRecord, checkTxtRecordsUnique, characterStrings, readMailTxtRecord } from "../../../policies/rules/txt-records";
import { UNKNOWN } from "../../../policies/rules";
import { cloudflareTxtContent, route53TxtValue } from "../../../components/dns/txt-values";
import { res } from "../../support/policy-resources";

const R53 = "aws:route53/record:Record";
const CF = "cloudflare:index/dnsRecord:DnsRecord";
const route53 = (name: string, records: unknown, extra: Record<string, unknown> = {}) => res(R53, `r53-${name}-${JSON.stringify(records).length}`, { name, type: "TXT", records, zoneId: "Z1", ...extra });
const cloudflare = (name: string, content: unknown, id = "1") => res(CF, `cf-${name}-${id}`, { name, type: "TXT", content, zoneId: "z" });
const messages = (o: { violations: { message: string }[] }) => o.violations.map((v) => v.message);

describe("rule 1: _mta-sts TXT records parse as one valid v=STSv1 record", () => {
  test("a Route 53 record written by the components passes", () => {
    expect(checkTxtRecord(route53("_mta-sts.example.com", [route53TxtValue("v=STSv1; id=abc123")])).violations).toEqual([]);
  });

  test("a quoted Cloudflare record passes, and so does plain unquoted content", () => {
    expect(checkTxtRecord(cloudflare("_mta-sts.example.com", cloudflareTxtContent("v=STSv1; id=abc123"))).violations).toEqual([]);
    expect(checkTxtRecord(cloudflare("_mta-sts.example.com", "v=STSv1; id=abc123")).violations).toEqual([]);
  });

  test("a wrong-case version tag is a violation that says the tag is case-sensitive and shows the right form", () => {
    const [message] = messages(checkTxtRecord(route53("_mta-sts.example.com", ["v=STSV1; id=abc"])));
    expect(message).toMatch(/no value starts with "v=STSv1"/);
    expect(message).toMatch(/case-sensitive/);
    expect(message).toMatch(/Write "v=STSv1; id=<1 to 32 letters and digits>"/);
  });

  test("an id with a character outside letters and digits is a violation naming the id", () => {
    const [message] = messages(checkTxtRecord(cloudflare("_mta-sts.example.com", '"v=STSv1; id=2024-01-01"')));
    expect(message).toMatch(/id "2024-01-01" must be 1 to 32 letters and digits/);
  });

  test("two v=STSv1 values in one Route 53 record set are a violation listing both", () => {
    const [message] = messages(checkTxtRecord(route53("_mta-sts.example.com", ["v=STSv1; id=a1", "v=STSv1; id=b2"])));
    expect(message).toMatch(/2 TXT records at _mta-sts start with "v=STSv1"/);
    expect(message).toMatch(/Keep one value/);
  });

  test("another TXT value next to the v=STSv1 one is ignored, as senders discard it (RFC 8461 §3.1)", () => {
    expect(checkTxtRecord(route53("_mta-sts.example.com", ["hello", "v=STSv1; id=a1"])).violations).toEqual([]);
  });

  test("a Cloudflare value with an unterminated quote is a violation about the API format", () => {
    const [message] = messages(checkTxtRecord(cloudflare("_mta-sts.example.com", '"v=STSv1; id=a1')));
    expect(message).toMatch(/not a list of quoted strings/);
  });

  test("a value split into character-strings is joined before parsing, in both formats", () => {
    const long = `v=TLSRPTv1; rua=${Array.from({ length: 12 }, (_, i) => `mailto:tls-reports-${i}@example.com`).join(",")}`;
    expect(long.length).toBeGreaterThan(255);
    expect(route53TxtValue(long)).toContain('""');
    expect(checkTxtRecord(route53("_smtp._tls.example.com", [route53TxtValue(long)])).violations).toEqual([]);
    expect(checkTxtRecord(cloudflare("_smtp._tls.example.com", cloudflareTxtContent(long))).violations).toEqual([]);
    // Split in the middle of a URI: only the join makes it valid again.
    expect(readMailTxtRecord(route53("_smtp._tls.example.com", [route53TxtValue(long)]))!.values).toEqual([long]);
  });

  test("zone-file character-strings unescape quotes and decimal escapes", () => {
    expect(characterStrings('"a\\"b" "c\\059d"')).toEqual(['a"b', "c;d"]);
    expect(characterStrings('"open')).toBeUndefined();
  });

  test("records that are not TXT, or not at _mta-sts / _smtp._tls, are not judged", () => {
    expect(checkTxtRecord(res(R53, "a", { name: "_mta-sts.example.com", type: "CNAME", records: ["x.example.net"] })).violations).toEqual([]);
    expect(checkTxtRecord(route53("example.com", ["v=spf1 -all"])).violations).toEqual([]);
  });

  test("a value unknown at preview is reported as not judgeable, not as a pass", () => {
    const result = checkTxtRecord(route53("_mta-sts.example.com", [UNKNOWN]));
    expect(result.violations).toEqual([]);
    expect(result.undecidable).toHaveLength(1);
    expect(result.undecidable[0].reason).toMatch(/checked at `pulumi up`/);
  });
});

describe("rule 1: _smtp._tls TXT records parse as one valid v=TLSRPTv1 record", () => {
  test("a valid record passes", () => {
    expect(checkTxtRecord(cloudflare("_smtp._tls.example.com", '"v=TLSRPTv1; rua=mailto:tls@example.com"')).violations).toEqual([]);
  });

  test("an ftp: report address is a violation naming the scheme", () => {
    const [message] = messages(checkTxtRecord(route53("_smtp._tls.example.com", ["v=TLSRPTv1; rua=ftp://example.com/x"])));
    expect(message).toMatch(/scheme "ftp:"/);
    expect(message).toMatch(/Write "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"/);
  });

  test("a record without rua is a violation", () => {
    expect(messages(checkTxtRecord(route53("_smtp._tls.example.com", ["v=TLSRPTv1;"])))[0]).toMatch(/no "rua=" field/);
  });
});

describe("rule 1 across the stack: one v=STSv1 record per name", () => {
  test("two Cloudflare records with v=STSv1 at the same name are a violation on each", () => {
    const a = cloudflare("_mta-sts.example.com", '"v=STSv1; id=a1"', "1");
    const b = cloudflare("_mta-sts.Example.com.", '"v=STSv1; id=b2"', "2");
    const result = checkTxtRecordsUnique([a, b]);
    expect(result.violations.map((v) => v.urn).sort()).toEqual([a.urn, b.urn].sort());
    expect(result.violations[0].message).toMatch(/2 TXT records in this stack start with "v=STSv1".*Keep exactly one/);
  });

  test("a Route 53 and a Cloudflare record for the same name are a violation", () => {
    const result = checkTxtRecordsUnique([route53("_mta-sts.example.com", ["v=STSv1; id=a1"]), cloudflare("_mta-sts.example.com", '"v=STSv1; id=a1"')]);
    expect(result.violations).toHaveLength(2);
  });

  test("records for different domains, or a v=STSv1 record next to an unrelated TXT, pass", () => {
    const result = checkTxtRecordsUnique([
      cloudflare("_mta-sts.example.com", '"v=STSv1; id=a1"', "1"),
      cloudflare("_mta-sts.example.org", '"v=STSv1; id=a1"', "2"),
      cloudflare("_mta-sts.example.com", '"some-verification=xyz"', "3"),
    ]);
    expect(result.violations).toEqual([]);
  });

  test("two TLS-RPT records at the same name are a violation too", () => {
    const result = checkTxtRecordsUnique([cloudflare("_smtp._tls.example.com", '"v=TLSRPTv1; rua=mailto:a@example.com"', "1"), cloudflare("_smtp._tls.example.com", '"v=TLSRPTv1; rua=mailto:b@example.com"', "2")]);
    expect(result.violations[0].message).toMatch(/start with "v=TLSRPTv1"/);
  });
});
