/**
 * `mta-sts render --config <file>`: for each domain, the policy bytes, the id and the records
 * exactly as they would be deployed; a bad config exits 2 and lists every issue with its path.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cloudflareTxtContent } from "../../components/dns/txt-values";
import { runCli } from "../support/cli";

const fixture = (name: string) => join(__dirname, "..", "fixtures", "config", name);
/** Second derivation of the id: SHA-256 of the exact bytes, first 32 hex characters. */
const sha = (bytes: string) => createHash("sha256").update(Buffer.from(bytes, "utf8")).digest("hex").slice(0, 32);

const run = runCli;

// What test/fixtures/config/Pulumi.stack.yaml must produce, written out by hand.
const EXAMPLE_COM = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.com\r\nmx: mx2.example.com\r\nmax_age: 1209600\r\n";
const BUECHER = "version: STSv1\r\nmode: testing\r\nmx: *.mail.xn--bcher-kva.example\r\nmax_age: 3600\r\n";

describe("render --json: the exact bytes, ids and records", () => {
  it("renders every domain of a Pulumi stack file with defaults merged", async () => {
    const { code, out } = await run(["render", "--config", fixture("Pulumi.stack.yaml"), "--json"]);
    expect(code).toBe(0);
    const { ok, domains, warnings } = JSON.parse(out);
    expect(ok).toBe(true);
    expect(domains).toEqual([
      {
        domain: "example.com",
        policyHost: "mta-sts.example.com",
        policyUrl: "https://mta-sts.example.com/.well-known/mta-sts.txt",
        policyText: EXAMPLE_COM,
        policyId: sha(EXAMPLE_COM),
        stsRecordName: "_mta-sts.example.com",
        stsRecord: `v=STSv1; id=${sha(EXAMPLE_COM)}`,
        tlsRptRecordName: "_smtp._tls.example.com",
        tlsRptRecord: "v=TLSRPTv1; rua=mailto:tlsrpt@example.com",
      },
      {
        domain: "xn--bcher-kva.example",
        policyHost: "mta-sts.xn--bcher-kva.example",
        policyUrl: "https://mta-sts.xn--bcher-kva.example/.well-known/mta-sts.txt",
        policyText: BUECHER,
        policyId: sha(BUECHER),
        stsRecordName: "_mta-sts.xn--bcher-kva.example",
        stsRecord: `v=STSv1; id=${sha(BUECHER)}`,
        tlsRptRecordName: "_smtp._tls.xn--bcher-kva.example",
        tlsRptRecord: "v=TLSRPTv1; rua=https://reports.example.com/v1/tlsrpt?tag=a%2Cb%21c",
      },
    ]);
    expect(warnings).toEqual([{ path: "domains[1].policy.maxAgeSeconds", message: expect.stringMatching(/under one day/) }]);
  });

  // A timestamp, a random id or an order that depends on the run would differ from the committed
  // output. After an intended change, regenerate it (from the repository's root) with
  //   npm run --silent mta-sts -- render -c test/fixtures/config/Pulumi.stack.yaml --json > test/fixtures/config/Pulumi.stack.render.json
  it("gives byte for byte the committed output (test/fixtures/config/Pulumi.stack.render.json)", async () => {
    const { code, out } = await run(["render", "-c", fixture("Pulumi.stack.yaml"), "--json"]);
    expect(code).toBe(0);
    expect(out).toBe(readFileSync(fixture("Pulumi.stack.render.json"), "utf8"));
  });
});

