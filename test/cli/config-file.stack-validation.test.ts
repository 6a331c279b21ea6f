/**
 * `plan`, `render` and `lint --stack` read a stack file through one validation
 * (cli/config-file.ts → stack-config.ts), so they agree on what is invalid: the same problems,
 * each with its path, exit 2, in one round, the shared host's groups and pins among them.
 * `lint --stack` is the plan's check without the plan.
 *
 * Trap guarded against: `render` exiting 0 on a config that `plan` refuses, and shared-host
 * problems coming in a second round (after the rest was "accepted") as an internal error.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { loadRenderedDomains } from "../../cli/config-file";
import { runCli } from "../support/cli";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `mta-sts-stack-validation-${process.pid}-`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function stackFile(config: Record<string, unknown>): string {
  const path = join(dir, `Pulumi.v${count++}.yaml`);
  writeFileSync(path, stringifyYaml({ config }));
  return path;
}

const policy = { mode: "testing", mx: ["mx1.example.com"] };
const aws = (domain: string, extra: Record<string, unknown> = {}) => ({ domain, host: "aws", hostedZoneId: "Z1", policy, ...extra });

const invalid: [string, Record<string, unknown>, string[]][] = [
  ["shared-host domains without pins", { "mta-sts:sharedAwsHost": {}, "mta-sts:domains": [aws("a.example"), aws("b.example")] }, ["domains[0].group"]],
  [
    "an unpinned domain next to a bad mx and a bad groupSize, all in one round",
    { "mta-sts:sharedAwsHost": { groupSize: 101 }, "mta-sts:domains": [aws("a.example", { group: 0 }), aws("b.example", { policy: { mode: "enforce", mx: ["192.0.2.1"] } })] },
    ["sharedAwsHost.groupSize", "domains[1].policy.mx[0]", "domains[1].group"],
  ],
  ["a group pinned over groupSize", { "mta-sts:sharedAwsHost": { groupSize: 2 }, "mta-sts:domains": ["a", "b", "c"].map((d) => aws(`${d}.example`, { group: 5 })) }, ["domains[2].group"]],
  ["a pin above 999", { "mta-sts:sharedAwsHost": {}, "mta-sts:domains": [aws("a.example", { group: 1000 })] }, ["domains[0].group"]],
  ["a group whose hosts are all too long for the certificate's first name", { "mta-sts:sharedAwsHost": {}, "mta-sts:domains": [aws(`${"x".repeat(60)}.example`, { group: 3 })] }, ["domains[0].group"]],
  ["a misspelt awsQuotas key", { "mta-sts:awsQuotas": { "acm-certificate": 5000 }, "mta-sts:domains": [aws("a.example")] }, ["awsQuotas.acm-certificate"]],
];

describe.each(invalid)("%s", (_label, config, paths) => {
  test("plan, render and lint --stack each exit 2 with the same problems at the same paths", async () => {
    const path = stackFile(config);
    const runs = await Promise.all([["plan"], ["render"], ["lint"]].map((verb) => runCli([...verb, "--stack", path, "--json"])));
    const reports = runs.map((r) => ({ code: r.code, ...JSON.parse(r.out) }));
    for (const report of reports) {
      expect(report).toMatchObject({ code: 2, ok: false, error: { code: "config" } });
      expect(report.error.issues.map((i: { path: string }) => i.path)).toEqual(paths);
    }
    expect(reports[1].error.issues).toEqual(reports[0].error.issues);
    expect(reports[2].error.issues).toEqual(reports[0].error.issues);
  });

  test("the human report is one line per problem, never an internal error", async () => {
    const path = stackFile(config);
    const { code, err } = await runCli(["lint", "--stack", path]);
    expect(code).toBe(2);
    const lines = err.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^mta-sts: .* has \d+ problems?; nothing was planned or declared:$/);
    expect(lines.slice(1).map((l) => l.split(":")[0].trim())).toEqual(paths);
    expect(err).not.toMatch(/internal error/);
  });
});

describe("lint --stack on a valid stack", () => {
  test("exit 0: the config's warnings, the quota guard's, then ok with the domains and groups", async () => {
    const domains = Array.from({ length: 12 }, (_, i) => aws(`brand${i}.example`, { group: i < 11 ? 0 : 1 }));
    const path = stackFile({ "mta-sts:sharedAwsHost": { groupSize: 20 }, "mta-sts:domains": [...domains, { ...aws("short.example"), policy: { ...policy, maxAgeSeconds: 60 }, group: 1 }] });
    const { code, out, err } = await runCli(["lint", "--stack", path]);
    expect(code).toBe(0);
    expect(err).toBe("");
    const lines = out.trimEnd().split("\n");
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^warning ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} domains\\[12\\]\\.policy\\.maxAgeSeconds: `)),
      expect.stringMatching(/ awsQuotas\.acm-names-per-certificate: ACM "Number of domain names per ACM certificate": group g00 needs 11, the quota is 10; /),
      `ok ${path}: valid stack config, 13 domains, 13 of them on the shared AWS host in 2 groups`,
    ]);
  });

  test("--json: ok, the counts and the warnings", async () => {
    const path = stackFile({ "mta-sts:domains": [aws("a.example")] });
    const { code, out } = await runCli(["lint", "--stack", path, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ ok: true, kind: "stack", stack: path, domains: 1, sharedHostDomains: 0, sharedHostGroups: 0, warnings: [] });
  });

  test("a file and --stack together is a usage error", async () => {
    const path = stackFile({ "mta-sts:domains": [aws("a.example")] });
    const { code, err } = await runCli(["lint", "policy.txt", "--stack", path]);
    expect(code).toBe(2);
    expect(err).toMatch(/^mta-sts: lint takes a file to read or --stack, not both/);
  });
});

test("check --stack reads the expected policies of a shared-host stack without pins (what a domain serves does not depend on its group), but not of an invalid one", () => {
  const unpinned = stackFile({ "mta-sts:sharedAwsHost": {}, "mta-sts:domains": [aws("a.example"), aws("b.example")] });
  expect(loadRenderedDomains(unpinned).map((r) => r.domain)).toEqual(["a.example", "b.example"]);
  const bad = stackFile({ "mta-sts:sharedAwsHost": {}, "mta-sts:domains": [aws("a.example", { policy: { mode: "enforce", mx: [] } })] });
  expect(() => loadRenderedDomains(bad)).toThrow(/domains\[0\]\.policy\.mx/);
});
