/**
 * The CLI as people and machines expect it: `--version`; a mistake on the command line is one
 * line and "see `mta-sts <verb> --help`", never the whole help and never a stack trace; with
 * `--json`, every exit prints one JSON object on stdout (`{ "ok": false, "error": { "code",
 * "message" } }` when it could not run), commander's own errors included; `--stack` names the
 * stack file for every verb.
 *
 * The table is the regression net for "never a stack trace": add every new way to get it wrong.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultCheckDeps } from "../../cli/check";
import { ERROR_CODES, ErrorCode } from "../../cli/verb-contract";
import { jsonRequested } from "../../cli/json-output";
import { runCli, spawnCli, stopCliProcesses } from "../support/cli";

const root = join(__dirname, "..", "..");
const fixture = (name: string) => join(__dirname, "..", "fixtures", "config", name);
let dir: string;
let garbagePem: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-usage-"));
  garbagePem = join(dir, "garbage.pem");
  writeFileSync(garbagePem, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(stopCliProcesses);

/** [argv, the code --json reports, what the one line says, the verb whose --help it points to] */
const BAD: [string[], ErrorCode, RegExp, string | undefined][] = [
  [[], "usage", /^give a verb: plan, render, lint, check, groups/, ""],
  [["bogus"], "usage", /^unknown command 'bogus'/, ""],
  [["--bogus"], "usage", /^unknown option '--bogus'/, ""],
  [["lint", "--bogus"], "usage", /^unknown option '--bogus'/, "lint"],
  [["lint", "--jsno"], "usage", /^unknown option '--jsno' \(Did you mean --json\?\)/, "lint"],
  [["lint", "--kind"], "usage", /^option '--kind <kind>' argument missing/, "lint"],
  [["lint", "--kind", "spf"], "usage", /Allowed choices are auto, policy, sts, tlsrpt/, "lint"],
  [["lint", "a.txt", "b.txt"], "usage", /^too many arguments for 'lint'/, "lint"],
  [["check"], "usage", /^missing the domain to check/, "check"],
  [["check", "not a domain"], "usage", /^domain "not a domain" contains white space/, "check"],
  [["check", "example.com", "--resolver", "999.1.1.1"], "usage", /^--resolver "999\.1\.1\.1" is not an address/, "check"],
  [["check", "example.com", "--resolver", "[:::]"], "usage", /^--resolver "\[:::\]" is not an address/, "check"],
  [["check", "example.com", "--resolver", "1::2::3"], "usage", /^--resolver "1::2::3" is not an address/, "check"],
  [["check", "example.com", "--resolver"], "usage", /^option '--resolver <address>' argument missing/, "check"],
  [["check", "example.com", "--timeout", "1e-9"], "usage", /^--timeout "1e-9" is too short: the minimum is 0\.1 s/, "check"],
  [["check", "example.com", "--timeout", "0"], "usage", /^--timeout "0" is too short/, "check"],
  [["check", "--stack", "Pulumi.example.yaml"], "usage", /^checking every domain of a stack .* is not available yet/, "check"],
  [["plan"], "usage", /^plan needs the stack config file: --stack <file>/, "plan"],
  [["render"], "usage", /^render needs the stack config file: --stack <file>/, "render"],
  [["render", "--stack", "a.yaml", "--config", "b.yaml"], "usage", /^--stack a\.yaml and --config b\.yaml name two files/, "render"],
  [["lint", "missing.txt"], "io", /^cannot read missing\.txt: ENOENT$/, undefined],
  [["render", "--stack", "missing.yaml"], "io", /^cannot read missing\.yaml: ENOENT$/, undefined],
  [["check", "example.com", "--ca-file", "missing.pem"], "io", /^cannot read --ca-file missing\.pem: ENOENT$/, undefined],
  [["render", "--stack", fixture("not-yaml.yaml")], "config", /not-yaml\.yaml is not valid YAML/, undefined],
  [["plan", "--stack", fixture("Pulumi.stack.yaml"), "--markdown"], "usage", /^--markdown compares plans: add --base/, "plan"],
  [["plan", "--stack", fixture("Pulumi.stack.yaml"), "--allow", "enforce-enabled"], "usage", /^--allow compares plans: add --base/, "plan"],
  [["plan", "--stack", fixture("Pulumi.stack.yaml"), "--base", "HEAD", "--allow", "everything"], "usage", /^--allow everything: not a risk code; the codes are /, "plan"],
  [["plan", "--stack", fixture("Pulumi.stack.yaml"), "--base", "no-such-ref-of-mta-sts"], "usage", /^--base no-such-ref-of-mta-sts is (neither an existing file nor a git ref|not a file)/, "plan"],
  [["groups"], "usage", /^required option '-s, --stack <file>' not specified/, "groups"],
  [["groups", "--stack", "missing.yaml"], "io", /^cannot read missing\.yaml: ENOENT$/, undefined],
  [["groups", "--stack", fixture("not-yaml.yaml")], "config", /not-yaml\.yaml is not valid YAML/, undefined],
  [["groups", "--stack", fixture("Pulumi.stack.yaml"), "--quota", "functions=200"], "usage", /^--quota "functions=200" must be <key>=<whole number from 1>/, "groups"],
];

