/**
 * The fleet check's pure parts, without a network: the verdict and counts (summariseFleet), the
 * order of the table (worstFirst), the human table (formatFleetReport) and the node_exporter
 * textfile (formatPrometheus), from hand-built single-domain reports.
 */
import { summariseFleet, worstFirst } from "../../../components/check/fleet";
import { formatFleetReport } from "../../../components/check/fleet-report";
import { CheckFinding, CheckReport, summarise } from "../../../components/check/findings";
import { FLEET_METRICS, formatPrometheus } from "../../../components/check/prometheus";

/** A report for `domain` holding `findings` (and what was seen live). */
function report(domain: string, findings: CheckFinding[], live: Partial<CheckReport["live"]> = {}): CheckReport {
  const summary = summarise(findings);
  return {
    domain,
    policyUrl: `https://mta-sts.${domain}/.well-known/mta-sts.txt`,
    checkedAt: "2026-12-01T00:00:00.000Z",
    findings,
    summary,
    ok: summary.fail === 0,
    live: { stsRecords: [], tlsRptRecords: [], mxHosts: [], policyHostAddresses: [], ...live },
  };
}
const pass = (check: string): CheckFinding => ({ check, status: "pass", message: `${check} is fine` });
const warn = (check: string): CheckFinding => ({ check, status: "warn", message: `${check} is risky`, fix: `look at ${check}` });
const fail = (check: string, message = `${check} is broken`): CheckFinding => ({ check, status: "fail", message, fix: `repair ${check}` });

const good = report("good.test", [pass("sts-record"), pass("mx-coverage")], { certificateValidTo: "2027-01-01T00:00:00.000Z", policy: { mode: "enforce", mx: ["mx.good.test"], maxAge: 604800 }, mxHosts: ["mx.good.test"] });
const warned = report("warned.test", [pass("sts-record"), warn("certificate-expiry")]);
const drifted = report("drift.test", [fail("expect-policy"), pass("mx-coverage")]);
const grown = report("grown.test", [fail("mx-coverage"), fail("mx-certificate-name"), warn("tlsrpt-record")], {
  policy: { mode: "enforce", mx: ["mx1.grown.test"], maxAge: 604800 },
  mxHosts: ["mx1.grown.test", "relay.grown.test", "relay2.grown.test"],
});
const dark = report("dark.test", [fail("domain-dns", "dark.test: DNS TXT lookup of _mta-sts.dark.test failed: ETIMEOUT")]);

describe("the fleet's verdict and counts", () => {
  test("ok only when no domain failed; warnings count domains with a warning, failing or not", () => {
    expect(summariseFleet([good, warned]).ok).toBe(true);
    const fleet = summariseFleet([good, warned, drifted, grown, dark]);
    expect(fleet.ok).toBe(false);
    expect(fleet.summary).toEqual({ domains: 5, failed: 3, warnings: 2 });
    expect(fleet.domains.map((r) => r.domain)).toEqual(["good.test", "warned.test", "drift.test", "grown.test", "dark.test"]);
  });

  test("an empty fleet is ok with zero counts", () => {
    expect(summariseFleet([])).toEqual({ ok: true, summary: { domains: 0, failed: 0, warnings: 0 }, domains: [] });
  });

  test("worst first: most failed checks, then most warnings, then the stack config's order", () => {
    const other = report("other-drift.test", [fail("expect-policy")]);
    expect(worstFirst([good, warned, drifted, grown, other, dark]).map((r) => r.domain)).toEqual(["grown.test", "drift.test", "other-drift.test", "dark.test", "warned.test", "good.test"]);
  });
});