describe("render (human output)", () => {
  it("prints each domain's policy, id and records, and warnings on stderr", async () => {
    const { code, out, err } = await run(["render", "--config", fixture("Pulumi.stack.yaml")]);
    expect(code).toBe(0);
    expect(out).toContain(
      [
        "# example.com",
        `policy https://mta-sts.example.com/.well-known/mta-sts.txt (id ${sha(EXAMPLE_COM)}, CRLF line ends):`,
        "    version: STSv1",
        "    mode: enforce",
        "    mx: mx1.example.com",
        "    mx: mx2.example.com",
        "    max_age: 1209600",
        `TXT _mta-sts.example.com "v=STSv1; id=${sha(EXAMPLE_COM)}"`,
        'TXT _smtp._tls.example.com "v=TLSRPTv1; rua=mailto:tlsrpt@example.com"',
      ].join("\n"),
    );
    expect(out).toContain(`TXT _mta-sts.xn--bcher-kva.example "v=STSv1; id=${sha(BUECHER)}"`);
    expect(err).toBe("warning domains[1].policy.maxAgeSeconds: 3600 s is under one day: senders refetch constantly and lose the policy quickly when the policy host is down; use at least 86400 s\n");
  });

  // Trap: a record over 255 octets printed as one quoted string is not publishable as written.
  it("prints a TXT record longer than 255 octets as several character-strings, which lint reads back", async () => {
    const { code, out } = await run(["render", "--config", fixture("plain.yaml")]);
    expect(code).toBe(0);
    const line = out.split("\n").find((l) => l.startsWith("TXT _smtp._tls.long.example "))!;
    const presentation = line.slice("TXT _smtp._tls.long.example ".length);
    const strings = [...presentation.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    expect(strings.length).toBeGreaterThan(1);
    expect(strings.every((s) => Buffer.byteLength(s) <= 255)).toBe(true);
    const { out: json } = await run(["render", "--config", fixture("plain.yaml"), "--json"]);
    expect(strings.join("")).toBe(JSON.parse(json).domains[0].tlsRptRecord);
    const lint = await run(["lint"], presentation);
    expect(lint.code).toBe(0);
    expect(lint.out).toMatch(/valid _smtp\._tls TXT record/);
    // The same quoting as the content the Cloudflare record writer sends.
    expect(presentation).toBe(cloudflareTxtContent(JSON.parse(json).domains[0].tlsRptRecord));
  });
});

describe("render: a bad config exits 2 and lists every issue with its path", () => {
  it("lists all eleven issues of the fixture, each with its path, and no stack trace", async () => {
    const { code, out, err } = await run(["render", "--config", fixture("bad.yaml")]);
    expect(code).toBe(2);
    expect(out).toBe("");
    const lines = err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/bad\.yaml has 11 problems; nothing was planned or declared:$/);
    expect(lines.slice(1).map((l) => l.trim().split(": ")[0])).toEqual([
      "defaults.policy.maxage",
      "domains[0].policy.mx",
      "domains[1].domain",
      "domains[1].policy.mode",
      "domains[2].policy.mx[0]",
      "domains[2].policy.mx[1]",
      "domains[2].policy.maxAgeSeconds",
      "domains[2].tlsRpt.rua[0]",
      "domains[3].domain",
      "domains[3].cloudflareZoneId",
      "domains[3].cloudflareAccountId",
    ]);
    expect(err).toContain('did you mean "maxAgeSeconds"?');
    expect(err).not.toMatch(/\n\s+at /);
  });

  it("with --json: exit 2, and the error with every issue as one JSON object on stdout", async () => {
    const { code, out, err } = await run(["render", "--json", "--config", fixture("bad.yaml")]);
    expect(code).toBe(2);
    expect(err).toBe("");
    const { ok, error } = JSON.parse(out);
    expect(ok).toBe(false);
    expect(error.code).toBe("config");
    expect(error.message).toMatch(/bad\.yaml has 11 problems; nothing was planned or declared$/);
    expect(error.issues).toHaveLength(11);
    expect(error.issues[0]).toEqual({ path: "defaults.policy.maxage", message: expect.stringContaining('did you mean "maxAgeSeconds"?') });
  });

  it.each([
    ["not-yaml.yaml", /is not valid YAML/],
    ["missing.yaml", /cannot read .*missing\.yaml: ENOENT/],
  ])("%s: exit 2 with one message, no stack trace", async (name, reason) => {
    const { code, err } = await run(["render", "--config", fixture(name)]);
    expect(code).toBe(2);
    expect(err).toMatch(reason);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it("a stack file without domains: exit 2 naming mta-sts:domains", async () => {
    const { code, err } = await run(["render", "--config", fixture("no-domains.yaml")]);
    expect(code).toBe(2);
    expect(err).toMatch(/^\s+domains: must be a list of domains.*mta-sts:domains/m);
  });

  it("a file that is not a mapping: exit 2 saying what was expected", async () => {
    const { code, err } = await run(["render", "--config", join(__dirname, "..", "fixtures", "lint", "sts-record.txt")]);
    expect(code).toBe(2);
    expect(err).toMatch(/expected a mapping with `config:`/);
  });

  it("without --stack: exit 2, one line naming the option and the help", async () => {
    const { code, err } = await run(["render"]);
    expect(code).toBe(2);
    expect(err).toBe("mta-sts: render needs the stack config file: --stack <file>, e.g. --stack Pulumi.example.yaml; see `mta-sts render --help`\n");
  });
});
