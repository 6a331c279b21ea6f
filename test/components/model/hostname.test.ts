/**
 * Host names and MX patterns (RFC 8461 §3.2: `mx: ["*."] Domain`, Domain from RFC 5321 §4.1.2),
 * as a sender reads them and as our own config accepts them. Matching them against MX hosts
 * (RFC 8461 §4.1): mx-match.test.ts.
 */
import { normaliseDomainName, normaliseHostname, normaliseMxPattern, readMxPattern, validateMailDomain } from "../../../components/model";

const ok = (input: string) => {
  const result = normaliseMxPattern(input);
  if (!result.ok) throw new Error(`expected "${input}" to be accepted, got: ${result.error.message}`);
  return result.value;
};
const refusal = (input: string) => {
  const result = normaliseMxPattern(input);
  if (result.ok) throw new Error(`expected "${input}" to be refused, got "${result.value}"`);
  return result.error.message;
};

describe("RFC 8461 §3.2 / RFC 5321 §4.1.2: an mx value is a Domain", () => {
  it.each([
    ["MX1.Example.COM", "mx1.example.com"],
    ["mx1.example.com.", "mx1.example.com"],
    ["  mx1.example.com ", "mx1.example.com"],
    ["ab--cd.example.com", "ab--cd.example.com"],
    ["123.example.com", "123.example.com"],
  ])("accepts %j as %j (lowercase, no root dot)", (input, expected) => {
    expect(ok(input)).toBe(expected);
  });

  it.each([
    ["1.2.3.4", /IP address/],
    ["[192.0.2.1]", /IP address/],
    ["2001:db8::1", /IP address/],
    ["::1", /IP address/],
    ["1.2.3", /IP address/],
  ])("refuses the IP address %j and says to write a host name", (input, reason) => {
    const message = refusal(input);
    expect(message).toMatch(reason);
    expect(message).toMatch(/write the host name/);
  });

  it.each([
    ["", /is empty/],
    ["example", /single label/],
    ["a..example.com", /empty label/],
    ["-mx.example.com", /label "-mx"/],
    ["mx-.example.com", /label "mx-"/],
    ["mx_1.example.com", /label "mx_1"/],
    ["mx 1.example.com", /white space/],
    ["mx.example.123", /all-numeric|not a valid host name/],
    [`${"a".repeat(64)}.example.com`, /longer than 63/],
    [`${"abcdefghi.".repeat(26)}com`, /longer than 253/],
    ["xn--zz.example.com", /not a valid host name/],
  ])("refuses the non-host-name %j", (input, reason) => {
    expect(refusal(input)).toMatch(reason);
  });

  // Trap: domainToASCII parses like a URL host, so "%41" became "a" and "a/b" became "a".
  it.each(["%41.example.com", "mx.example.com/x", "mx.example.com:25", "mailto:mx.example.com", "mx@example.com"])(
    "refuses %j instead of letting IDNA percent-decode or cut it into another name",
    (input) => {
      expect(refusal(input)).toMatch(/contains|IP address/);
    },
  );
});

describe("RFC 8461 §4.1: a wildcard is exactly one whole left-most label", () => {
  it("accepts *.<domain> and normalises the domain part", () => {
    expect(ok("*.Mail.Example.com.")).toBe("*.mail.example.com");
  });

  it.each(["*", "*."])("refuses the bare wildcard %j, which would match every host", (input) => {
    expect(refusal(input)).toMatch(/every host.*\*\.mail\.example\.com/);
  });

  it.each(["mx*.example.com", "*mx.example.com", "mx.*.example.com", "*.*.example.com", "mx.example.*"])(
    "refuses %j: \"*\" anywhere but a whole left-most label",
    (input) => {
      expect(refusal(input)).toMatch(/other than a whole left-most label.*"\*\.example\.com"/);
    },
  );

  it("refuses a wildcard directly over a top-level domain and names the pattern as written", () => {
    const message = refusal("*.com");
    expect(message).toContain('"*.com"');
    expect(message).toMatch(/top-level domain/);
  });

  it("refuses a single-label name, and says to write the fully qualified one", () => {
    expect(refusal("mx1")).toMatch(/"mx1" has a single label.*"mx1\.example\.com"/);
  });

  it("refuses a wildcard over an IP address", () => {
    expect(refusal("*.1.2.3.4")).toMatch(/IP address/);
  });
});

describe("IDNA (RFC 5890 A-labels): Unicode names become A-labels", () => {
  it.each([
    ["bücher.example", "xn--bcher-kva.example"],
    ["MX.Bücher.Example", "mx.xn--bcher-kva.example"],
    ["例え.テスト", "xn--r8jz45g.xn--zckzah"],
    ["*.mail.bücher.example", "*.mail.xn--bcher-kva.example"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("%j becomes %j", (input, expected) => {
    expect(ok(input)).toBe(expected);
  });

  it("normaliseHostname refuses a wildcard: a domain is never a pattern", () => {
    const result = normaliseHostname("*.example.com");
    expect(result.ok).toBe(false);
  });
});

describe("a sender's reading of an mx value, and our own config's", () => {
  it.each([
    ["*.com", "*.com"],
    ["mx", "mx"],
    ["*.Example", "*.example"],
    ["MX1.Example.com.", "mx1.example.com"],
  ])("a sender reads %j as %j (RFC 8461 §3.2: [\"*.\"] Domain)", (input, expected) => {
    expect(readMxPattern(input)).toEqual({ ok: true, value: expected });
  });

  it.each(["*", "*.", "mx*.example.com", "*.*.example.com", ".example.com", "1.2.3.4", "*.1.2.3.4"])("a sender refuses %j as no pattern at all", (input) => {
    expect(readMxPattern(input).ok).toBe(false);
  });

  it("normaliseDomainName takes a single label; normaliseHostname does not", () => {
    expect(normaliseDomainName("MX")).toEqual({ ok: true, value: "mx" });
    expect(normaliseHostname("mx").ok).toBe(false);
  });

  it.each([
    ["*.com", /"\*\.com" puts the wildcard directly over a top-level domain; write the MX hosts' own domain/],
    ["mx1", /"mx1" has a single label; write the fully qualified name such as "mx1\.example\.com"/],
  ])("our own config refuses %j at its path, with its own message", (pattern, message) => {
    const result = validateMailDomain({ domain: "example.com", policy: { mode: "enforce", mx: [pattern] } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues).toEqual([{ path: "policy.mx[0]", message: expect.stringMatching(message) }]);
  });
});
