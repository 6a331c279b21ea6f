/**
 * How each DNS API is given a TXT value (components/dns/txt-values.ts): the character-strings of
 * RFC 1035 §3.3.14, joined as Route 53's provider wants them, and quoted in presentation form
 * (RFC 1035 §5.1) for Cloudflare's API and for `mta-sts render`.
 */
import { renderTlsRptRecord, splitTxtValue } from "../../../components/model";
import { cloudflareTxtContent, presentationTxt, route53TxtValue } from "../../../components/dns/txt-values";

const longRecord = renderTlsRptRecord({
  rua: Array.from({ length: 8 }, (_, i) => `https://tls-reports-${i}.reporting.example.com/v1/tlsrpt/collect`),
});

test("the fixture record really is longer than one character-string", () => {
  expect(Buffer.byteLength(longRecord, "utf8")).toBeGreaterThan(255);
});

describe("Route 53: the provider adds the outer quotes", () => {
  it("route53TxtValue joins the strings with \"\"", () => {
    const [a, b] = splitTxtValue(longRecord);
    expect(route53TxtValue(longRecord).startsWith(`${a}""${b}`)).toBe(true);
  });

  it("a value of one string is written as it is", () => {
    expect(route53TxtValue("v=STSv1; id=abc")).toBe("v=STSv1; id=abc");
  });
});

describe("presentation form (RFC 1035 §5.1): Cloudflare's content and `mta-sts render`", () => {
  it("cloudflareTxtContent quotes each string and separates them by a space", () => {
    const chunks = splitTxtValue(longRecord);
    expect(cloudflareTxtContent(longRecord)).toBe(chunks.map((c) => `"${c}"`).join(" "));
    expect(cloudflareTxtContent("v=STSv1; id=abc")).toBe('"v=STSv1; id=abc"');
  });

  it("a double quote or a backslash inside a string is escaped with a backslash", () => {
    expect(presentationTxt('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it("Cloudflare's content is the presentation form", () => {
    expect(cloudflareTxtContent(longRecord)).toBe(presentationTxt(longRecord));
  });
});