describe("a command that cannot run: exit 2, one line, no stack trace", () => {
  test.each(BAD)("%j", async (argv, _code, reason, verb) => {
    const { code, out, err } = await runCli(argv);
    expect(code).toBe(2);
    expect(out).toBe("");
    const lines = err.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe("");
    expect(lines[0]).toMatch(/^mta-sts: /);
    expect(lines[0].slice("mta-sts: ".length)).toMatch(reason);
    if (verb !== undefined) expect(lines[0]).toMatch(new RegExp(`; see \`mta-sts${verb ? ` ${verb}` : ""} --help\`$`));
    else expect(lines[0]).not.toMatch(/--help/);
    expect(err).not.toMatch(/Usage:|\n\s+at /);
  });

  test("a --ca-file with garbage between the PEM markers: exit 2, no certificate in --ca-file", async () => {
    const { code, err } = await runCli(["check", "example.com", "--ca-file", garbagePem]);
    expect(code).toBe(2);
    expect(err).toMatch(/^mta-sts: no certificate in --ca-file .*garbage\.pem: block 1 \(line 1\) between the PEM markers is not a certificate/);
  });

  test("a bad config: the summary line, then one line per problem with its path", async () => {
    const { code, out, err } = await runCli(["render", "--stack", fixture("bad.yaml")]);
    expect(code).toBe(2);
    expect(out).toBe("");
    const lines = err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^mta-sts: .*bad\.yaml has 11 problems; nothing was planned or declared:$/);
    expect(lines.slice(1).every((l) => /^ {2}[a-z][\w.[\]]*: \S/i.test(l))).toBe(true);
    expect(lines).toHaveLength(12);
  });

  test("an unexpected exception is one line naming it an internal error; its stack only with MTA_STS_DEBUG", async () => {
    const broken = { check: { ...defaultCheckDeps, io: () => { throw new TypeError("resolver exploded"); } } };
    const { code, err } = await runCli(["check", "example.com"], "", broken);
    expect(code).toBe(2);
    expect(err).toBe("mta-sts: internal error: resolver exploded (a bug in mta-sts; run with MTA_STS_DEBUG=1 to see where, and report it)\n");
    const json = await runCli(["check", "example.com", "--json"], "", broken);
    expect(JSON.parse(json.out)).toEqual({ ok: false, error: { code: "internal", message: expect.stringMatching(/^internal error: resolver exploded/) } });
    process.env.MTA_STS_DEBUG = "1";
    try {
      expect((await runCli(["check", "example.com"], "", broken)).err).toMatch(/\n\s+at /);
    } finally {
      delete process.env.MTA_STS_DEBUG;
    }
  });
});

