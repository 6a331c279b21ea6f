/** Parsing one TLS report (RFC 8460 §4.4) as real senders write it; fixtures: test/fixtures/reports/README.md. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { isGzip, parseTlsRptReportJson, TlsRptReport } from "../../../components/model/tlsrpt-report";

const fixture = (name: string): string => readFileSync(join(__dirname, "..", "..", "fixtures/reports", name), "utf8");
const rfc = (): Record<string, any> => JSON.parse(fixture("rfc8460-example.json"));

function parse(text: string): TlsRptReport {
  const r = parseTlsRptReportJson(text);
  if (!r.ok) throw new Error(`expected a report, got ${r.error.message}`);
  return r.value;
}

describe("RFC 8460 §4.4: the example report", () => {
  test("reads organization, id, day, policy and every failure detail", () => {
    const r = parse(fixture("rfc8460-example.json"));
    expect(r.organizationName).toBe("Company-X");
    expect(r.reportId).toBe("5065427c-23d3-47ca-b6e0-946ea0e8c4be");
    expect(r.day).toBe("2016-04-01");
    expect(r.policies).toHaveLength(1);
    const p = r.policies[0];
    expect(p).toMatchObject({ policyType: "sts", policyDomain: "company-y.example", mxHost: ["*.mail.company-y.example"], successfulSessions: 5326, failedSessions: 303 });
    expect(p.policyString).toContain("mx: *.mail.company-y.example");
    expect(p.failureDetails.map((d) => [d.resultType, d.failedSessions, d.receivingMxHostname])).toEqual([
      ["certificate-expired", 100, "mx1.mail.company-y.example"],
      ["starttls-not-supported", 200, "mx2.mail.company-y.example"],
      ["validation-failure", 3, "mx-backup.mail.company-y.example"],
    ]);
    expect(p.failureDetails[2].failureReasonCode).toBe("X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED");
  });

  test("never throws, whatever the input", () => {
    for (const input of ["", "null", "[]", "42", "{", '{"policies":{}}', "\u0000\u0001", undefined as unknown as string]) {
      expect(() => parseTlsRptReportJson(input)).not.toThrow();
      expect(parseTlsRptReportJson(input).ok).toBe(false);
    }
  });

  test("gzip is recognised by its magic bytes, not by a name", () => {
    expect(isGzip(Uint8Array.from([0x1f, 0x8b, 8, 0]))).toBe(true);
    expect(isGzip(new TextEncoder().encode('{"organization-name"'))).toBe(false);
    expect(isGzip(Uint8Array.from([0x1f]))).toBe(false);
  });
});

describe("real senders' quirks", () => {
  test("Microsoft: date-times without a time zone are UTC", () => {
    const r = parse(fixture("microsoft-no-timezone.json"));
    expect(r.startDatetime).toBe("2023-01-10T00:00:00.000Z");
    expect(r.endDatetime).toBe("2023-01-10T23:59:59.000Z");
    expect(r.day).toBe("2023-01-10");
  });

  test("Microsoft: the tlsa policy-string is one JSON-encoded list, unpacked into its records", () => {
    const r = parse(fixture("microsoft-tlsa-sts.json"));
    const tlsa = r.policies.find((p) => p.policyType === "tlsa")!;
    expect(tlsa.policyString).toEqual(["3 1 1 7FF8B87BB269715FEF08A0F4F0033D7A2F3B680470A30E878CEB2D3E244AF3EA"]);
    expect(r.policies.find((p) => p.policyType === "sts")!.policyString).toContain("mx: mx.domeneshop.no");
  });

  test("Mail.ru: no policy-string, details with only result-type and count, a range ending at 00:00:00Z of the next day", () => {
    const r = parse(fixture("mailru-fetch-errors.json"));
    expect(r.day).toBe("2024-02-22");
    expect(r.endDatetime).toBe("2024-02-23T00:00:00.000Z");
    const p = r.policies[0];
    expect(p.policyString).toEqual([]);
    expect(p.mxHost).toEqual([]);
    expect(p.failedSessions).toBe(1);
    expect(p.failureDetails).toEqual([
      { resultType: "sts-policy-fetch-error", failedSessions: 1, failureReasonCode: "bad https response code: 404" },
      { resultType: "sts-policy-fetch-error", failedSessions: 1, failureReasonCode: "bad https response code: 500" },
    ]);
  });

  test("empty strings in optional failure fields read as absent", () => {
    const d = parse(fixture("empty-failure-fields.json")).policies[0].failureDetails[0];
    expect(d).toEqual({ resultType: "sts-policy-fetch-error", failedSessions: 1, failureReasonCode: "no-policy-served" });
  });

  test("Postfix: a block without policy-domain cannot be attributed, so a report of only that is refused", () => {
    const r = parseTlsRptReportJson(fixture("postfix-no-policy-domain.json"));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/policy-domain/);
  });

  test("Google: blocks without policy-domain are refused even with a summary missing its failure count", () => {
    const r = parseTlsRptReportJson(fixture("google-unattributed.json"));
    expect(r.ok).toBe(false);
  });

  test("a block without policy-domain next to attributable blocks is dropped with a warning", () => {
    const doc = rfc();
    doc.policies.push({ policy: { "policy-type": "no-policy-found" }, summary: { "total-successful-session-count": 7, "total-failure-session-count": 0 } });
    const r = parse(JSON.stringify(doc));
    expect(r.policies).toHaveLength(1);
    expect(r.warnings).toEqual([expect.stringContaining("policies[1].policy.policy-domain is missing")]);
  });

  test.each([
    ["a string", "mx.company-y.example", ["mx.company-y.example"]],
    ["a list", ["MX1.company-y.example.", "*.mail.company-y.example"], ["mx1.company-y.example", "*.mail.company-y.example"]],
    ["[]", [], []],
    ["absent", undefined, []],
  ])("mx-host as %s", (_label, value, expected) => {
    const doc = rfc();
    doc.policies[0].policy["mx-host"] = value;
    expect(parse(JSON.stringify(doc)).policies[0].mxHost).toEqual(expected);
  });

  test.each([
    ["[]", [], []],
    ["absent", undefined, []],
  ])("policy-string as %s reads as no policy lines", (_label, value, expected) => {
    const doc = rfc();
    doc.policies[0].policy["policy-string"] = value;
    expect(parse(JSON.stringify(doc)).policies[0].policyString).toEqual(expected);
  });

  test.each([
    ["absent", undefined],
    ["[]", []],
  ])("failure-details %s means no details", (_label, value) => {
    const doc = rfc();
    doc.policies[0]["failure-details"] = value;
    expect(parse(JSON.stringify(doc)).policies[0].failureDetails).toEqual([]);
  });

  test("a result-type outside the registry is kept as written", () => {
    const doc = rfc();
    doc.policies[0]["failure-details"][0]["result-type"] = "tls-protocol-downgrade";
    expect(parse(JSON.stringify(doc)).policies[0].failureDetails[0].resultType).toBe("tls-protocol-downgrade");
  });

  test("additional-info-uri is read as additional-information", () => {
    const doc = rfc();
    const d = doc.policies[0]["failure-details"][1];
    d["additional-info-uri"] = d["additional-information"];
    delete d["additional-information"];
    expect(parse(JSON.stringify(doc)).policies[0].failureDetails[1].additionalInformation).toMatch(/^https:\/\/reports\.company-x\.example/);
  });

  test("contact-info: null reads as no contact", () => {
    const doc = rfc();
    doc["contact-info"] = null;
    const r = parse(JSON.stringify(doc));
    expect(r.contactInfo).toBeUndefined();
  });

  test("a date-time with an offset is converted to UTC, and its day is the UTC date", () => {
    const doc = rfc();
    doc["date-range"]["start-datetime"] = "2016-04-01T23:30:00-02:00";
    doc["date-range"]["end-datetime"] = "2016-04-02T23:29:59-02:00";
    expect(parse(JSON.stringify(doc)).day).toBe("2016-04-02");
  });

  test("an IDN policy domain is an A-label, lowercase", () => {
    const doc = rfc();
    doc.policies[0].policy["policy-domain"] = "Bücher.Example.";
    expect(parse(JSON.stringify(doc)).policies[0].policyDomain).toBe("xn--bcher-kva.example");
  });
});

describe("strict about what cannot be attributed", () => {
  test.each([
    ["organization-name", (d: any) => delete d["organization-name"], /organization-name/],
    ["report-id", (d: any) => (d["report-id"] = ""), /report-id/],
    ["date-range", (d: any) => delete d["date-range"], /date-range/],
    ["a bad start-datetime", (d: any) => (d["date-range"]["start-datetime"] = "yesterday"), /start-datetime/],
    ["a day that does not exist", (d: any) => (d["date-range"]["start-datetime"] = "2016-02-30T00:00:00Z"), /start-datetime/],
    ["an end before the start", (d: any) => (d["date-range"]["end-datetime"] = "2016-03-01T00:00:00Z"), /end-datetime/],
    ["policies", (d: any) => (d.policies = []), /policies/],
    ["summary", (d: any) => delete d.policies[0].summary, /policies\[0\]\.summary/],
    ["a negative count", (d: any) => (d.policies[0].summary["total-successful-session-count"] = -1), /^policies\[0\]\.summary\.total-successful-session-count: /],
    ["a fractional count", (d: any) => (d.policies[0].summary["total-failure-session-count"] = 1.5), /^policies\[0\]\.summary\.total-failure-session-count: /],
    ["a count as text", (d: any) => (d.policies[0]["failure-details"][0]["failed-session-count"] = "100"), /^policies\[0\]\.failure-details\[0\]\.failed-session-count: /],
    ["a detail without result-type", (d: any) => delete d.policies[0]["failure-details"][0]["result-type"], /^policies\[0\]\.failure-details\[0\]\.result-type: /],
    ["a detail that is not an object", (d: any) => (d.policies[0]["failure-details"][0] = 7), /^policies\[0\]\.failure-details\[0\]: each failure detail is an object/],
    ["a second block that is not an object", (d: any) => d.policies.push("sts"), /^policies\[1\]: each element of policies is an object/],
    ["an mx-host that is not text", (d: any) => (d.policies[0].policy["mx-host"] = ["mx.example", 3]), /^policies\[0\]\.policy\.mx-host\[1\]: /],
    ["a policy domain that is not a name", (d: any) => (d.policies[0].policy["policy-domain"] = "203.0.113.1"), /^policies\[0\]\.policy\.policy-domain: /],
  ])("refuses a report with %s, naming the field", (_label, mutate, field) => {
    const doc = rfc();
    mutate(doc);
    const r = parseTlsRptReportJson(JSON.stringify(doc));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(field);
  });

  test("a value read before is judged the same when it comes again, also after thousands of other values", () => {
    // Date-times and domains are remembered (every report of a day repeats them), in a bounded
    // cache that starts again when full: neither a hit nor a refill may change a verdict.
    const text = JSON.stringify(rfc());
    const withValues = (start: string, domain: string) => {
      const doc = JSON.parse(text);
      doc["date-range"]["start-datetime"] = start;
      doc.policies[0].policy["policy-domain"] = domain;
      return parseTlsRptReportJson(JSON.stringify(doc));
    };
    const first = withValues("2016-04-01T00:00:00+02:00", "Bücher.Example");
    for (let i = 0; i < 10000; i++) withValues(new Date(Date.UTC(2016, 0, 1) + i * 1000).toISOString(), `d${i}.example`);
    for (const again of [withValues("2016-04-01T00:00:00+02:00", "Bücher.Example"), first]) {
      expect(again).toMatchObject({ ok: true, value: { startDatetime: "2016-03-31T22:00:00.000Z", day: "2016-03-31", policies: [{ policyDomain: "xn--bcher-kva.example" }] } });
    }
    for (let round = 0; round < 2; round++) {
      expect(withValues("2016-02-30T00:00:00Z", "example.com")).toMatchObject({ ok: false, error: { field: "date-range.start-datetime" } });
      expect(withValues("2016-04-01T00:00:00Z", "203.0.113.1")).toMatchObject({ ok: false, error: { field: "policies[0].policy.policy-domain" } });
    }
  });

  test("refuses text that is not JSON, and text over the size bound", () => {
    expect(parseTlsRptReportJson("not json")).toMatchObject({ ok: false, error: { kind: "not-json" } });
    expect(parseTlsRptReportJson(" ".repeat(1024 * 1024 + 1))).toMatchObject({ ok: false, error: { kind: "too-large" } });
  });
});
