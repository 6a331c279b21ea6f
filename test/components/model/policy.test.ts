/**
 * The policy file (RFC 8461 §3.2): canonical rendering and the grammar a sender parses.
 */
import { analysePolicy, MAX_POLICY_BYTES, parsePolicy, renderPolicy } from "../../../components/model";

/** A policy from lines joined with `eol` (and a final `eol` unless told otherwise). */
const policy = (lines: string[], eol = "\n", final = true) => lines.join(eol) + (final ? eol : "");
const VALID = ["version: STSv1", "mode: enforce", "mx: mail.example.com", "max_age: 1209600"];

function parsed(text: string) {
  const result = parsePolicy(text);
  if (!result.ok) throw new Error(`expected a valid policy, got ${result.error.kind}: ${result.error.message}`);
  return result.value;
}
function rejection(text: string) {
  const result = parsePolicy(text);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  return result.error;
}

describe("renderPolicy: canonical bytes (RFC 8461 §3.2)", () => {
  it("writes version, mode, one mx line each, max_age, in that order, CRLF after every line", () => {
    expect(renderPolicy({ mode: "enforce", mx: ["mail.example.com", "*.example.net"], maxAgeSeconds: 1209600 })).toBe(
      "version: STSv1\r\nmode: enforce\r\nmx: *.example.net\r\nmx: mail.example.com\r\nmax_age: 1209600\r\n",
    );
  });

  it("normalises mx: lowercase, A-label, no trailing dot, de-duplicated, sorted", () => {
    expect(renderPolicy({ mode: "testing", mx: ["MX2.Example.com.", "mx.bücher.example", "mx2.example.com", "MX1.example.com"], maxAgeSeconds: 86400 })).toBe(
      "version: STSv1\r\nmode: testing\r\nmx: mx.xn--bcher-kva.example\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 86400\r\n",
    );
  });

  it("has no bare LF and ends with CRLF", () => {
    const text = renderPolicy({ mode: "enforce", mx: ["a.example.com"], maxAgeSeconds: 1209600 });
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(text.endsWith("\r\n")).toBe(true);
  });

  it("renders mode none without mx lines (RFC 8461 §3.2: mx may be absent in none)", () => {
    expect(renderPolicy({ mode: "none", mx: [], maxAgeSeconds: 86400 })).toBe("version: STSv1\r\nmode: none\r\nmax_age: 86400\r\n");
  });

  it.each([
    [{ mode: "strict", mx: ["a.example.com"], maxAgeSeconds: 1 }, /mode/],
    [{ mode: "enforce", mx: [], maxAgeSeconds: 1 }, /at least one mx/],
    [{ mode: "enforce", mx: ["1.2.3.4"], maxAgeSeconds: 1 }, /mx\[0\].*IP address/],
    [{ mode: "enforce", mx: ["a.example.com"], maxAgeSeconds: -1 }, /maxAgeSeconds/],
    [{ mode: "enforce", mx: ["a.example.com"], maxAgeSeconds: 31557601 }, /maxAgeSeconds/],
    [{ mode: "enforce", mx: ["a.example.com"], maxAgeSeconds: 1.5 }, /maxAgeSeconds/],
  ])("refuses to render an intent that is not valid: %#", (intent, reason) => {
    expect(() => renderPolicy(intent as never)).toThrow(reason);
  });
});

describe("RFC 8461 §3.2: the RFC's own example parses", () => {
  const example = policy(["version: STSv1", "mode: enforce", "mx: mail.example.com", "mx: *.example.net", "mx: backupmx.example.com", "max_age: 604800"]);

  it.each([
    ["LF", example],
    ["CRLF", example.replace(/\n/g, "\r\n")],
    ["no final line end", example.replace(/\n$/, "")],
  ])("with %s", (_name, text) => {
    expect(parsed(text)).toEqual({
      version: "STSv1",
      mode: "enforce",
      mx: ["mail.example.com", "*.example.net", "backupmx.example.com"],
      maxAge: 604800,
      extensions: {},
    });
  });
});

describe("RFC 8461 §3.2: line ends (sts-policy-term = LF / CRLF)", () => {
  it("accepts mixed LF and CRLF", () => {
    expect(parsed("version: STSv1\r\nmode: testing\nmx: a.example.com\r\nmax_age: 86400").mode).toBe("testing");
  });

  it("refuses a bare CR as a line end", () => {
    expect(rejection("version: STSv1\rmode: testing\rmx: a.example.com\rmax_age: 86400\r").kind).toBe("syntax");
  });

  it("refuses a blank line between fields, with its line number", () => {
    expect(rejection(policy(["version: STSv1", "", "mode: testing", "mx: a.example.com", "max_age: 86400"]))).toMatchObject({ kind: "syntax", line: 2 });
  });

  it("tolerates extra blank lines at the end but warns about them", () => {
    const { value, findings } = analysePolicy(policy(VALID) + "\n");
    expect(value?.mode).toBe("enforce");
    expect(findings).toEqual([expect.objectContaining({ severity: "warning", kind: "trailing-blank-line" })]);
  });
});