describe("--json: one JSON object on stdout on every exit", () => {
  // --json right after the verb, so that it is not taken as the value of an option missing one.
  const withJson = (argv: string[]) => (["plan", "render", "lint", "check"].includes(argv[0]) ? [argv[0], "--json", ...argv.slice(1)] : [...argv, "--json"]);
  test.each(BAD)("%j with --json", async (argv, errorCode, reason) => {
    const { code, out, err } = await runCli(withJson(argv));
    expect(code).toBe(2);
    expect(err).toBe("");
    const body = JSON.parse(out);
    expect(Object.keys(body)).toEqual(["ok", "error"]);
    expect(body.ok).toBe(false);
    expect(ERROR_CODES).toContain(body.error.code);
    expect(body.error.code).toBe(errorCode);
    expect(body.error.message).toMatch(reason);
    expect(body.error.message).not.toMatch(/\n/);
  });

  test("a bad config: code config, with every issue as { path, message }", async () => {
    const { code, out } = await runCli(["render", "--stack", fixture("bad.yaml"), "--json"]);
    expect(code).toBe(2);
    const { error } = JSON.parse(out);
    expect(error.code).toBe("config");
    expect(error.issues).toHaveLength(11);
    for (const issue of error.issues) expect(Object.keys(issue)).toEqual(["path", "message"]);
    expect(error.issues.map((i: { path: string }) => i.path)).toContain("domains[2].policy.mx[0]");
  });

  test("a success carries ok: true as its first key (render, lint)", async () => {
    const render = JSON.parse((await runCli(["render", "--stack", fixture("Pulumi.stack.yaml"), "--json"])).out);
    expect(Object.keys(render)[0]).toBe("ok");
    expect(render.ok).toBe(true);
    const lint = JSON.parse((await runCli(["lint", "--json"], "v=STSv1; id=1\n")).out);
    expect(Object.keys(lint)[0]).toBe("ok");
    expect(lint.ok).toBe(true);
  });

  test("findings (exit 1) are ok: false without an error: the verb ran", async () => {
    const { code, out } = await runCli(["lint", "--json"], "v=STSv1; id=no!\n");
    expect(code).toBe(1);
    const body = JSON.parse(out);
    expect(body.ok).toBe(false);
    expect(body.error).toBeUndefined();
    expect(body.findings[0]).toMatchObject({ severity: "error" });
  });

  test("jsonRequested: --json anywhere before --, not after it", () => {
    expect(jsonRequested(["lint", "--json", "-"])).toBe(true);
    expect(jsonRequested(["--json"])).toBe(true);
    expect(jsonRequested(["lint", "--", "--json"])).toBe(false);
    expect(jsonRequested(["lint", "--jsonx"])).toBe(false);
  });
});

describe("--version and --help", () => {
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;

  test.each([["--version"], ["-V"]])("%s prints the package version and exits 0", async (flag) => {
    expect(await runCli([flag])).toEqual({ code: 0, out: `${version}\n`, err: "" });
  });

  test.each([["plan"], ["render"], ["lint"], ["check"], ["groups"]])("%s --help documents the verb and --json, exit 0", async (verb) => {
    const { code, out } = await runCli([verb, "--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: mta-sts ${verb}`));
    expect(out).toMatch(/--json/);
  });

  test("every verb that reads a stack file takes --stack", async () => {
    for (const verb of ["plan", "render", "check", "groups"]) expect((await runCli([verb, "--help"])).out).toMatch(/-s, --stack <file>/);
  });
});

describe("render --stack and --config name the same file", () => {
  test("both give the same output", async () => {
    const a = await runCli(["render", "--stack", fixture("Pulumi.stack.yaml"), "--json"]);
    const b = await runCli(["render", "--config", fixture("Pulumi.stack.yaml"), "--json"]);
    expect(a.code).toBe(0);
    expect(b).toEqual(a);
  });
});

describe("as a real process: the invocations that printed a stack trace", () => {
  test(
    "check --resolver 999.1.1.1, and 1::2::3 with --json: exit 2, one line or one JSON object",
    async () => {
      const [human, json] = await Promise.all([
        spawnCli(["check", "example.com", "--resolver", "999.1.1.1"]),
        spawnCli(["check", "example.com", "--resolver", "1::2::3", "--json"]),
      ]);
      expect(human.code).toBe(2);
      expect(human.out).toBe("");
      expect(human.err).toBe('mta-sts: --resolver "999.1.1.1" is not an address: write an IP address with an optional port, e.g. 127.0.0.1:5353 or [::1]:53; see `mta-sts check --help`\n');
      expect(json.code).toBe(2);
      expect(json.err).toBe("");
      expect(JSON.parse(json.out)).toEqual({ ok: false, error: { code: "usage", message: expect.stringMatching(/^--resolver "1::2::3" is not an address/) } });
    },
    60_000,
  );
});
