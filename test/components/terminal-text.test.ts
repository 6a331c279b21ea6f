/**
 * Untrusted bytes never reach the terminal raw. A hostile domain publishes a TXT record and a
 * policy full of terminal control sequences: ESC [1A (cursor up), ESC [2K (erase the line), a
 * bare CR (back to the start of the line), the C1 CSI U+009B, and a fake verdict after them.
 * Printed raw, they erase the FAIL line and leave "OK: 0 failed" on the screen. Every human
 * output path escapes them visibly instead (components/terminal-text.ts); these tests look at the
 * bytes written.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCheckDeps } from "../../cli/check";
import { escapeForTerminal, terminalLines } from "../../components/terminal-text";
import { runCli } from "../support/cli";
import { startDnsServer, TestDnsServer } from "../support/dns-server";
import { createTestCa, serve, startHttpsServer, TestCa, TestHttpsServer } from "../support/https-server";

/** Erase the line above and this one, then print a verdict of our own. */
const FAKE_OK = "\x1b[1A\x1b[2K\r\x1b[2KOK: 0 failed, 0 warning(s), 13 passed, 0 skipped";
/** For a policy line, where a bare CR is refused before the line is quoted: ESC alone erases too. */
const FAKE_OK_NO_CR = "\x1b[1A\x1b[2K\x1b[GOK: 0 failed, 0 warning(s), 13 passed, 0 skipped";
/** The same with the C1 form of CSI and a bell. */
const FAKE_OK_C1 = "\u009b1A\u009b2K\r\x07OK: 0 failed";

/** Bytes a terminal obeys rather than prints. */
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

function expectNoControlBytes(text: string): void {
  expect(text).not.toMatch(CONTROL);
  // Only the line ends the CLI writes itself: none comes from the record.
  for (const line of text.split("\n")) expect(line).not.toMatch(/^OK/);
}

describe("escapeForTerminal", () => {
  test.each([
    ["\x1b[2K", "\\x1b[2K"],
    ["a\rb", "a\\x0db"],
    ["bell\x07", "bell\\x07"],
    ["nul\x00", "nul\\x00"],
    ["del\x7f", "del\\x7f"],
    ["csi\u009b2K", "csi\\x9b2K"],
    ["line\nbreak", "line\\x0abreak"],
    ["tab\there", "tab\\x09here"],
    ["bidi \u202eevil", "bidi \\u202eevil"],
    ["marks \u200f\u200e", "marks \\u200f\\u200e"],
    ["separator\u2028", "separator\\u2028"],
  ])("makes %j visible as %j", (raw, shown) => {
    expect(escapeForTerminal(raw)).toBe(shown);
  });

  test("leaves printable ASCII, Unicode letters and backslashes as they are", () => {
    const text = 'mx: *.bücher.example; id="x" \\x1b as typed ☃';
    expect(escapeForTerminal(text)).toBe(text);
  });

  test("terminalLines keeps only its own line ends", () => {
    expect(terminalLines(["FAIL one\n", "OK\rtwo"])).toBe("FAIL one\\x0a\nOK\\x0dtwo\n");
  });
});

