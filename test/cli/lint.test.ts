/**
 * `mta-sts lint`: a policy file or a TXT value, from a file or standard input, read as a sender
 * would. Exit codes (cli/verb-contract.ts): 0 valid (warnings allowed), 1 errors found, 2 could not run.
 */
import { join } from "node:path";
import { lintText } from "../../cli/lint";
import { runCli } from "../support/cli";

const fixture = (name: string) => join(__dirname, "..", "fixtures", "lint", name);

const run = runCli;

describe("lint a policy file (RFC 8461 §3.2)", () => {
  it("accepts the RFC's example policy: exit 0, the warning on its line, then ok", async () => {
    const file = fixture("rfc8461-policy.txt");
    const { code, out, err } = await run(["lint", file]);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^warning ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:6: max_age 604800 s in enforce mode is under 14 days`, "m"));
    expect(out).toMatch(/^ok .*rfc8461-policy\.txt: valid policy file \(RFC 8461 §3\.2\)$/m);
    expect(err).toBe("");
  });

  it("accepts a CRLF policy without any finding", async () => {
    const { code, out } = await run(["lint", fixture("policy-crlf.txt")]);
    expect(code).toBe(0);
    expect(out.trim().split("\n")).toEqual([expect.stringMatching(/^ok /)]);
  });

  it("prints every problem with its line, in line order, and exits 1", async () => {
    const file = fixture("policy-bad.txt");
    const { code, out } = await run(["lint", file]);
    expect(code).toBe(1);
    const lines = out.trim().split("\n");
    expect(lines.map((l) => l.match(/^(\w+) [^:]+(?::(\d+))?:/)?.slice(1))).toEqual([
      ["error", "2"], // mode: Enforce (values are case-sensitive)
      ["error", "3"], // trailing root dot
      ["error", "4"], // IP address
      ["error", "5"], // max_age over 31557600
      ["warning", "6"], // unknown field maxage
      ["fail", undefined],
    ]);
    expect(lines[0]).toContain('mode is "Enforce"');
    expect(lines[2]).toContain("IP address");
    expect(lines[5]).toMatch(/senders would ignore it/);
  });

  it("reads standard input when the file is - and names it <stdin>", async () => {
    const { code, out } = await run(["lint", "-"], "version: STSv1\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n");
    expect(code).toBe(0);
    expect(out).toBe("ok <stdin>: valid policy file (RFC 8461 §3.2)\n");
  });

  it("reads standard input when no file is given, and reports errors with lines", async () => {
    const { code, out } = await run(["lint"], "version: STSv1\nmode: enforce\nmax_age: 86400\nmx: *\n");
    expect(code).toBe(1);
    expect(out).toMatch(/^error <stdin>:4: mx "\*" would match every host/m);
  });

  it("prints one JSON document with --json and still exits 1 on errors", async () => {
    const { code, out } = await run(["lint", "--json", fixture("policy-bad.txt")]);
    expect(code).toBe(1);
    const report = JSON.parse(out);
    expect(report).toMatchObject({ ok: false, kind: "policy", valid: false });
    expect(report.findings.map((f: { line: number }) => f.line)).toEqual([2, 3, 4, 5, 6]);
    expect(report.findings[4]).toMatchObject({ severity: "warning", kind: "unknown-field" });
  });

  it("--json on a valid policy says valid and exits 0", async () => {
    const { code, out } = await run(["lint", "--json", "-"], "version: STSv1\nmode: none\nmax_age: 86400\n");
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ ok: true, kind: "policy", valid: true, findings: [] });
  });
});

describe("lint a TXT value (RFC 8461 §3.1, RFC 8460 §3)", () => {
  it("recognises and accepts the RFC 8461 §3.1 example record from a file", async () => {
    const { code, out } = await run(["lint", fixture("sts-record.txt")]);
    expect(code).toBe(0);
    expect(out).toMatch(/^ok .*: valid _mta-sts TXT record \(RFC 8461 §3\.1\)$/m);
  });

  it("reads a TXT value as dig prints it: quoted character-strings joined (RFC 1035 §5.1)", async () => {
    const { code, out } = await run(["lint", fixture("tlsrpt-dig.txt")]);
    expect(code).toBe(0);
    expect(out).toMatch(/valid _smtp\._tls TXT record/);
  });

  it.each([
    ["v=STSv1; id=20160831085700Z;", "sts"],
    ["v=TLSRPTv1;rua=mailto:reports@example.com", "tlsrpt"],
    ["v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", "tlsrpt"],
    ["v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt", "tlsrpt"],
  ])("accepts the RFC example %j from stdin (exit 0)", async (txt, kind) => {
    const { code, out } = await run(["lint", "--json"], `${txt}\n`);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ ok: true, kind, valid: true, findings: [] });
  });

  it.each([
    ["v=STSv1; id=not-alnum", /id "not-alnum" must be 1 to 32 letters and digits/],
    ["v=STSv1", /no "id=" field/],
    ["v=TLSRPTv1; rua=http://r.example.com/", /neither mailto: nor https:/],
    ["v=TLSRPTv1; rua=https://r.example.com/a!b", /percent-encoded/],
  ])("refuses %j from stdin with exit 1 and the reason", async (txt, reason) => {
    const { code, out } = await run(["lint"], txt);
    expect(code).toBe(1);
    expect(out).toMatch(reason);
    expect(out).toMatch(/^fail <stdin>: not a valid/m);
  });

  it("--kind forces the reading: a record linted as a policy is not a policy", async () => {
    const { code, out } = await run(["lint", "--kind", "policy", fixture("sts-record.txt")]);
    expect(code).toBe(1);
    expect(out).toMatch(/:1: /);
  });

  it("lintText tells a record from a policy by its version tag", () => {
    expect(lintText("v=STSv1; id=a").kind).toBe("sts");
    expect(lintText('"v=TLSRPTv1; rua=mailto:a@example.com"').kind).toBe("tlsrpt");
    expect(lintText("version: STSv1").kind).toBe("policy");
  });
});

describe("lint exit code 2: could not run", () => {
  it("an unreadable file: one line on stderr, no stack trace", async () => {
    const { code, out, err } = await run(["lint", fixture("does-not-exist.txt")]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(/^mta-sts: cannot read .*does-not-exist\.txt: ENOENT\n$/);
  });

  it("an unknown --kind", async () => {
    const { code, err } = await run(["lint", "--kind", "spf", fixture("sts-record.txt")]);
    expect(code).toBe(2);
    expect(err).toMatch(/Allowed choices are auto, policy, sts, tlsrpt/);
  });

  it("--help exits 0 and documents the verb", async () => {
    const { code, out } = await run(["lint", "--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(/Usage: mta-sts lint/);
    expect(out).toMatch(/--json/);
  });
});
