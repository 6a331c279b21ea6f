/**
 * `mta-sts init` as a command, against a local DNS server and a local HTTPS server on random
 * ports (no root): the stack file it writes validates as it is and `mta-sts plan` accepts it;
 * each value says where it came from; failed and left-out domains are listed at the top and on
 * stderr; `--out` is written in one step; Cloudflare ids come from the files given, or init
 * refuses to run; the shared AWS host's pins are written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { defaultInitDeps } from "../../cli/init";
import { CONFIG_NAMESPACE } from "../../cli/config-file";
import { policyId, renderPolicy, renderStsRecord } from "../../components/model";
import { planStackGroups } from "../../components/stack/stack-groups";
import { stackConfigInput, validateStackConfig } from "../../components/stack/stack-config";
import { runCli, spawnCli, stopCliProcesses } from "../support/cli";
import { startDnsServer, TestDnsServer } from "../support/dns-server";
import { createTestCa, serve, startHttpsServer, TestHttpsServer } from "../support/https-server";

const partialPolicy = renderPolicy({ mode: "enforce", mx: ["mx1.partial.test"], maxAgeSeconds: 1209600 });

let dir: string;
let dns: TestDnsServer;
let https: TestHttpsServer;
let caPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-sts-init-"));
  const ca = createTestCa(join(dir, "ca"));
  caPath = ca.caPath;
  dns = await startDnsServer({
    "new.test": { MX: [{ priority: 20, exchange: "mx2.new.test" }, { priority: 10, exchange: "mx1.new.test" }] },
    "google.test": { MX: ["aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com"].map((exchange, i) => ({ priority: i * 5 + 1, exchange })) },
    "ms.test": { MX: [{ priority: 0, exchange: "ms-test.mail.protection.outlook.com" }] },
    // Publishes an enforce policy that misses its second live MX: mail to mx2 bounces today.
    "partial.test": { MX: [{ priority: 10, exchange: "mx1.partial.test" }, { priority: 20, exchange: "mx2.partial.test" }] },
    "_mta-sts.partial.test": { TXT: [[renderStsRecord(policyId(partialPolicy))]] },
    "_smtp._tls.partial.test": { TXT: [["v=TLSRPTv1; rua=mailto:reports@partial.test"]] },
    "mta-sts.partial.test": { A: ["127.0.0.1"] },
    "null.test": { MX: [{ priority: 0, exchange: "" }] },
    "nomx.test": { A: ["192.0.2.1"] },
    "dark.test": { MX: [{ priority: 10, exchange: "mx.dark.test" }] },
  });
  dns.failing["dark.test"] = "drop";
  const certificate = ca.issue("partial", ["mta-sts.partial.test"]);
  https = await startHttpsServer({ "mta-sts.partial.test": { certificate, handler: serve(partialPolicy) } });
});

afterAll(async () => {
  await dns?.close();
  await https?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
afterEach(stopCliProcesses);

const deps = () => ({ init: { ...defaultInitDeps, httpsPort: https.port, now: () => new Date("2026-12-01T10:00:00Z") } });
const init = (...args: string[]) => runCli(["init", "--resolver", dns.address, "--ca-file", caPath, "--timeout", "2", ...args], "", deps());

/** The stack config the text holds, validated as `plan` and the program validate it. */
function validated(text: string) {
  const doc = parseYaml(text) as { config: Record<string, unknown> };
  const result = validateStackConfig(stackConfigInput(doc.config, CONFIG_NAMESPACE));
  if (!result.ok) throw new Error(`the written file does not validate:\n${result.issues.map((i) => `${i.path}: ${i.message}`).join("\n")}`);
  return result;
}

type InitRun = Awaited<ReturnType<typeof init>>;
let run: InitRun;
let jsonRun: InitRun;
// The two runs that ask dark.test wait out its DNS timeout (2 s): side by side, once instead of
// twice in a row. Both have ended before any test runs.
beforeAll(async () => {
  [run, jsonRun] = await Promise.all([
    init("new.test", "google.test", "ms.test", "partial.test", "null.test", "nomx.test", "dark.test", "--rua", "mailto:tlsrpt@example.test"),
    init("new.test", "null.test", "dark.test", "--json"),
  ]);
});

