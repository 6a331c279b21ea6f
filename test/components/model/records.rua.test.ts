/**
 * RFC 8460 §3: one rule for a report URI (`ruaUriProblem`), whether a config gives it or a
 * `_smtp._tls` record carries it. The config and the record parser once had two rules with
 * different `mailto:` checks, so the config could accept an address whose record `check` and the
 * policy pack then refused (or the other way round). This table sends each URI through both:
 * the config, and the record rendered from it, read back by the parser.
 */
import { parseTlsRptRecord, renderTlsRptRecord, ruaUriProblem, validateMailDomain } from "../../../components/model";

const configIssue = (uri: string) => {
  const result = validateMailDomain({ domain: "example.com", policy: { mode: "testing", mx: ["mx.example.com"] }, tlsRpt: { rua: [uri] } });
  return result.ok ? undefined : result.issues.find((i) => i.path === "tlsRpt.rua[0]")?.message;
};

/** [URI, accepted by both?] */
const URIS: [string, boolean][] = [
  ["mailto:tlsrpt@example.com", true],
  ["MAILTO:TLSRPT@Example.com", true],
  ["mailto:tls+rpt@reports.example.com", true],
  ["mailto:tlsrpt@example.com?subject=tls-report", true],
  ["mailto:x!y@example.com", true],
  ["https://reports.example.com/v1/tlsrpt", true],
  ["https://reports.example.com:8443/x?y=1", true],
  ["https://r.example.com/a,b;c!d e", true],
  ["https://r.example.com/report?to=a%26b&path=%2Fx", true],
  ["mailto:", false],
  ["mailto:tlsrpt", false],
  ["mailto:@example.com", false],
  ["mailto:a b@example.com", false],
  ["mailto:a,b@example.com", false],
  ["mailto:a@b@example.com", false],
  ["mailto:tlsrpt@localhost", false],
  ["mailto:tlsrpt@192.0.2.1", false],
  ["mailto:tlsrpt@example_1.com", false],
  ["mailto:tlsrpt@bücher.example", false],
  ["https://", false],
  ["https:reports.example.com", false],
  ["https:///reports.example.com/x", false],
  ["https://192.0.2.1/report", false],
  ["https://reports.example.com/%zz", false],
  ["http://reports.example.com/", false],
  ["ftp://reports.example.com/", false],
  ["tlsrpt@example.com", false],
];

describe("the config and the record parser agree on every report URI", () => {
  test.each(URIS)("%j accepted: %s", (uri, accepted) => {
    const fromConfig = configIssue(uri);
    const fromRecord = parseTlsRptRecord(renderTlsRptRecord({ rua: [uri] }));
    expect(fromConfig === undefined).toBe(accepted);
    expect(fromRecord.ok).toBe(accepted);
    if (fromRecord.ok) {
      // What the config publishes is what a sender reads back.
      expect(fromRecord.value.rua).toEqual([uri]);
    } else {
      // The same reason, in both messages.
      const problem = ruaUriProblem(uri)!;
      expect(problem).toBeDefined();
      expect(fromConfig).toContain(problem);
      expect(fromRecord.error.message).toContain(problem);
    }
  });
});

test("a record must still carry its own encodings: a raw \"!\", \";\" or space in a URI is refused", () => {
  expect(parseTlsRptRecord("v=TLSRPTv1; rua=https://r.example.com/a!b")).toMatchObject({ ok: false, error: { message: expect.stringMatching(/percent-encoded/) } });
});
