/**
 * The fleet check, `mta-sts check --stack FILE` without a domain: every domain of the stack
 * checked as `check --expect` checks one, bounded concurrency, a time limit per domain, the
 * summary table worst first, `--json`, the Prometheus textfile and the exit codes. Against a
 * local DNS server, an HTTPS server and an SMTP stand-in on random ports (no root); the runner's
 * bounds with an injected I/O that counts and stalls.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRenderedDomains } from "../../../cli/config-file";
import { defaultCheckDeps } from "../../../cli/check";
import { runFleetCheck } from "../../../components/check/fleet";
import type { CheckIo } from "../../../components/check/run-check";
import { renderPolicy } from "../../../components/model/policy";
import { splitTxtValue } from "../../../components/model/records";
import { RenderedMailDomain } from "../../../components/model/rendered";
import { runCli } from "../../support/cli";
import { startDnsServer, TestDnsServer, Zone } from "../../support/dns-server";
import { createTestCa, serve, Site, startHttpsServer, TestCa, TestHttpsServer } from "../../support/https-server";
import { SmtpStandIn, startSmtpServer } from "../../support/smtp-server";

const DAY = 86_400_000;
const NAMES = ["good1", "good2", "drift", "grown", "dark", "mxcert", "expiring"];
const stackYaml = `config:
  mta-sts:defaults:
    tlsRpt: { rua: ["mailto:tlsrpt@fleet.test"] }
  mta-sts:domains:
${NAMES.map((n) => `    - domain: ${n}.test\n      policy: { mode: enforce, mx: [mx.${n}.test], maxAgeSeconds: 1209600 }`).join("\n")}
`;

let dir: string;
let stackFile: string;
let ca: TestCa;
let dns: TestDnsServer;
let https: TestHttpsServer;
let smtp: SmtpStandIn;
let rendered: RenderedMailDomain[];
let expiringNotAfter: Date;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-fleet-"));
  ca = createTestCa(join(dir, "ca"));
  stackFile = join(dir, "Pulumi.fleet.yaml");
  writeFileSync(stackFile, stackYaml);
  rendered = loadRenderedDomains(stackFile);
  const zone: Zone = {};
  const sites: Record<string, Site> = {};
  const policyCert = ca.issue("policy-hosts", rendered.filter((d) => d.domain !== "expiring.test").map((d) => d.policyHost));
  expiringNotAfter = new Date(Date.now() + 5 * DAY);
  const expiringCert = ca.issue("expiring", ["mta-sts.expiring.test"], { notAfter: expiringNotAfter });
  for (const d of rendered) {
    const name = d.domain.replace(/\.test$/, "");
    zone[d.stsRecordName] = { TXT: [splitTxtValue(d.stsRecord)] };
    zone[d.tlsRptRecordName] = { TXT: [splitTxtValue(d.tlsRptRecord!)] };
    zone[d.policyHost] = { A: ["127.0.0.1"] };
    // grown.test: an MX appeared outside the stack, which its enforce policy does not admit.
    zone[d.domain] = { MX: [{ priority: 10, exchange: `mx.${name}.test` }, ...(name === "grown" ? [{ priority: 20, exchange: "new-relay.grown.test" }] : [])] };
    zone[`mx.${name}.test`] = { A: ["127.0.0.1"] };
    // drift.test serves other bytes than the config renders (max_age changed by hand).
    const body = name === "drift" ? renderPolicy({ mode: "enforce", mx: ["mx.drift.test"], maxAgeSeconds: 86400 }) : d.policyText;
    sites[d.policyHost] = { certificate: name === "expiring" ? expiringCert : policyCert, handler: serve(body) };
  }
  zone["new-relay.grown.test"] = { A: ["127.0.0.1"] };
  dns = await startDnsServer(zone);
  dns.failing["dark.test"] = "drop";
  https = await startHttpsServer(sites);
  // Every MX host but mxcert's gets a certificate naming it; mx.mxcert.test gets the first one, for other names.
  const mxNames = [...NAMES.filter((n) => n !== "mxcert").map((n) => `mx.${n}.test`), "new-relay.grown.test"];
  const mxCert = ca.issue("mx-hosts", mxNames);
  smtp = await startSmtpServer({ certificates: Object.fromEntries(mxNames.map((n) => [n, mxCert])) });
});

afterAll(async () => {
  await dns?.close();
  await https?.close();
  await smtp?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const deps = () => ({ check: { ...defaultCheckDeps, httpsPort: https.port, smtpPort: smtp.port } });
const fleet = (...args: string[]) => runCli(["check", "--stack", stackFile, "--resolver", dns.address, "--ca-file", ca.caPath, "--timeout", "2", ...args], "", deps());
type FleetRun = Awaited<ReturnType<typeof fleet>>;

/** The textfile the --prometheus run replaces (it holds "stale" before). */
let promFile: string;
let human: FleetRun;
let json: FleetRun;
let prometheus: FleetRun;
let prometheusNowhere: FleetRun;
// The four runs of the whole stack, side by side: each waits out dark.test's DNS timeout (2 s),
// once instead of four times in a row. All have ended before any test runs.
beforeAll(async () => {
  mkdirSync(join(dir, "prom"), { recursive: true });
  promFile = join(dir, "prom", "mta_sts.prom");
  writeFileSync(promFile, "stale\n");
  [human, json, prometheus, prometheusNowhere] = await Promise.all([fleet(), fleet("--json"), fleet("--prometheus", promFile), fleet("--json", "--prometheus", join(dir, "nowhere", "x.prom"))]);
});

