/**
 * The README's claims about configuration, held by `mta-sts plan`, `mta-sts render` and the
 * program (index.ts) alike: unknown keys are errors, every problem of the whole file is
 * reported at once with its path, never a stack trace; and each warning is printed once, with
 * its path.
 *
 * One stack file holds one of every mistake the first-hour report found; a regression in any
 * of them (a key ignored again, a problem hidden behind another, a trace) changes the list.
 */
import * as pulumi from "@pulumi/pulumi";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { runCli, runCliProcess } from "./support/cli";
import { installMocks, settle } from "./support/pulumi-mocks";


function plan(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runCliProcess(["plan", ...args], { timeoutMs: 60000 });
}

const ZONE = "023e105f4ecef8ad9ca31a8372d0c353";
const ACCOUNT = "01a7362d577a6c3019a474fd6f485823";
const manyMx = Array.from({ length: 3500 }, (_, i) => `          - mx${i}.mailhosts.example.com`).join("\n");
const longDomain = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(53)}.example`;

/** One of every mistake, each with the path it must be reported at. */
const BAD_STACK = `
config:
  aws:region: eu-west-1
  mta-sts:sharedAWSHost: { groupSize: 10 }
  mta-sts:default: { policy: { maxAgeSeconds: 1209600 } }
  mta-sts:skiplivechecks: true
  mta-sts:domains:
    - domain: example.com
      hostedZoneId: Z0123456789EXAMPLE
      policy: { mode: enforce, mx: [mx1.example.com], maxage: 5 }
      __proto__: { verifyLiveMx: false, adoptExistingRecords: true }
    - domain: shop.example.org
      host: cloudflare-worker
      dns: route53
      cloudflareZoneId: my-zone
      cloudflareAccountId: ${ACCOUNT}
      policy: { mode: testing, mx: [mx.example.org] }
    - domain: shop-two.example.org
      host: cloudflare-worker
      cloudflareZoneId: 12345678901234567890123456789012
      cloudflareAccountId: ${ACCOUNT}
      policy: { mode: testing, mx: [mx.example.org] }
    - domain: big.example
      policy:
        mode: enforce
        mx:
${manyMx}
    - domain: ${longDomain}
      policy: { mode: testing, mx: [mx.example.org] }
    - domain: a.example
      host: cloudflare-pages
      cloudflareZoneId: ${ZONE}
      cloudflareAccountId: ${ACCOUNT}
      siteName: mta-sts-shared
      policy: { mode: testing, mx: [mx.example.org] }
    - domain: b.example
      host: cloudflare-pages
      cloudflareZoneId: ${ZONE}
      cloudflareAccountId: ${ACCOUNT}
      siteName: mta-sts-shared
      policy: { mode: testing, mx: [mx.example.org] }
`;
const EXPECTED_PATHS = [
  "mta-sts:sharedAWSHost",
  "mta-sts:default",
  "mta-sts:skiplivechecks",
  "domains[0].policy.maxage",
  "domains[0].__proto__",
  "domains[1].dns",
  "domains[1].cloudflareZoneId",
  "domains[2].cloudflareZoneId",
  "domains[3].policy.mx",
  "domains[4].domain",
  "domains[6].siteName",
];

let scratch: string;
let badStack: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "mta-sts-claims-"));
  badStack = path.join(scratch, "Pulumi.bad.yaml");
  writeFileSync(badStack, BAD_STACK);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The paths of a "has N problems" report, in order. */
const reportedPaths = (text: string) =>
  text
    .split("\n")
    .filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(": ")[0]);

describe("every problem of the whole file at once, with its path; unknown keys are errors; no stack trace", () => {
  test("mta-sts plan: exit 2, every problem listed, nothing planned", () => {
    const result = plan("--stack", badStack);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`has ${EXPECTED_PATHS.length} problems; nothing was planned or declared`);
    expect(reportedPaths(result.stderr)).toEqual(EXPECTED_PATHS);
    expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
  }, 60000);

  test("mta-sts render: the same list", async () => {
    const { code, out, err } = await runCli(["render", "--config", badStack]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(reportedPaths(err)).toEqual(EXPECTED_PATHS);
    expect(err).toContain('mta-sts:sharedAWSHost: unknown key; did you mean "mta-sts:sharedAwsHost"?');
    expect(err).toContain("domains[2].cloudflareZoneId: was read as a number");
  });

  test("the program (pulumi preview / up): the same list, as a RunError, and nothing declared", async () => {
    const engine = await installMocks();
    engine.reset();
    // As Pulumi hands the stack file's values to the program: structured values as JSON text.
    const config = (parseYaml(BAD_STACK) as { config: Record<string, unknown> }).config;
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
    let thrown: unknown;
    jest.isolateModules(() => {
      try {
        require("../index");
      } catch (err) {
        thrown = err;
      }
    });
    expect(pulumi.RunError.isInstance(thrown)).toBe(true);
    expect(reportedPaths((thrown as Error).message)).toEqual(EXPECTED_PATHS);
    await settle();
    expect(engine.resources).toHaveLength(0);
  });
});

describe("each warning is printed once, with its path", () => {
  // It printed twice, the second time as "warning: [runtime] policy.maxAgeSeconds: ..." from the
  // component under the mock engine, without its domain; and the one-week default warned on
  // every enforce domain.
  test("mta-sts plan prints one warning line for a short maxAgeSeconds, and none for the default", () => {
    const file = path.join(scratch, "Pulumi.warn.yaml");
    writeFileSync(
      file,
      `config:
  mta-sts:domains:
    - domain: example.com
      hostedZoneId: Z1
      policy: { mode: enforce, mx: [mx1.example.com] }
    - domain: example.org
      hostedZoneId: Z2
      policy: { mode: testing, mx: [mx1.example.org], maxAgeSeconds: 60 }
`,
    );
    const result = plan("--stack", file);
    expect(result.status).toBe(0);
    // stderr names the file planned, and carries no second copy of the warning.
    expect(result.stderr).toMatch(/^planned .*Pulumi\.warn\.yaml: 2 domain\(s\), \d+ resource\(s\)\n$/);
    const warnings = result.stdout.split("\n").filter((l) => /warning/i.test(l));
    expect(warnings).toEqual(["warning domains[1].policy.maxAgeSeconds: 60 s is under one day: senders refetch constantly and lose the policy quickly when the policy host is down; use at least 86400 s"]);
  }, 60000);
});