describe("RFC 8461 §3.2: field syntax (sts-policy-field-delim = \":\" *WSP)", () => {
  it("accepts no space, spaces and tabs after the colon, and trailing WSP", () => {
    expect(parsed("version:STSv1\nmode:\t testing \nmx:a.example.com\t\nmax_age:86400").maxAge).toBe(86400);
  });

  it.each([
    ["space before the colon", "version : STSv1"],
    ["leading white space", " version: STSv1"],
    ["no colon", "version STSv1"],
  ])("refuses %s, on its line", (_name, line) => {
    const error = rejection(policy([line, "mode: testing", "mx: a.example.com", "max_age: 86400"]));
    expect(error.line).toBe(1);
  });

  it("refuses a field with an empty value", () => {
    expect(rejection(policy(["version: STSv1", "mode:", "mx: a.example.com", "max_age: 86400"]))).toMatchObject({ line: 2 });
  });
});

describe("RFC 8461 §3.2: keys and values are case-sensitive", () => {
  it.each([
    ["version: stsv1", /version/],
    ["version: STSV1", /version/],
  ])("refuses %j", (line, reason) => {
    expect(rejection(policy([line, "mode: testing", "mx: a.example.com", "max_age: 86400"])).message).toMatch(reason);
  });

  it.each(["Enforce", "TESTING", "None"])("refuses mode %j", (mode) => {
    expect(rejection(policy(["version: STSv1", `mode: ${mode}`, "mx: a.example.com", "max_age: 86400"]))).toMatchObject({ kind: "invalid-value", line: 2 });
  });

  it("treats \"Mode:\" as an unknown field, so the policy has no mode", () => {
    const { value, findings } = analysePolicy(policy(["version: STSv1", "Mode: enforce", "mx: a.example.com", "max_age: 86400"]));
    expect(value).toBeUndefined();
    expect(findings).toContainEqual(expect.objectContaining({ kind: "missing-field", message: expect.stringMatching(/mode/) }));
    expect(findings).toContainEqual(expect.objectContaining({ kind: "unknown-field", line: 2, message: expect.stringMatching(/"Mode" is not "mode"/) }));
  });
});

describe("RFC 8461 §3.2: required fields", () => {
  it.each([
    ["version", ["mode: testing", "mx: a.example.com", "max_age: 86400"]],
    ["mode", ["version: STSv1", "mx: a.example.com", "max_age: 86400"]],
    ["max_age", ["version: STSv1", "mode: testing", "mx: a.example.com"]],
  ])("refuses a policy without %s", (field, lines) => {
    expect(rejection(policy(lines))).toMatchObject({ kind: "missing-field", message: expect.stringContaining(field) });
  });

  it.each(["enforce", "testing"])("refuses mode %s without any mx", (mode) => {
    expect(rejection(policy(["version: STSv1", `mode: ${mode}`, "max_age: 86400"]))).toMatchObject({ kind: "missing-field", message: expect.stringMatching(/mx/) });
  });

  it("accepts mode none without mx", () => {
    expect(parsed(policy(["version: STSv1", "mode: none", "max_age: 86400"]))).toMatchObject({ mode: "none", mx: [] });
  });

  it("accepts the fields in any order", () => {
    expect(parsed(policy(["max_age: 86400", "mx: a.example.com", "mode: testing", "version: STSv1"])).maxAge).toBe(86400);
  });
});

describe("RFC 8461 §3.2: duplicate fields — the first counts, except mx", () => {
  it("uses the first mode and max_age and warns about the later ones", () => {
    const { value, findings } = analysePolicy(policy([...VALID, "mode: none", "max_age: 5"]));
    expect(value).toMatchObject({ mode: "enforce", maxAge: 1209600 });
    expect(findings.filter((f) => f.kind === "duplicate-field").map((f) => f.line)).toEqual([5, 6]);
  });

  it("ignores an invalid later duplicate", () => {
    expect(parsed(policy([...VALID, "mode: bogus", "max_age: 99999999999"])).mode).toBe("enforce");
  });

  it("collects every mx line, in order", () => {
    expect(parsed(policy(["version: STSv1", "mode: testing", "mx: b.example.com", "mx: a.example.com", "mx: *.c.example.com", "max_age: 86400"])).mx).toEqual([
      "b.example.com",
      "a.example.com",
      "*.c.example.com",
    ]);
  });
});