describe("check --stack FILE: every domain checked as check --expect checks one", () => {

  test("exactly the broken domains fail, each for its own reason", () => {
    expect(json.code).toBe(1);
    const body = JSON.parse(json.out);
    const failedChecks = Object.fromEntries(body.domains.map((r: { domain: string; findings: { check: string; status: string }[] }) => [r.domain, r.findings.filter((f) => f.status === "fail").map((f) => f.check)]));
    expect(failedChecks).toEqual({
      "good1.test": [],
      "good2.test": [],
      "drift.test": ["expect-policy"],
      "grown.test": ["mx-coverage"],
      "dark.test": ["domain-dns"],
      "mxcert.test": ["mx-certificate-name"],
      "expiring.test": ["certificate-expiry"],
    });
  });

  test("--json: { ok, summary: { domains, failed, warnings }, domains: [the single-domain reports] }, in the stack's order", () => {
    const body = JSON.parse(json.out);
    expect(Object.keys(body)).toEqual(["ok", "summary", "domains"]);
    expect(body.ok).toBe(false);
    expect(body.summary).toEqual({ domains: 7, failed: 5, warnings: body.domains.filter((r: { summary: { warn: number } }) => r.summary.warn > 0).length });
    expect(body.domains.map((r: { domain: string }) => r.domain)).toEqual(NAMES.map((n) => `${n}.test`));
    expect(Object.keys(body.domains[0])).toEqual(["domain", "policyUrl", "checkedAt", "findings", "summary", "ok", "live"]);
    expect(body.domains[0].findings.map((f: { check: string }) => f.check)).toEqual(expect.arrayContaining(["expect-policy", "mx-starttls", "mx-certificate-expiry", "certificate-expiry"]));
  });

  test("the table: one line per domain, worst first, then the findings of each failing domain, then the verdict", () => {
    expect(human.code).toBe(1);
    const lines = human.out.split("\n");
    expect(lines[0]).toBe(`mta-sts check --stack ${stackFile}: 7 domain(s), 5 failed, ${JSON.parse(json.out).summary.warnings} with warnings`);
    const table = lines.slice(1, 8);
    expect(table.map((l) => l.split(/\s+/).slice(0, 2).join(" "))).toEqual(
      expect.arrayContaining(["FAIL drift.test", "FAIL grown.test", "FAIL dark.test", "FAIL mxcert.test", "FAIL expiring.test", "PASS good1.test", "PASS good2.test"]),
    );
    expect(table.slice(0, 5).every((l) => l.startsWith("FAIL "))).toBe(true);
    expect(table.slice(5).map((l) => l.split(/\s+/)[1])).toEqual(["good1.test", "good2.test"]);
    expect(table.find((l) => l.includes(" grown.test "))).toMatch(/^FAIL grown\.test +1 failed +\d warning\(s\) +mx-coverage$/);
    expect(human.out).toMatch(/\n\ndark\.test \(https:\/\/mta-sts\.dark\.test\/\.well-known\/mta-sts\.txt\):\nFAIL domain-dns +dark\.test: DNS TXT lookup of _mta-sts\.dark\.test failed: ETIMEOUT .*: the DNS gave no answer, so senders cannot find its policy or MX hosts either; fix: fix the DNS of dark\.test/);
    expect(human.out).toMatch(/\nFAIL certificate-expiry +the certificate expires in [45] day\(s\)/);
    expect(human.out).toMatch(/\nFAIL mx-certificate-name +mx\.mxcert\.test: the certificate does not name mx\.mxcert\.test/);
    expect(human.out).not.toMatch(/\ngood1\.test \(/);
    expect(lines[lines.length - 2]).toBe(`FAILED: 5 of 7 domain(s) failed, ${JSON.parse(json.out).summary.warnings} with warnings`);
  });

  test("every domain passing: exit 0 and OK", async () => {
    const good = join(dir, "good.yaml");
    writeFileSync(good, stackYaml.split("\n").filter((l, i, all) => !/domain: (drift|grown|dark|mxcert|expiring)/.test(l) && !/domain: (drift|grown|dark|mxcert|expiring)/.test(all[i - 1] ?? "")).join("\n"));
    const { code, out } = await runCli(["check", "--stack", good, "--resolver", dns.address, "--ca-file", ca.caPath, "--timeout", "2"], "", deps());
    expect(code).toBe(0);
    expect(out).toMatch(/\nOK: 0 of 2 domain\(s\) failed/);
  });

  test("a stack file that is not valid: exit 2, nothing checked", async () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "domains:\n  - domain: a.test\n    policy: { mode: enforced }\n");
    const before = dns.queries.length;
    const { code, err } = await runCli(["check", "--stack", bad], "", deps());
    expect(code).toBe(2);
    expect(err).toMatch(/bad\.yaml has 1 problem; nothing was planned or declared:\n {2}domains\[0\]\.policy\.mode: /);
    expect(dns.queries.length).toBe(before);
  });
});

