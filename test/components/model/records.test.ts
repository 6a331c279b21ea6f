/**
 * The TXT records: `_mta-sts` (RFC 8461 §3.1) and `_smtp._tls` (RFC 8460 §3), discovery over
 * several TXT records, and the split into character-strings that DNS writers need
 * (RFC 1035 §3.3.14). How each DNS API is given those strings: dns/txt-values.test.ts.
 */
import {
  encodeRuaUri,
  parseStsRecord,
  parseTlsRptRecord,
  renderStsRecord,
  renderTlsRptRecord,
  selectStsRecord,
  selectTlsRptRecord,
  splitTxtValue,
} from "../../../components/model";

function sts(txt: string) {
  const result = parseStsRecord(txt);
  if (!result.ok) throw new Error(`expected a valid record, got ${result.error.message}`);
  return result.value;
}
function tlsRpt(txt: string) {
  const result = parseTlsRptRecord(txt);
  if (!result.ok) throw new Error(`expected a valid record, got ${result.error.message}`);
  return result.value;
}

describe("RFC 8461 §3.1: the _mta-sts TXT record", () => {
  it("parses the RFC's example", () => {
    expect(sts("v=STSv1; id=20160831085700Z;")).toEqual({ id: "20160831085700Z", extensions: {} });
  });

  it.each([
    ["v=STSv1;id=abc", "no white space"],
    ["v=STSv1; id=abc", "one space"],
    ["v=STSv1 \t; \tid=abc", "WSP on both sides of ; (sts-sep)"],
    ["v=STSv1; id=abc;", "a trailing separator"],
    ["v=STSv1; id=abc ; ", "a trailing separator with WSP"],
  ])("accepts %j (%s)", (txt) => {
    expect(sts(txt).id).toBe("abc");
  });

  it("renders v=STSv1; id=<id>, which parses back to the same id", () => {
    expect(renderStsRecord("20160831085700Z")).toBe("v=STSv1; id=20160831085700Z");
    expect(sts(renderStsRecord("abc123")).id).toBe("abc123");
  });

  it.each(["", "a".repeat(33), "abc-1", "abc_1", "abc 1", "äbc"])("renderStsRecord refuses the id %j", (id) => {
    expect(() => renderStsRecord(id)).toThrow(/1 to 32 letters and digits/);
  });

  it.each([
    ["a", "1 character"],
    ["A".repeat(32), "32 characters"],
    ["0123456789abcdefABCDEF", "digits and both cases"],
  ])("accepts an id of %j (%s)", (id) => {
    expect(sts(`v=STSv1; id=${id}`).id).toBe(id);
  });

  it.each([
    ["v=STSv1; id=", "an empty id"],
    [`v=STSv1; id=${"a".repeat(33)}`, "33 characters"],
    ["v=STSv1; id=abc-1", "a hyphen"],
    ["v=STSv1; id=abc def", "a space inside"],
    ["v=STSv1; id=äbc", "non-ASCII"],
  ])("refuses id %j (%s)", (txt) => {
    expect(parseStsRecord(txt)).toMatchObject({ ok: false, error: { kind: "invalid-value" } });
  });

  it.each([
    ["v=stsv1; id=abc", "lowercase version"],
    ["V=STSv1; id=abc", "uppercase tag name"],
    [" v=STSv1; id=abc", "leading space"],
    ["id=abc; v=STSv1", "version not first"],
    ["v=STSv10; id=abc", "another version"],
    ["v=STSv1 id=abc", "no separator"],
    ["v=STSv1;; id=abc", "an empty field"],
  ])("refuses %j (%s): the record must start with exactly v=STSv1 and a separator", (txt) => {
    expect(parseStsRecord(txt)).toMatchObject({ ok: false, error: { kind: "syntax" } });
  });

  it.each([
    ["v=STSv1", "no field at all"],
    ["v=STSv1;", "only a separator"],
    ["v=STSv1; ID=abc", "ID in upper case, which is an extension, not id"],
  ])("refuses %j (%s): id is required", (txt) => {
    expect(parseStsRecord(txt)).toMatchObject({ ok: false, error: { kind: "missing-field" } });
  });

  it("uses the first id when id repeats", () => {
    expect(sts("v=STSv1; id=first; id=second").id).toBe("first");
  });

  it("ignores extension fields (sts-extension) and keeps them aside", () => {
    expect(sts("v=STSv1; ext.a-b_c=v:a/l!ue; id=abc")).toEqual({ id: "abc", extensions: { "ext.a-b_c": "v:a/l!ue" } });
  });

  it.each([
    ["v=STSv1; id=abc; _x=1", "name starting with _"],
    [`v=STSv1; id=abc; ${"x".repeat(33)}=1`, "name longer than 32"],
    ["v=STSv1; id=abc; x=a=b", "\"=\" in the value"],
    ["v=STSv1; id=abc; x=", "empty value"],
    ["v=STSv1; id=abc; x=ü", "non-ASCII value"],
    ["v=STSv1; id=abc; x y=1", "space in the name"],
  ])("refuses an extension that breaks the grammar: %j (%s)", (txt) => {
    expect(parseStsRecord(txt).ok).toBe(false);
  });

  it.each([undefined, null, 7, ""])("never throws, even on %p", (input) => {
    expect(() => parseStsRecord(input as never)).not.toThrow();
    expect(parseStsRecord(input as never).ok).toBe(false);
  });
});