describe("RFC 8461 §3.2: unknown extension fields are ignored", () => {
  it("keeps them aside and warns, without refusing the policy", () => {
    const { value, findings } = analysePolicy(policy([...VALID, "x-vendor.note_1: anything: even ; = here"]));
    expect(value?.extensions).toEqual({ "x-vendor.note_1": "anything: even ; = here" });
    expect(findings).toEqual([expect.objectContaining({ severity: "warning", kind: "unknown-field", line: 5 })]);
  });

  it.each([
    ["_leading: x", "a name starting with \"_\""],
    [`${"a".repeat(33)}: x`, "a name longer than 32 characters"],
  ])("refuses an extension with %s (sts-policy-ext-name)", (line) => {
    expect(rejection(policy([...VALID, line])).line).toBe(5);
  });

  it("accepts UTF-8 in an extension value (sts-policy-vchar)", () => {
    expect(parsed(policy([...VALID, "note: grüße"])).extensions).toEqual({ note: "grüße" });
  });
});

describe("RFC 8461 §3.2: max_age = 1*10DIGIT, at most 31557600", () => {
  it.each([
    ["0", 0],
    ["31557600", 31557600],
    ["0000086400", 86400],
  ])("accepts %j", (value, expected) => {
    expect(parsed(policy(["version: STSv1", "mode: none", `max_age: ${value}`])).maxAge).toBe(expected);
  });

  it.each(["31557601", "99999999999", "-1", "1.5", "1e5", "+86400", "86400s", "0x10"])("refuses %j on its line", (value) => {
    expect(rejection(policy(["version: STSv1", "mode: none", `max_age: ${value}`]))).toMatchObject({ kind: "invalid-value", line: 3 });
  });

  it.each([
    ["testing", "3600", /under one day/],
    ["enforce", "604800", /enforce/],
  ])("warns about a short max_age in %s", (mode, value, reason) => {
    const { value: p, findings } = analysePolicy(policy(["version: STSv1", `mode: ${mode}`, "mx: a.example.com", `max_age: ${value}`]));
    expect(p).toBeDefined();
    expect(findings).toEqual([expect.objectContaining({ severity: "warning", kind: "short-max-age", line: 4, message: expect.stringMatching(reason) })]);
  });
});

describe("RFC 8461 §3.2: mx = [\"*.\"] Domain (RFC 5321 §4.1.2)", () => {
  const withMx = (mx: string) => policy(["version: STSv1", "mode: testing", `mx: ${mx}`, "max_age: 86400"]);

  it.each(["mail.example.com", "MAIL.Example.com", "*.example.net", "xn--bcher-kva.example"])("accepts %j as written", (mx) => {
    expect(parsed(withMx(mx)).mx).toEqual([mx]);
  });

  it("refuses a U-label and names the A-label to write", () => {
    expect(rejection(withMx("mx.bücher.example")).message).toContain('"mx.xn--bcher-kva.example"');
  });

  it("refuses a trailing root dot, which RFC 5321 Domain does not have", () => {
    expect(rejection(withMx("mail.example.com."))).toMatchObject({ kind: "invalid-value", line: 3, message: expect.stringContaining('write "mail.example.com"') });
  });

  it.each(["*", "*.", "mx*.example.com", "a.*.example.com", "192.0.2.1", "mx_1.example.com", "a b.example.com"])("refuses %j on its line", (mx) => {
    expect(rejection(withMx(mx))).toMatchObject({ kind: "invalid-value", line: 3 });
  });

  // A sender reads the grammar: a single label and "*." over a top-level domain are Domains.
  // Our own config refuses both; reading someone's live policy, they are a warning.
  it.each([
    ["*.com", /top-level domain/],
    ["mx", /single label/],
  ])("accepts %j as senders do, and warns on its line that it is unusually broad", (mx, reason) => {
    const { value, findings } = analysePolicy(withMx(mx));
    expect(value?.mx).toEqual([mx]);
    expect(findings).toEqual([expect.objectContaining({ severity: "warning", kind: "broad-mx-pattern", line: 3, message: expect.stringMatching(reason) })]);
  });
});

describe("RFC 8461 §3.3: size and robustness", () => {
  it("refuses a policy larger than 64 KiB", () => {
    const big = policy([...VALID, ...Array.from({ length: 3000 }, (_, i) => `mx: host${i}.example.com`)]);
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_POLICY_BYTES);
    expect(rejection(big).kind).toBe("too-large");
  });

  it.each([undefined, null, 42, {}, ""])("never throws, even on %p", (input) => {
    expect(() => parsePolicy(input as never)).not.toThrow();
    expect(parsePolicy(input as never).ok).toBe(false);
  });
});