describe("--prometheus FILE: node_exporter's textfile, replaced in one step", () => {
  test("the five metrics per domain, labelled domain; expiry is the Unix time of the policy certificate's notAfter", () => {
    expect(prometheus.code).toBe(1);
    const text = readFileSync(promFile, "utf8");
    expect(readdirSync(join(dir, "prom"))).toEqual(["mta_sts.prom"]);
    for (const metric of ["mta_sts_check_ok", "mta_sts_policy_drift", "mta_sts_certificate_expiry_seconds", "mta_sts_mx_uncovered", "mta_sts_checks_failed"]) {
      expect(text).toContain(`# TYPE ${metric} gauge\n`);
    }
    const sample = (metric: string, domain: string) => new RegExp(`^${metric}\\{domain="${domain.replace(/\./g, "\\.")}"\\} (\\S+)$`, "m").exec(text)?.[1];
    expect(sample("mta_sts_check_ok", "good1.test")).toBe("1");
    expect(sample("mta_sts_check_ok", "grown.test")).toBe("0");
    expect(sample("mta_sts_policy_drift", "drift.test")).toBe("1");
    expect(sample("mta_sts_policy_drift", "good1.test")).toBe("0");
    expect(sample("mta_sts_mx_uncovered", "grown.test")).toBe("1");
    expect(sample("mta_sts_mx_uncovered", "good2.test")).toBe("0");
    expect(sample("mta_sts_checks_failed", "mxcert.test")).toBe("1");
    // openssl writes notAfter to the second; the certificate says exactly this instant.
    expect(Number(sample("mta_sts_certificate_expiry_seconds", "expiring.test"))).toBe(Math.floor(expiringNotAfter.getTime() / 1000));
    // The domain whose DNS did not answer: only what is known.
    expect(sample("mta_sts_check_ok", "dark.test")).toBe("0");
    expect(sample("mta_sts_checks_failed", "dark.test")).toBe("1");
    expect(sample("mta_sts_policy_drift", "dark.test")).toBeUndefined();
    expect(sample("mta_sts_certificate_expiry_seconds", "dark.test")).toBeUndefined();
  });

  test("a directory that does not exist: exit 2 with one JSON error (io), after the fleet was checked", () => {
    const { code, out } = prometheusNowhere;
    expect(code).toBe(2);
    const body = JSON.parse(out);
    expect(body).toEqual({ ok: false, error: { code: "io", message: expect.stringMatching(/^cannot write .*nowhere\/x\.prom: ENOENT; the fleet was checked \(5 of 7 domain\(s\) failed\) but the textfile was not replaced$/) } });
  });
});