describe("a hostile domain cannot rewrite the report of mta-sts check", () => {
  let dir: string;
  let ca: TestCa;
  let dns: TestDnsServer;
  let https: TestHttpsServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mta-sts-escape-"));
    ca = createTestCa(dir);
    dns = await startDnsServer({
      // An invalid extension field whose name and value carry the sequences.
      "_mta-sts.hostile.test": { TXT: [[`v=STSv1; id=abc; x${FAKE_OK}=1`]] },
      "_smtp._tls.hostile.test": { TXT: [[`v=TLSRPTv1; rua=mailto:a@hostile.test; k${FAKE_OK_C1}=2`]] },
      "hostile.test": { MX: [{ priority: 10, exchange: "mx.hostile.test" }] },
      "mta-sts.hostile.test": { A: ["127.0.0.1"] },
      // Two records, so the report quotes both (through JSON.stringify, which leaves C1 raw).
      "_mta-sts.twice.test": { TXT: [[`v=STSv1; id=a${FAKE_OK_C1}`], [`v=STSv1; id=b`]] },
      "twice.test": { MX: [{ priority: 10, exchange: "mx.twice.test" }] },
    });
    const certificate = ca.issue("hostile", ["mta-sts.hostile.test"]);
    // A policy line without a colon is quoted whole in its error message.
    https = await startHttpsServer({ "mta-sts.hostile.test": { certificate, handler: serve(`version: STSv1\r\n${FAKE_OK_NO_CR}\r\nmode: enforce\r\nmx: mx.hostile.test\r\nmax_age: 86400\r\n`) } });
  });

  afterAll(async () => {
    await dns?.close();
    await https?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const check = (domain: string, ...extra: string[]) =>
    runCli(["check", domain, "--resolver", dns.address, "--ca-file", ca.caPath, "--timeout", "3", ...extra], "", { check: { ...defaultCheckDeps, httpsPort: https.port } });

  test("the FAIL lines stay, the sequences are shown escaped, and the verdict is the report's own", async () => {
    const { code, out } = await check("hostile.test");
    expect(code).toBe(1);
    expectNoControlBytes(out);
    expect(out).toMatch(/^FAIL sts-record .*x\\x1b\[1A\\x1b\[2K\\x0d\\x1b\[2KOK: 0 failed/m);
    expect(out).toMatch(/^FAIL policy-syntax +line 2: "\\x1b\[1A\\x1b\[2K\\x1b\[GOK" is not a field name/m);
    // node reads TXT octets as Latin-1: the UTF-8 of U+009B arrives as "Â" and the C1 octet 0x9b.
    expect(out).toMatch(/^FAIL tlsrpt-record .*k\u00c2?\\x9b1A\u00c2?\\x9b2K\\x0d\\x07OK/m);
    expect(out.trimEnd().split("\n").pop()).toMatch(/^FAILED: \d+ failed/);
  });

  test("records quoted through JSON.stringify are escaped too (C1 controls survive JSON)", async () => {
    const { code, out } = await check("twice.test");
    expect(code).toBe(1);
    expectNoControlBytes(out);
    expect(out).toMatch(/^FAIL sts-record .*\u00c2?\\x9b1A/m);
  });

  test("--json keeps the bytes as data: valid JSON whose strings hold the original characters", async () => {
    const { out } = await check("hostile.test", "--json");
    expect(out).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    const report = JSON.parse(out) as { live: { stsRecords: string[] } };
    expect(report.live.stsRecords).toEqual([`v=STSv1; id=abc; x${FAKE_OK}=1`]);
  });
});

describe("lint, render and errors escape what they echo", () => {
  test("lint: a policy line of control sequences is one escaped error line, then the fail line", async () => {
    const { code, out } = await runCli(["lint"], `version: STSv1\n${FAKE_OK_NO_CR}\nmode: testing\nmx: mx.example.com\nmax_age: 86400\n`);
    expect(code).toBe(1);
    expectNoControlBytes(out);
    expect(out.split("\n")).toEqual([expect.stringMatching(/^error <stdin>:2: "\\x1b\[1A\\x1b\[2K\\x1b\[GOK" is not a field name/), expect.stringMatching(/^fail <stdin>: not a valid policy file/), ""]);
  });

  test("lint: a hostile TXT value from a file named with an escape sequence", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mta-sts-escape-"));
    try {
      const file = join(dir, "rec\x1b[2K.txt");
      writeFileSync(file, `v=STSv1; id=1; bad${FAKE_OK_C1}=x\n`);
      const { code, out } = await runCli(["lint", file]);
      expect(code).toBe(1);
      expectNoControlBytes(out);
      expect(out).toMatch(/^error .*rec\\x1b\[2K\.txt: "bad\\x9b1A\\x9b2K\\x0d\\x07OK: 0 failed=x" is not a valid extension field/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("render and its config errors: a key of control sequences is shown escaped on stderr", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mta-sts-escape-"));
    try {
      const file = join(dir, "stack.yaml");
      writeFileSync(file, `domains:\n  - domain: example.com\n    "x${FAKE_OK}": 1\n    policy: { mode: testing, mx: [mx.example.com] }\n`);
      const { code, out, err } = await runCli(["render", "--stack", file]);
      expect(code).toBe(2);
      expect(out).toBe("");
      expectNoControlBytes(err);
      expect(err).toMatch(/domains\[0\]\.x\\x1b\[1A\\x1b\[2K\\x0d/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("usage errors echo option values escaped", async () => {
    const { code, err } = await runCli(["check", "example.com", "--resolver", `1.2.3.4${FAKE_OK}`]);
    expect(code).toBe(2);
    expectNoControlBytes(err);
    expect(err).toMatch(/^mta-sts: --resolver "1\.2\.3\.4\\x1b\[1A/);
  });
});