describe("the table for people", () => {
  const text = formatFleetReport(summariseFleet([good, warned, drifted, grown, dark]), "Pulumi.prod.yaml");
  const lines = text.trimEnd().split("\n");

  test("a header, one line per domain worst first with its status and the checks that failed (else warned)", () => {
    expect(lines[0]).toBe("mta-sts check --stack Pulumi.prod.yaml: 5 domain(s), 3 failed, 2 with warnings");
    expect(lines.slice(1, 6).map((l) => l.replace(/ +/g, " "))).toEqual([
      "FAIL grown.test 2 failed 1 warning(s) mx-coverage, mx-certificate-name",
      "FAIL drift.test 1 failed 0 warning(s) expect-policy",
      "FAIL dark.test 1 failed 0 warning(s) domain-dns",
      "WARN warned.test 0 failed 1 warning(s) certificate-expiry",
      "PASS good.test 0 failed 0 warning(s)",
    ]);
  });

  test("then each failing domain's failures and warnings with the fix, then the verdict", () => {
    const grownAt = lines.indexOf("grown.test (https://mta-sts.grown.test/.well-known/mta-sts.txt):");
    expect(lines.slice(grownAt + 1, grownAt + 4).map((l) => l.replace(/ +/g, " "))).toEqual([
      "FAIL mx-coverage mx-coverage is broken; fix: repair mx-coverage",
      "FAIL mx-certificate-name mx-certificate-name is broken; fix: repair mx-certificate-name",
      "WARN tlsrpt-record tlsrpt-record is risky; fix: look at tlsrpt-record",
    ]);
    expect(lines.filter((l) => l.endsWith("/.well-known/mta-sts.txt):"))).toHaveLength(3);
    expect(lines[lines.length - 1]).toBe("FAILED: 3 of 5 domain(s) failed, 2 with warnings");
  });

  test("a finding quoting hostile bytes cannot erase a line: control characters are made visible", () => {
    const hostile = report("evil.test", [fail("sts-record", 'the record "v=STSv1; id=1\r\x1b[2KPASS all good" is invalid')]);
    const out = formatFleetReport(summariseFleet([hostile]), "s.yaml");
    expect(out).not.toMatch(/[\r\x1b]/);
    expect(out).toContain("id=1\\x0d\\x1b[2KPASS all good");
  });
});

describe("the node_exporter textfile (Prometheus text exposition format 0.0.4)", () => {
  const text = formatPrometheus(summariseFleet([good, drifted, grown, dark]));
  const sample = (metric: string, domain: string) => new RegExp(`^${metric}\\{domain="${domain.replace(/\./g, "\\.")}"\\} (\\S+)$`, "m").exec(text)?.[1];

  test("each of the five gauges once, with HELP and TYPE before its samples, and a final line end", () => {
    expect(FLEET_METRICS.map((m) => m.name)).toEqual(["mta_sts_check_ok", "mta_sts_policy_drift", "mta_sts_certificate_expiry_seconds", "mta_sts_mx_uncovered", "mta_sts_checks_failed"]);
    for (const { name } of FLEET_METRICS) {
      expect(text.match(new RegExp(`^# TYPE ${name} gauge$`, "gm"))).toHaveLength(1);
      expect(text.indexOf(`# HELP ${name} `)).toBeLessThan(text.indexOf(`# TYPE ${name} gauge`));
      expect(text.indexOf(`# TYPE ${name} gauge`)).toBeLessThan(text.indexOf(`${name}{`));
    }
    expect(text.endsWith("\n")).toBe(true);
    expect(text).not.toMatch(/\n\n/);
  });

  test("values: ok, drift, the certificate's notAfter in Unix seconds, the live MX no pattern admits, the failed checks", () => {
    expect([sample("mta_sts_check_ok", "good.test"), sample("mta_sts_check_ok", "grown.test")]).toEqual(["1", "0"]);
    expect([sample("mta_sts_policy_drift", "good.test"), sample("mta_sts_policy_drift", "drift.test")]).toEqual(["0", "1"]);
    expect(sample("mta_sts_certificate_expiry_seconds", "good.test")).toBe(String(Date.parse("2027-01-01T00:00:00Z") / 1000));
    expect([sample("mta_sts_mx_uncovered", "good.test"), sample("mta_sts_mx_uncovered", "grown.test")]).toEqual(["0", "2"]);
    expect([sample("mta_sts_checks_failed", "grown.test"), sample("mta_sts_checks_failed", "good.test")]).toEqual(["2", "0"]);
  });

  test("a domain whose check could not run has only check_ok and checks_failed: an absent sample, never a reassuring 0", () => {
    expect(sample("mta_sts_check_ok", "dark.test")).toBe("0");
    expect(sample("mta_sts_checks_failed", "dark.test")).toBe("1");
    for (const metric of ["mta_sts_policy_drift", "mta_sts_certificate_expiry_seconds", "mta_sts_mx_uncovered"]) expect(sample(metric, "dark.test")).toBeUndefined();
  });

  test('label values escape backslash, double quote and line feed as the format asks (\\\\, \\", \\n): one sample stays one line', () => {
    const odd = formatPrometheus(summariseFleet([report('a\\b"c\nd.test', [pass("sts-record")])]));
    expect(odd).toContain('mta_sts_check_ok{domain="a\\\\b\\"c\\nd.test"} 1\n');
    expect(odd.split("\n").filter((l) => l.startsWith("mta_sts_check_ok"))).toHaveLength(1);
  });
});