describe("the runner: bounded concurrency, a time limit per domain, one hung domain never holds up the run", () => {
  /** An I/O whose `_mta-sts` lookups count how many checks are in flight; `stall` never answers. */
  function countingIo(stall: Set<string>) {
    let inFlight = 0;
    let most = 0;
    const io: CheckIo = {
      dns: {
        txt: async (name) => {
          if (name.startsWith("_mta-sts.")) {
            inFlight++;
            most = Math.max(most, inFlight);
            await new Promise((r) => setTimeout(r, 20));
            inFlight--;
            if (stall.has(name.slice("_mta-sts.".length))) await new Promise(() => undefined);
          }
          return [];
        },
        mx: async () => [],
        addresses: async () => [],
        nameExists: async () => true,
      },
      fetchPolicy: async () => ({ ok: false, stage: "connect", message: "unused" }),
    };
    return { io, most: () => most };
  }
  const domains = (n: number) => loadRenderedDomainsFrom(Array.from({ length: n }, (_, i) => `d${i}.test`));

  test.each([1, 4, 16])("at most %i domain(s) at once, and every domain checked", async (concurrency) => {
    const { io, most } = countingIo(new Set());
    // Three times as many domains as may run at once, and one more: the runner must hold some back throughout.
    const count = 3 * concurrency + 1;
    const report = await runFleetCheck(domains(count), { concurrency, domainTimeoutMs: 5000, check: {} }, io);
    expect(report.domains).toHaveLength(count);
    expect(most()).toBeLessThanOrEqual(concurrency);
    expect(most()).toBe(concurrency);
  });

  test("one domain's DNS questions are asked at once, not one after the other; the report is the same as when answered one by one", async () => {
    let inFlight = 0;
    let most = 0;
    const slow = <T>(value: T) => async (): Promise<T> => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return value;
    };
    const io: CheckIo = {
      dns: { txt: slow([]), mx: slow([{ priority: 10, exchange: "mx.d0.test" }]), addresses: slow([]), nameExists: slow(true) },
      fetchPolicy: async () => ({ ok: false, stage: "connect", message: "unused" }),
    };
    const report = await runFleetCheck(domains(1), { concurrency: 1, domainTimeoutMs: 5000, check: {} }, io);
    // _mta-sts TXT, the policy host's addresses, MX and _smtp._tls TXT: four questions in flight together.
    expect(most).toBeGreaterThanOrEqual(4);
    expect(report.domains[0].findings.map((f) => `${f.status} ${f.check}`).slice(0, 3)).toEqual(["fail sts-record", "fail policy-host", "skip policy-tls"]);
  });

  test("a domain that never answers is a domain-timeout failure after --domain-timeout; the other 19 finish", async () => {
    const { io } = countingIo(new Set(["d3.test"]));
    const started = Date.now();
    const report = await runFleetCheck(domains(20), { concurrency: 2, domainTimeoutMs: 300, check: {} }, io);
    expect(Date.now() - started).toBeLessThan(3000);
    const hung = report.domains.find((r) => r.domain === "d3.test")!;
    expect(hung.findings).toEqual([expect.objectContaining({ check: "domain-timeout", status: "fail", message: "d3.test: the check did not finish within 0.3 s (--domain-timeout); a sender waiting this long for the policy or the MX hosts gives up too" })]);
    expect(report.domains.filter((r) => r.findings.some((f) => f.check === "domain-timeout"))).toHaveLength(1);
  });
});

/** Rendered domains for a list of names (each enforce with one MX), as the stack loader gives them. */
function loadRenderedDomainsFrom(names: string[]): RenderedMailDomain[] {
  const file = join(dir, `gen-${names.length}.yaml`);
  writeFileSync(file, `domains:\n${names.map((n) => `  - domain: ${n}\n    policy: { mode: enforce, mx: [mx.${n}] }`).join("\n")}\n`);
  return loadRenderedDomains(file);
}
