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
const reportFixtures = join(__dirname, "..", "fixtures", "reports");
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
  [[], "usage", /^give a verb: plan, render, lint, check, groups, reports, init, promote, demote(;|$)/, ""],
  [["bogus"], "usage", /^unknown command 'bogus'/, ""],
  [["--bogus"], "usage", /^unknown option '--bogus'/, ""],
  [["lint", "--bogus"], "usage", /^unknown option '--bogus'/, "lint"],
  [["lint", "--jsno"], "usage", /^unknown option '--jsno' \(Did you mean --json\?\)/, "lint"],
  [["lint", "--kind"], "usage", /^option '--kind <kind>' argument missing/, "lint"],
  [["lint", "--kind", "spf"], "usage", /Allowed choices are auto, policy, sts, tlsrpt/, "lint"],
  [["lint", "a.txt", "b.txt"], "usage", /^too many arguments for 'lint'/, "lint"],
  [["check"], "usage", /^missing the domain to check, e\.g\. `mta-sts check example\.com`, or --stack <file> to check every domain of a stack/, "check"],
  [["check", "not a domain"], "usage", /^domain "not a domain" contains white space/, "check"],
  [["check", "example.com", "--resolver", "999.1.1.1"], "usage", /^--resolver "999\.1\.1\.1" is not an address/, "check"],
  [["check", "example.com", "--resolver", "[:::]"], "usage", /^--resolver "\[:::\]" is not an address/, "check"],
  [["check", "example.com", "--resolver", "1::2::3"], "usage", /^--resolver "1::2::3" is not an address/, "check"],
  [["check", "example.com", "--resolver"], "usage", /^option '--resolver <address>' argument missing/, "check"],
  [["check", "example.com", "--timeout", "1e-9"], "usage", /^--timeout "1e-9" is too short: the minimum is 0\.1 s/, "check"],
  [["check", "example.com", "--timeout", "0"], "usage", /^--timeout "0" is too short/, "check"],
  [["check", "example.com", "--prometheus", "x.prom"], "usage", /^--prometheus is for checking every domain of a stack \(--stack <file> without a domain\); leave it out when checking example\.com/, "check"],
  [["check", "example.com", "--concurrency", "4"], "usage", /^--concurrency is for checking every domain of a stack/, "check"],
  [["check", "--stack", "Pulumi.example.yaml", "--concurrency", "0"], "usage", /^--concurrency 0 is out of range; give a whole number from 1 to 256 \(the default is 16\)/, "check"],
  [["check", "--stack", "Pulumi.example.yaml", "--domain-timeout", "0.5"], "usage", /^--domain-timeout 0\.5 is out of range; give 1 to 600 seconds \(the default is 60\)/, "check"],
  [["check", "--stack", "Pulumi.example.yaml", "--domain-timeout", "soon"], "usage", /^--domain-timeout "soon" is not a number of seconds/, "check"],
  [["check", "--stack", "a.yaml", "--expect", "b.yaml"], "usage", /^--stack a\.yaml and --expect b\.yaml name two files; give one/, "check"],
  [["check", "--stack", "missing.yaml"], "io", /^cannot read missing\.yaml: ENOENT$/, undefined],
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
  [["groups", "--stack", fixture("Pulumi.stack.yaml"), "--quota", "functions=200"], "usage", /^unknown option .--quota./, "groups"],
  [["init"], "usage", /^give the domains to onboard, e\.g\. `mta-sts init example\.com example\.org`, or --domains-file <file>(;|$)/, "init"],
  [["init", "not a domain"], "usage", /^argument 1: domain "not a domain" contains white space/, "init"],
  [["init", "a.test", "A.test."], "usage", /^argument 2: a\.test is already given \(argument 1\); give each domain once(;|$)/, "init"],
  [["init", "a.test", "--rua", "ftp://x"], "usage", /^--rua "ftp:\/\/x": "ftp:\/\/x" uses the scheme "ftp:", which is neither mailto: nor https:/, "init"],
  [["init", "a.test", "--concurrency", "0"], "usage", /^--concurrency 0 is out of range; give a whole number from 1 to 256 \(the default is 16\)(;|$)/, "init"],
  [["init", "a.test", "--concurrency", "many"], "usage", /^--concurrency "many" is not a whole number/, "init"],
  [["init", "a.test", "--host", "gcp"], "usage", /Allowed choices are aws, cloudflare-worker, cloudflare-pages/, "init"],
  [["init", "a.test", "--host", "cloudflare-worker"], "usage", /^the records go to Cloudflare, whose zone ids DNS cannot tell: give --cloudflare-zones <file>/, "init"],
  [["init", "a.test", "--cloudflare-account-id", "01a7362d577a6c3019a474fd6f485823"], "usage", /^--cloudflare-account-id is only used by --host cloudflare-worker and cloudflare-pages/, "init"],
  [["init", "a.test", "--group-size", "5"], "usage", /^--group-size and --group-count are for --shared-aws-host/, "init"],
  [["init", "a.test", "--shared-aws-host", "--group-size", "101"], "usage", /^--group-size 101 is out of range; give a whole number from 1 to 100/, "init"],
  [["init", "a.test", "--resolver", "999.1.1.1"], "usage", /^--resolver "999\.1\.1\.1" is not an address/, "init"],
  [["init", "a.test", "--timeout", "0"], "usage", /^--timeout "0" is too short/, "init"],
  [["init", "--domains-file", "missing.txt"], "io", /^cannot read --domains-file missing\.txt: ENOENT$/, undefined],
  [["init", "a.test", "--dns", "cloudflare", "--cloudflare-zones", "missing.yaml"], "io", /^cannot read --cloudflare-zones missing\.yaml: ENOENT$/, undefined],
  [["promote", "reports/"], "usage", /^required option '-s, --stack <file>' not specified/, "promote"],
  [["promote", "--stack", fixture("Pulumi.stack.yaml")], "usage", /^missing required argument 'sources'/, "promote"],
  [["promote", "--stack", fixture("Pulumi.stack.yaml"), "reports/", "--max", "0"], "usage", /^--max "0" must be a whole number from 1/, "promote"],
  [["promote", "--stack", fixture("Pulumi.stack.yaml"), "reports/", "--only", "nope.example"], "usage", /^--only nope\.example is not a domain of the stack config/, "promote"],
  [["promote", "--stack", fixture("Pulumi.stack.yaml"), "reports/", "--min-days", "two"], "usage", /^--min-days "two" must be a whole number/, "promote"],
  [["promote", "--stack", fixture("Pulumi.stack.yaml"), "imaps://tlsrpt@127.0.0.1:1/INBOX", "--dry-run", "--mark-seen"], "usage", /^--mark-seen flags mails in the mailbox, and --dry-run changes nothing/, "promote"],
  [["promote", "--stack", "missing.yaml", "reports/"], "io", /^cannot read missing\.yaml: ENOENT$/, undefined],
  [["promote", "--stack", fixture("Pulumi.stack.yaml"), "missing-dir"], "io", /^missing-dir: no such file or directory$/, undefined],
  [["promote", "--stack", fixture("not-yaml.yaml"), "reports/"], "config", /not-yaml\.yaml is not valid YAML/, undefined],
  [["demote", "example.com"], "usage", /^required option '-s, --stack <file>' not specified/, "demote"],
  [["demote", "--stack", fixture("Pulumi.stack.yaml")], "usage", /^missing required argument 'domains'/, "demote"],
  [["demote", "--stack", fixture("Pulumi.stack.yaml"), "not a domain"], "usage", /^domain "not a domain": "not a domain" contains white space/, "demote"],
  [["demote", "--stack", fixture("Pulumi.stack.yaml"), "nope.example"], "usage", /^nope\.example is not a domain of .*Pulumi\.stack\.yaml/, "demote"],
  [["reports"], "usage", /^missing required argument 'sources'/, "reports"],
  [["reports", reportFixtures, "--bogus"], "usage", /^unknown option '--bogus'/, "reports"],
  [["reports", reportFixtures, "--since", "March"], "usage", /^--since "March" must be a UTC day written YYYY-MM-DD/, "reports"],
  [["reports", reportFixtures, "--min-days", "two"], "usage", /^--min-days "two" must be a whole number/, "reports"],
  [["reports", reportFixtures, "--max-failure-rate", "5%"], "usage", /^--max-failure-rate "5%" must be a fraction from 0 to below 1/, "reports"],
  [["reports", reportFixtures, "--resolver", "999.1.1.1"], "usage", /^--resolver "999\.1\.1\.1" is not an address/, "reports"],
  [["reports", reportFixtures, "--mark-seen"], "usage", /^--mark-seen applies to IMAP sources only/, "reports"],
  [["reports", "imaps://reports@127.0.0.1:1/INBOX"], "usage", /^an IMAP source needs a password: set MTA_STS_IMAP_PASSWORD or pass --password-file/, "reports"],
  [["reports", "missing-reports"], "io", /^missing-reports: no such file or directory$/, undefined],
  [["reports", reportFixtures, "--ca-file", "missing.pem"], "io", /^--ca-file missing\.pem: ENOENT$/, undefined],
  [["reports", reportFixtures, "--stack", "missing.yaml"], "io", /^cannot read missing\.yaml: ENOENT$/, undefined],
  [["reports", "imaps://reports:secret@127.0.0.1:1/INBOX", "--password-file", "package.json"], "io", /^the IMAP URL holds a password: never put it on the command line/, undefined],
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
  const withJson = (argv: string[]) => (["plan", "render", "lint", "check", "init", "reports"].includes(argv[0]) ? [argv[0], "--json", ...argv.slice(1)] : [...argv, "--json"]);
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

  test.each([["plan"], ["render"], ["lint"], ["check"], ["groups"], ["init"], ["promote"], ["demote"]])("%s --help documents the verb and --json, exit 0", async (verb) => {
    const { code, out } = await runCli([verb, "--help"]);
    expect(code).toBe(0);
    expect(out).toMatch(new RegExp(`^Usage: mta-sts ${verb}`));
    expect(out).toMatch(/--json/);
  });

  test("every verb that reads a stack file takes --stack", async () => {
    for (const verb of ["plan", "render", "check", "groups", "promote", "demote"]) expect((await runCli([verb, "--help"])).out).toMatch(/-s, --stack <file>/);
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
