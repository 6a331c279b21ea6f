/**
 * `mta-sts check` as a command: options, the one-line-per-finding report, --json, --expect with a
 * real config file, and the exit codes (0 ok, 1 failures, 2 could not run), against a local DNS
 * server and a local HTTPS server on random ports (no root).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { registerCheck, defaultCheckDeps } from "../cli/check";
import { CliContext, UsageError } from "../cli/exit-codes";
import type { CheckReport } from "../components/check/findings";
import { validateMailDomain } from "../components/model/config";
import { splitTxtValue } from "../components/model/records";
import { renderMailDomain } from "../components/model/rendered";
import { startDnsServer, TestDnsServer } from "./support/dns-server";
import { createTestCa, serve, startHttpsServer, TestCa, TestHttpsServer } from "./support/https-server";

const configYaml = `domains:
  - domain: example.test
    policy:
      mode: enforce
      mx: [mx1.example.test]
      maxAgeSeconds: 1209600
    tlsRpt:
      rua: [mailto:tlsrpt@example.test]
`;
const intent = validateMailDomain({ domain: "example.test", policy: { mode: "enforce", mx: ["mx1.example.test"], maxAgeSeconds: 1209600 }, tlsRpt: { rua: ["mailto:tlsrpt@example.test"] } });
if (!intent.ok) throw new Error("fixture config is invalid");
const rendered = renderMailDomain(intent.value);

let dir: string;
let ca: TestCa;
let dns: TestDnsServer;
let https: TestHttpsServer;
let configPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-check-cli-"));
  ca = createTestCa(dir);
  configPath = join(dir, "mta-sts.yaml");
  writeFileSync(configPath, configYaml);
  dns = await startDnsServer({
    [rendered.stsRecordName]: { TXT: [splitTxtValue(rendered.stsRecord)] },
    [rendered.tlsRptRecordName]: { TXT: [splitTxtValue(rendered.tlsRptRecord!)] },
    [rendered.domain]: { MX: [{ priority: 10, exchange: "mx1.example.test" }] },
    [rendered.policyHost]: { A: ["127.0.0.1"] },
    // The same deployment, but its MX list has grown a host the enforce policy lacks.
    "_mta-sts.grown.test": { TXT: [[rendered.stsRecord]] },
    "grown.test": { MX: [{ priority: 10, exchange: "mx1.example.test" }, { priority: 20, exchange: "mx2.grown.test" }] },
    "mta-sts.grown.test": { A: ["127.0.0.1"] },
  });
  const certificate = ca.issue("cli", [rendered.policyHost, "mta-sts.grown.test"]);
  https = await startHttpsServer({ [rendered.policyHost]: { certificate, handler: serve(rendered.policyText) }, "mta-sts.grown.test": { certificate, handler: serve(rendered.policyText) } });
});

afterAll(async () => {
  await dns?.close();
  await https?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Run `mta-sts check ...` in-process; UsageError is turned into its exit code as cli/main.ts does. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const ctx: CliContext = { exitCode: 0, out: (t) => void (out += t), err: (t) => void (err += t), readStdin: async () => "" };
  const program = new Command("mta-sts").exitOverride().configureOutput({ writeOut: ctx.out, writeErr: ctx.err });
  registerCheck(program, ctx, { ...defaultCheckDeps, httpsPort: https.port }).exitOverride();
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: ctx.exitCode, out, err };
  } catch (e) {
    if (e instanceof UsageError) return { code: e.exitCode, out, err: err + e.message };
    throw e;
  }
}

const lab = () => ["--resolver", dns.address, "--ca-file", ca.caPath, "--timeout", "2"];

describe("mta-sts check: exit codes 0 ok / 1 findings / 2 could not run", () => {
  test("a correct domain exits 0 with one PASS line per check and a summary", async () => {
    const { code, out } = await run("check", "example.test", ...lab());
    expect(code).toBe(0);
    const lines = out.trimEnd().split("\n");
    expect(lines[0]).toBe("mta-sts check example.test (https://mta-sts.example.test/.well-known/mta-sts.txt)");
    expect(lines.slice(1, -1).every((l) => /^PASS [a-z-]+ +\S/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith("PASS mx-coverage"))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^OK: 0 failed, 0 warning\(s\), \d+ passed, 0 skipped$/);
  });

  test("an uncovered MX in enforce exits 1; the finding line starts with FAIL and carries the fix", async () => {
    const { code, out } = await run("check", "grown.test", ...lab());
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL mx-coverage +MX host\(s\) mx2\.grown\.test match no mx pattern.*; fix: add mx2\.grown\.test/m);
    expect(out).toMatch(/^FAILED: 1 failed/m);
  });

  test("--json prints the report as JSON with the same verdict", async () => {
    const { code, out } = await run("check", "example.test", ...lab(), "--json");
    expect(code).toBe(0);
    const report = JSON.parse(out) as CheckReport;
    expect(report.ok).toBe(true);
    expect(report.live.policyId).toBe(rendered.policyId);
    expect(report.findings.find((f) => f.check === "policy-syntax")?.status).toBe("pass");
  });

  test("--expect with the config file that rendered the deployment passes the drift checks", async () => {
    const { code, out } = await run("check", "example.test", ...lab(), "--expect", configPath);
    expect(code).toBe(0);
    expect(out).toMatch(/^PASS expect-policy +the served policy is byte for byte/m);
    expect(out).toMatch(/^PASS expect-sts-record/m);
  });

  test("--expect for a config whose mx changed reports drift and exits 1", async () => {
    const changed = join(dir, "changed.yaml");
    writeFileSync(changed, configYaml.replace("mx: [mx1.example.test]", "mx: [mx1.example.test, mx2.example.test]"));
    const { code, out } = await run("check", "example.test", ...lab(), "--expect", changed);
    expect(code).toBe(1);
    expect(out).toMatch(/^FAIL expect-policy +the served policy differs/m);
    expect(out).toMatch(/^FAIL expect-sts-record/m);
  });

  test("--expect with a file that does not list the domain exits 2", async () => {
    const { code, err } = await run("check", "other.test", ...lab(), "--expect", configPath);
    expect(code).toBe(2);
    expect(err).toMatch(/has no domain other\.test \(it has example\.test\)/);
  });

  test("no DNS answer at all exits 2: nothing could be checked", async () => {
    dns.mode = "drop";
    try {
      const { code, err, out } = await run("check", "example.test", ...lab(), "--timeout", "0.3");
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err).toMatch(/_mta-sts\.example\.test failed: ETIMEOUT/);
    } finally {
      dns.mode = "answer";
    }
  });

  test.each([
    [["check", "not a domain"], /domain "not a domain" contains white space/],
    [["check", "example.test", "--resolver", "dns.example:53"], /--resolver "dns\.example:53" is not an address/],
    [["check", "example.test", "--ca-file", "/nonexistent/ca.pem"], /--ca-file \/nonexistent\/ca\.pem: ENOENT/],
    [["check", "example.test", "--timeout", "soon"], /--timeout "soon"/],
  ])("bad usage %j exits 2 with a one-line reason", async (args, reason) => {
    const { code, err } = await run(...args);
    expect(code).toBe(2);
    expect(err).toMatch(reason);
  });

  test("an IDN domain argument is checked under its A-label", async () => {
    const { code, err } = await run("check", "bücher.test", ...lab(), "--expect", configPath);
    expect(code).toBe(2);
    expect(err).toMatch(/has no domain xn--bcher-kva\.test/);
  });
});