describe("RFC 8460 §3: the _smtp._tls TXT record", () => {
  describe("RFC 8460 §3.3 examples parse", () => {
    it.each([
      ["v=TLSRPTv1;rua=mailto:reports@example.com", ["mailto:reports@example.com"]],
      ["v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", ["https://reporting.example.com/v1/tlsrpt"]],
      ["v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt", ["mailto:reports@example.com", "https://reporting.example.com/v1/tlsrpt"]],
    ])("%j", (txt, rua) => {
      expect(tlsRpt(txt)).toEqual({ rua, extensions: {} });
    });
  });

  it("accepts WSP around the commas between URIs (tlsrpt-rua)", () => {
    expect(tlsRpt("v=TLSRPTv1; rua=mailto:a@example.com ,\thttps://r.example.com/x").rua).toEqual(["mailto:a@example.com", "https://r.example.com/x"]);
  });

  it.each([
    ["v=TLSRPTv1; rua=http://r.example.com/", /neither mailto: nor https:/],
    ["v=TLSRPTv1; rua=ftp://r.example.com/", /neither mailto: nor https:/],
    ["v=TLSRPTv1; rua=mailto:nobody", /not mailto: with a valid address/],
    ["v=TLSRPTv1; rua=https:r.example.com", /needs "https:\/\/" and a host/],
    ["v=TLSRPTv1; rua=https://r.example.com/a!b", /percent-encoded/],
    ["v=TLSRPTv1; rua=https://r.example.com/%zz", /two hex digits/],
    ["v=TLSRPTv1; rua=mailto:a@bücher.example", /ASCII/],
    ["v=TLSRPTv1; rua=", /empty/],
    ["v=TLSRPTv1; rua=mailto:a@example.com,", /empty/],
  ])("refuses %j", (txt, reason) => {
    expect(parseTlsRptRecord(txt)).toMatchObject({ ok: false, error: { kind: "invalid-value", message: expect.stringMatching(reason) } });
  });

  it.each([
    ["v=tlsrptv1; rua=mailto:a@example.com", "syntax"],
    ["v=TLSRPTv2; rua=mailto:a@example.com", "syntax"],
    ["v=TLSRPTv1", "missing-field"],
    ["v=TLSRPTv1; RUA=mailto:a@example.com", "missing-field"],
  ])("refuses %j (%s): version and rua are case-sensitive and required", (txt, kind) => {
    expect(parseTlsRptRecord(txt)).toMatchObject({ ok: false, error: { kind } });
  });

  it("ignores extension fields", () => {
    expect(tlsRpt("v=TLSRPTv1; ext=1; rua=mailto:a@example.com")).toEqual({ rua: ["mailto:a@example.com"], extensions: { ext: "1" } });
  });

  it("uses the first rua when rua repeats", () => {
    expect(tlsRpt("v=TLSRPTv1; rua=mailto:a@example.com; rua=mailto:b@example.com").rua).toEqual(["mailto:a@example.com"]);
  });

  it("renders v=TLSRPTv1; rua=<uri>,<uri>", () => {
    expect(renderTlsRptRecord({ rua: ["mailto:a@example.com", "https://r.example.com/v1"] })).toBe("v=TLSRPTv1; rua=mailto:a@example.com,https://r.example.com/v1");
  });

  it("percent-encodes commas, \";\", \"!\" and spaces inside a URI, so the record still splits right", () => {
    const record = renderTlsRptRecord({ rua: ["https://r.example.com/a,b;c!d e", "mailto:x!y@example.com"] });
    expect(record).toBe("v=TLSRPTv1; rua=https://r.example.com/a%2Cb%3Bc%21d%20e,mailto:x%21y@example.com");
    expect(tlsRpt(record).rua).toEqual(["https://r.example.com/a,b;c!d e", "mailto:x!y@example.com"]);
  });

  // Trap: decoding every escape changed the URI (?to=a%26b became ?to=a&b, another query).
  it("keeps other percent-encodings of a URI as written", () => {
    const uri = "https://r.example.com/report?to=a%26b&path=%2Fx";
    expect(encodeRuaUri(uri)).toBe(uri);
    expect(tlsRpt(renderTlsRptRecord({ rua: [uri] })).rua).toEqual([uri]);
  });

  it("refuses an empty rua list when rendering", () => {
    expect(() => renderTlsRptRecord({ rua: [] })).toThrow(/at least one/);
  });
});