describe("init over domains of every kind, one of which does not answer", () => {

  test("exit 1 (a domain's DNS did not answer), the file on stdout validates as it is, without the failed and left-out domains", () => {
    expect(run.code).toBe(1);
    const config = validated(run.out);
    expect(config.domains.map((d) => d.intent.domain)).toEqual(["new.test", "google.test", "ms.test", "partial.test"]);
  });

  test("the file says at the top that it is incomplete, naming the failed domain and why, and lists the left-out ones", () => {
    const top = run.out.slice(0, run.out.indexOf("config:"));
    expect(top).toMatch(/^# Written by `mta-sts init` from live DNS on 2026-12-01T10:00:00\.000Z, asking 127\.0\.0\.1:\d+\./);
    expect(top).toMatch(/# 7 domain\(s\) asked: 4 written, 2 left out \(no mail to protect\), 1 failed/);
    expect(top).toMatch(/# INCOMPLETE: these domains are NOT in this file.*\n#\s+dark\.test: DNS MX lookup of dark\.test failed: ETIMEOUT/);
    expect(top).toMatch(/# Left out:\n#\s+null\.test: null\.test has a null MX \(RFC 7505\)[^\n]*\n#\s+nomx\.test: nomx\.test has no MX records/);
  });

  test("stderr: one line per domain that needs a word, status first, the enforce gap as an ALERT, then the summary", () => {
    const lines = run.err.trimEnd().split("\n");
    expect(lines).toContain("SKIP null.test: null.test has a null MX (RFC 7505): it receives no mail, so MTA-STS has nothing to protect");
    expect(lines.find((l) => l.startsWith("FAIL dark.test: "))).toMatch(/ETIMEOUT.*; not in the file, run init for it again once its DNS answers$/);
    expect(lines.find((l) => l.startsWith("ALERT "))).toMatch(/^ALERT partial\.test: the enforce policy it serves now does not admit live MX mx2\.partial\.test: .*bounces today/);
    expect(lines[lines.length - 1]).toBe("init: 4 of 7 domain(s) written to standard output; 2 left out, 1 failed (the file says so at the top)");
  });

  test("a new domain: testing, its live MX by preference, --rua, each with a comment saying where it came from", () => {
    const config = validated(run.out);
    const d = config.domains.find((x) => x.intent.domain === "new.test")!;
    expect(d.intent.policy).toEqual({ mode: "testing", mx: ["mx1.new.test", "mx2.new.test"], maxAgeSeconds: 604800 });
    expect(d.intent.tlsRpt).toEqual({ rua: ["mailto:tlsrpt@example.test"] });
    expect(run.out).toMatch(/mode: testing # testing: new to MTA-STS/);
    expect(run.out).toMatch(/- mx1\.new\.test # live MX, preference 10\n\s+- mx2\.new\.test # live MX, preference 20/);
    expect(run.out).toMatch(/- mailto:tlsrpt@example\.test # from --rua/);
  });

  test("Google and Microsoft domains get the providers' documented patterns, naming the provider", () => {
    const config = validated(run.out);
    expect(config.domains.find((x) => x.intent.domain === "google.test")!.intent.policy.mx).toEqual(["*.aspmx.l.google.com", "aspmx.l.google.com", "smtp.google.com"]);
    expect(config.domains.find((x) => x.intent.domain === "ms.test")!.intent.policy.mx).toEqual(["*.mail.protection.outlook.com"]);
    expect(run.out).toMatch(/- "\*\.mail\.protection\.outlook\.com" # Microsoft 365's documented MX hosts/);
  });

  test("the domain publishing enforce keeps enforce, its max_age and its rua, adds the missed MX, and adopts its records (Route 53)", () => {
    const d = validated(run.out).domains.find((x) => x.intent.domain === "partial.test")!;
    expect(d.intent.policy).toEqual({ mode: "enforce", mx: ["mx1.partial.test", "mx2.partial.test"], maxAgeSeconds: 1209600 });
    expect(d.intent.tlsRpt).toEqual({ rua: ["mailto:reports@partial.test"] });
    expect(d.adoptExistingRecords).toBe(true);
    expect(run.out).toMatch(/# ALERT: partial\.test: the enforce policy it serves now does not admit live MX mx2\.partial\.test/);
    expect(run.out).toMatch(/- mx2\.partial\.test # live MX, preference 20, not admitted by the published policy/);
  });

  test("`mta-sts plan` accepts the written file", async () => {
    const file = join(dir, "Pulumi.init.yaml");
    writeFileSync(file, run.out);
    const plan = await spawnCli(["plan", "--stack", file, "--json"]);
    expect(plan.err).not.toMatch(/problem|error/i);
    expect(plan.code).toBe(0);
    expect(JSON.parse(plan.out).domains.map((d: { domain: string }) => d.domain)).toEqual(["new.test", "google.test", "ms.test", "partial.test"]);
  }, 120_000);
});

describe("exit codes and --json", () => {
  test("every domain read: exit 0", async () => {
    const { code, err } = await init("new.test", "null.test");
    expect(code).toBe(0);
    expect(err).toMatch(/init: 1 of 2 domain\(s\) written to standard output; 1 left out, 0 failed\n$/);
  });

  test("nothing to onboard: exit 1 and nothing written", async () => {
    const out = join(dir, "none.yaml");
    const { code, out: stdout, err } = await init("null.test", "nomx.test", "--out", out);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(existsSync(out)).toBe(false);
    expect(err.trimEnd().split("\n").pop()).toBe("init: nothing written: no domain could be onboarded (0 of 2); 2 left out, 0 failed");
  });

  test("--json: ok, summary, one result per domain, and the stack file", () => {
    const { code, out } = jsonRun;
    expect(code).toBe(1);
    const body = JSON.parse(out);
    expect(Object.keys(body)).toEqual(["ok", "summary", "domains", "stackFile"]);
    expect(body.ok).toBe(false);
    expect(body.summary).toEqual({ domains: 3, written: 1, leftOut: 1, failed: 1 });
    expect(body.domains.map((d: { domain: string; result: string }) => `${d.domain} ${d.result}`)).toEqual(["new.test written", "null.test left-out", "dark.test failed"]);
    expect(body.domains[0]).toMatchObject({ mode: "testing", mx: ["mx1.new.test", "mx2.new.test"], liveMx: ["mx1.new.test", "mx2.new.test"] });
    validated(body.stackFile);
  });

  test("--domains-file: one per line, comments and blank lines skipped; a domain given twice is refused with both places", async () => {
    const file = join(dir, "domains.txt");
    writeFileSync(file, "# our domains\nnew.test\n\n  ms.test   # Exchange Online\n");
    const { code, out } = await init("--domains-file", file);
    expect(code).toBe(0);
    expect(validated(out).domains.map((d) => d.intent.domain)).toEqual(["new.test", "ms.test"]);
    const twice = await init("MS.test", "--domains-file", file);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/^mta-sts: .*domains\.txt:4: ms\.test is already given \(argument 1\); give each domain once/);
  });
});

describe("--out: written in one step", () => {
  test("the file holds exactly what stdout would have, and replaces an older one; no temporary file is left", async () => {
    const out = join(dir, "out", "Pulumi.prod.yaml");
    rmSync(join(dir, "out"), { recursive: true, force: true });
    require("node:fs").mkdirSync(join(dir, "out"));
    writeFileSync(out, "old content that is longer than nothing\n".repeat(100));
    const written = await init("new.test", "ms.test", "--out", out);
    expect(written.code).toBe(0);
    expect(written.out).toBe("");
    const stdout = await init("new.test", "ms.test");
    expect(readFileSync(out, "utf8")).toBe(stdout.out);
    expect(readdirSync(join(dir, "out"))).toEqual(["Pulumi.prod.yaml"]);
    expect(written.err).toMatch(/written to .*Pulumi\.prod\.yaml/);
  });

  test("a directory that does not exist: exit 2 (io), nothing written", async () => {
    const { code, err } = await init("new.test", "--out", join(dir, "missing", "x.yaml"));
    expect(code).toBe(2);
    expect(err).toMatch(/^mta-sts: cannot write .*missing\/x\.yaml: ENOENT; nothing was written\n$/);
  });
});

describe("Cloudflare ids come from --cloudflare-zones and --cloudflare-account-id, or init refuses to run", () => {
  const account = "01a7362d577a6c3019a474fd6f485823";
  let zones: string;
  beforeAll(() => {
    zones = join(dir, "zones.yaml");
    // An id of digits only must stay text in the written file (unquoted, YAML would read a number).
    writeFileSync(zones, `new.test: "01234567890123456789012345678901"\nms.test: 023e105f4ecef8ad9ca31a8372d0c353\n`);
  });

  test("--host cloudflare-worker: the zone ids per domain, the account id and the host in the defaults; the file validates", async () => {
    const { code, out } = await init("new.test", "ms.test", "--host", "cloudflare-worker", "--cloudflare-zones", zones, "--cloudflare-account-id", account);
    expect(code).toBe(0);
    const config = validated(out);
    expect(config.domains.map((d) => [d.intent.domain, d.host, d.dns, d.cloudflareZoneId, d.cloudflareAccountId])).toEqual([
      ["new.test", "cloudflare-worker", "cloudflare", "01234567890123456789012345678901", account],
      ["ms.test", "cloudflare-worker", "cloudflare", "023e105f4ecef8ad9ca31a8372d0c353", account],
    ]);
    expect(out).toMatch(/cloudflareZoneId: "01234567890123456789012345678901" # from --cloudflare-zones/);
  });

  test("AWS host with --dns cloudflare: the zone ids, no account id; an existing record is a note to import it, not adoptExistingRecords", async () => {
    const { code, out } = await init("partial.test", "--dns", "cloudflare", "--cloudflare-zones", join(dir, "zones-partial.yaml"));
    expect(code).toBe(2);
    writeFileSync(join(dir, "zones-partial.yaml"), "partial.test: 023e105f4ecef8ad9ca31a8372d0c353\n");
    const ok = await init("partial.test", "--dns", "cloudflare", "--cloudflare-zones", join(dir, "zones-partial.yaml"));
    expect(ok.code).toBe(0);
    const d = validated(ok.out).domains[0];
    expect([d.host, d.dns, d.adoptExistingRecords]).toEqual(["aws", "cloudflare", false]);
    expect(ok.err).toMatch(/NOTE partial\.test: .*already exist at Cloudflare: import them/);
    expect(code).toBe(2);
  });

  test.each([
    [["--host", "cloudflare-pages", "--cloudflare-zones", "ZONES"], /^--host cloudflare-pages needs --cloudflare-account-id <id>/],
    [["--dns", "cloudflare"], /^the records go to Cloudflare, whose zone ids DNS cannot tell: give --cloudflare-zones <file>/],
    [["--host", "cloudflare-worker", "--cloudflare-account-id", account], /^the records go to Cloudflare.*--cloudflare-zones/],
    [["--host", "cloudflare-worker", "--cloudflare-zones", "ZONES", "--cloudflare-account-id", "nope"], /^--cloudflare-account-id "nope" is not a Cloudflare account id/],
    [["--host", "cloudflare-worker", "--dns", "route53", "--cloudflare-zones", "ZONES", "--cloudflare-account-id", account], /^--host cloudflare-worker keeps its records at Cloudflare/],
  ])("%j: exit 2 before any DNS question, saying what to give", async (args, reason) => {
    const before = dns.queries.length;
    const { code, err } = await init("new.test", "ms.test", ...args.map((a) => (a === "ZONES" ? zones : a)));
    expect(code).toBe(2);
    expect(err.replace(/^mta-sts: /, "")).toMatch(reason);
    expect(dns.queries.length).toBe(before);
  });

  test("a zones file without one of the domains names it; a bad id names its domain", async () => {
    const missing = await init("new.test", "google.test", "--dns", "cloudflare", "--cloudflare-zones", zones);
    expect(missing.err).toMatch(/has no zone id for 1 domain\(s\): google\.test; add them/);
    const bad = join(dir, "bad-zones.yaml");
    writeFileSync(bad, "new.test: 12345\n");
    expect((await init("new.test", "--dns", "cloudflare", "--cloudflare-zones", bad)).err).toMatch(/new\.test was read as a number, not text/);
  });
});

describe("--shared-aws-host: every domain pinned to a packed group", () => {
  test("sharedAwsHost with groupSize and a groupCount with room, a group pin on every entry, and nothing left for `groups --write` to pin", async () => {
    const { code, out } = await init("new.test", "google.test", "ms.test", "partial.test", "--shared-aws-host", "--group-size", "3");
    expect(code).toBe(0);
    const config = validated(out);
    expect(config.sharedAwsHost).toEqual({ groupSize: 3, groupCount: 3 });
    expect(config.domains.every((d) => d.group !== undefined)).toBe(true);
    const plan = planStackGroups(config.domains, { sharedAwsHost: config.sharedAwsHost });
    expect(plan.newPins).toEqual([]);
    expect(plan.findings).toEqual([]);
    expect(plan.shared!.assignment.groups.map((g) => g.size).sort()).toEqual([1, 3]);
    expect(out).toMatch(/group: \d+ # packed into the shared host's groups/);
  });

  test("a --group-count too small for the domains is refused before any question", async () => {
    const { code, err } = await init("new.test", "google.test", "ms.test", "--shared-aws-host", "--group-size", "1", "--group-count", "2");
    expect(code).toBe(2);
    expect(err).toMatch(/--group-count 2 × --group-size 1 holds 2 domains, fewer than the 3 given; give at least --group-count 3/);
  });
});