describe("RFC 8461 §3.1 / RFC 8460 §3: discovery over every TXT record at the name", () => {
  it("discards records that do not start with v=STSv1 and joins character-strings", () => {
    expect(selectStsRecord(["v=spf1 -all", ["v=STSv1; ", "id=abc"], "google-site-verification=x"])).toEqual({
      ok: true,
      value: { id: "abc", extensions: {} },
      record: "v=STSv1; id=abc",
    });
  });

  it("joins character-strings without adding spaces", () => {
    const result = selectTlsRptRecord([["v=TLSRPTv1; rua=mailto:a@exa", "mple.com"]]);
    expect(result.ok && result.value.rua).toEqual(["mailto:a@example.com"]);
  });

  it("reports none when no record starts with the version", () => {
    expect(selectStsRecord(["v=spf1 -all"])).toMatchObject({ ok: false, error: { kind: "none" } });
    expect(selectStsRecord([])).toMatchObject({ ok: false, error: { kind: "none" } });
  });

  it("refuses two v=STSv1 records, even if both are valid", () => {
    expect(selectStsRecord(["v=STSv1; id=a", "v=STSv1; id=b"])).toMatchObject({ ok: false, error: { kind: "multiple", records: ["v=STSv1; id=a", "v=STSv1; id=b"] } });
    expect(selectTlsRptRecord(["v=TLSRPTv1; rua=mailto:a@example.com", "v=TLSRPTv1; rua=mailto:b@example.com"])).toMatchObject({ ok: false, error: { kind: "multiple" } });
  });

  // RFC 8461 §3.1 discards records that do not begin with "v=STSv1;": another version is not a second STSv1 record.
  it("does not count v=STSv10 (another version) as a second STSv1 record", () => {
    expect(selectStsRecord(["v=STSv10; id=a", "v=STSv1; id=b"])).toMatchObject({ ok: true, value: { id: "b" } });
    expect(selectTlsRptRecord(["v=TLSRPTv10; rua=x", "v=TLSRPTv1; rua=mailto:a@example.com"])).toMatchObject({ ok: true });
  });

  it("reports the single candidate as invalid when it does not parse", () => {
    expect(selectStsRecord(["v=STSv1; id=a-b"])).toMatchObject({ ok: false, error: { kind: "invalid" } });
    expect(selectStsRecord(["v=STSv1"])).toMatchObject({ ok: false, error: { kind: "invalid" } });
  });
});

describe("RFC 1035 §3.3.14: a TXT value longer than 255 octets is still publishable", () => {
  const longRecord = renderTlsRptRecord({
    rua: Array.from({ length: 8 }, (_, i) => `https://tls-reports-${i}.reporting.example.com/v1/tlsrpt/collect`),
  });
  const bytes = (s: string) => Buffer.byteLength(s, "utf8");

  it("the fixture record really is longer than one character-string", () => {
    expect(bytes(longRecord)).toBeGreaterThan(255);
  });

  it("splitTxtValue cuts into strings of at most 255 octets that join back to the value", () => {
    const chunks = splitTxtValue(longRecord);
    expect(chunks.length).toBe(Math.ceil(bytes(longRecord) / 255));
    expect(chunks.slice(0, -1).every((c) => bytes(c) === 255)).toBe(true);
    expect(chunks.join("")).toBe(longRecord);
  });

  it("splitTxtValue keeps a short value in one string", () => {
    expect(splitTxtValue("v=STSv1; id=abc")).toEqual(["v=STSv1; id=abc"]);
  });

  it("splitTxtValue never cuts a UTF-8 character in two", () => {
    const value = "é".repeat(200);
    const chunks = splitTxtValue(value);
    expect(chunks.every((c) => bytes(c) <= 255)).toBe(true);
    expect(chunks.join("")).toBe(value);
  });

  it("the split record is discovered and parsed as the whole record", () => {
    const result = selectTlsRptRecord([splitTxtValue(longRecord)]);
    expect(result.ok && result.value.rua).toHaveLength(8);
  });
});
