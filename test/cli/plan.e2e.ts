/**
 * The offline plan (`mta-sts plan`, `npm start`): the very program `pulumi up` runs, evaluated
 * under Pulumi's mock engine in its own process, as a reviewer would run it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { renderPolicy } from "../../components/model/policy";
import { createHash } from "node:crypto";
import { runCliProcess } from "../support/cli";

const root = path.join(__dirname, "..", "..");
const example = path.join(root, "Pulumi.example.yaml");

const plan = (...args: string[]) => runCliProcess(["plan", ...args]);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "mta-sts-plan-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the offline plan of the bundled example", () => {
  let first: ReturnType<typeof plan>;
  beforeAll(() => {
    first = plan("--stack", example);
  });

  test("exits 0, says it is an offline plan and not a diff, and lists every domain", () => {
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^# OFFLINE PLAN/);
    expect(first.stdout).toContain("this is not a diff");
    for (const domain of ["example.com", "example.net", "xn--bcher-kva.example", "example.org", "old-brand.example"]) {
      expect(first.stdout).toContain(`### ${domain} `);
    }
  });

  test("shows each domain's policy, its id as the hash of those bytes, and its TXT record", () => {
    const policy = renderPolicy({ mode: "testing", mx: ["mx1.example.com", "mx2.example.com", "*.mail.example.com"], maxAgeSeconds: 1209600 });
    const id = createHash("sha256").update(policy).digest("hex").slice(0, 32);
    expect(first.stdout).toContain(`id      ${id}`);
    expect(first.stdout).toContain(`TXT     _mta-sts.example.com  "v=STSv1; id=${id}"`);
    expect(first.stdout).toContain("policy  https://mta-sts.example.com/.well-known/mta-sts.txt");
  });

  test("lists resources with parents and the ordering edges that put the TXT last", () => {
    expect(first.stdout).toMatch(/example-com-policy {2}aws:s3\/bucketObjectv2:BucketObjectv2 {2}parent=example-com/);
    const edge = first.stdout.split("\n").find((l) => l.startsWith("example-com-sts-txt  waits for"));
    expect(edge).toBeDefined();
    for (const upstream of ["example-com-policy", "example-com-cdn", "example-com-cert-validation", "example-com-host-a", "example-com-host-aaaa"]) {
      expect(edge).toContain(upstream);
    }
    expect(first.stdout).toMatch(/xn----bcher--kva-example-sts-txt {2}waits for .*xn----bcher--kva-example-script/);
    expect(first.stdout).toMatch(/example-org-sts-txt {2}waits for .*example-org-deploy/);
  });

  test("names the file it planned, in the plan and on stderr", () => {
    expect(first.stdout.split("\n")[1]).toBe(`# stack config: ${example}`);
    expect(first.stderr).toMatch(new RegExp(`^planned ${example.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: 5 domain\\(s\\), \\d+ resource\\(s\\)\n$`));
  });

  // The committed plan of the example: a timestamp, a random id or an order that depends on the
  // run would differ from it, and so would any change to what the components declare. After an
  // intended change, regenerate it (from the repository's root) with
  //   npm run --silent mta-sts -- plan --stack Pulumi.example.yaml > test/fixtures/plan/example.plan.txt
  // and review its diff like any other.
  test("is byte for byte the committed plan of the example (test/fixtures/plan/example.plan.txt)", () => {
    const committed = readFileSync(path.join(root, "test", "fixtures", "plan", "example.plan.txt"), "utf8");
    expect(first.stdout.replace(`# stack config: ${example}\n`, "# stack config: Pulumi.example.yaml\n")).toBe(committed);
  });

  test("--json carries the same plan as one document", () => {
    const json = plan("--stack", example, "--json");
    expect(json.status).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(Object.keys(doc)[0]).toBe("ok");
    expect(doc.ok).toBe(true);
    expect(doc.kind).toBe("mta-sts-offline-plan");
    expect(doc.domains.map((d: { domain: string }) => d.domain)).toEqual(["example.com", "example.net", "xn--bcher-kva.example", "example.org", "old-brand.example"]);
    const sts = doc.resources.find((r: { name: string }) => r.name === "example-com-sts-txt");
    expect(sts.dependsOn).toEqual(expect.arrayContaining(["example-com-policy", "example-com-cdn"]));
    expect(doc.edges).toContainEqual(["example-com-sts-txt", "example-com-policy"]);
    // Each domain's component, as the plan names it, is the component the program declared for it.
    const components = new Map(doc.resources.filter((r: { custom: boolean }) => !r.custom).map((r: { name: string; type: string }) => [r.name, r.type]));
    for (const d of doc.domains as { component: string; host: string }[]) {
      expect(components.get(d.component)).toBe(d.host === "aws" ? "pulumi-mta-sts:index:AwsMtaSts" : "pulumi-mta-sts:index:CloudflareMtaSts");
    }
  });
});

test("without --stack nothing is planned: exit 2 saying the flag is needed (no silent default file)", () => {
  const result = plan();
  expect(result.status).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).toBe("mta-sts: plan needs the stack config file: --stack <file>, e.g. --stack Pulumi.example.yaml; see `mta-sts plan --help`\n");
});

test("changing one mx changes only that domain's policy, id, policy object and TXT lines", () => {
  const doc = parseYaml(readFileSync(example, "utf8"));
  const before = path.join(scratch, "before.yaml");
  const after = path.join(scratch, "after.yaml");
  writeFileSync(before, stringifyYaml(doc));
  doc.config["mta-sts:domains"][0].policy.mx[1] = "mx3.example.com";
  writeFileSync(after, stringifyYaml(doc));

  const a = plan("--stack", before).stdout.split("\n");
  const b = plan("--stack", after).stdout.split("\n");
  expect(b.length).toBe(a.length);
  const changed = b.map((line, i) => ({ i, line })).filter(({ i, line }) => line !== a[i]);
  const [header, ...rest] = changed;
  expect(header.line).toContain("after.yaml");
  expect(rest.length).toBeGreaterThan(0);
  const resourcesStart = b.findIndex((line) => line.startsWith("## Resources"));
  const domainLines = rest.filter(({ i }) => i < resourcesStart).map(({ line }) => line);
  const resourceLines = rest.filter(({ i }) => i > resourcesStart);
  // In the domain section: example.com's id, the changed mx line and its TXT record, nothing else.
  expect(domainLines).toEqual([expect.stringMatching(/^id {6}[0-9a-f]{32}$/), "  | mx: mx3.example.com", expect.stringMatching(/^TXT {5}_mta-sts\.example\.com {2}"v=STSv1; id=[0-9a-f]{32}"$/)]);
  // In the resources: only inputs of example.com's policy object and of its _mta-sts TXT record.
  const owners = new Set(resourceLines.map(({ i }) => [...b.slice(resourcesStart, i)].reverse().find((line) => !line.startsWith("    "))!.split(" ")[0]));
  expect([...owners].sort()).toEqual(["example-com-policy", "example-com-sts-txt"]);
});

test("a bad stack config fails before anything is declared, listing every problem with its path", () => {
  const bad = path.join(scratch, "bad.yaml");
  writeFileSync(
    bad,
    stringifyYaml({
      config: {
        "mta-sts:domains": [
          { domain: "example.com", policy: { mode: "enforce", mx: ["mx1.example.com"], maxage: 5 } },
          { domain: "example.net", policy: { mode: "testing", mx: ["10.0.0.1"] } },
          { domain: "example.org", host: "cloudflare-worker", policy: { mode: "testing", mx: ["mx.example.org"] } },
        ],
      },
    }),
  );
  const result = plan("--stack", bad);
  expect(result.status).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr).toContain("nothing was planned or declared");
  expect(result.stderr).toContain('domains[0].policy.maxage: unknown field; did you mean "maxAgeSeconds"?');
  expect(result.stderr).toContain("domains[1].policy.mx[0]:");
  expect(result.stderr).toContain("domains[2].cloudflareZoneId:");
  expect(result.stderr).toContain("domains[2].cloudflareAccountId:");
  expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

test("with mta-sts:sharedAwsHost, every AWS domain is planned on the shared host with at most 5 resources of its own, once pinned", () => {
  const doc = parseYaml(readFileSync(example, "utf8"));
  doc.config["mta-sts:sharedAwsHost"] = { groupSize: 10, groupCount: 4 };
  const shared = path.join(scratch, "shared.yaml");
  writeFileSync(shared, stringifyYaml(doc));
  // Without pins: refused before anything is declared, in one line naming the command that pins.
  const unpinned = plan("--stack", shared);
  expect(unpinned.status).toBe(2);
  expect(unpinned.stderr).toContain("nothing was planned or declared");
  expect(unpinned.stderr).toContain("domains[0].group: is not set, and so is the group of 2 more shared-host domains (domains[1], domains[4]):");
  expect(unpinned.stderr).toContain("`mta-sts groups --stack <stack file> --write`");
  expect(unpinned.stderr).not.toMatch(/internal error/);
  for (const entry of doc.config["mta-sts:domains"]) if (entry.host === "aws") entry.group = 1;
  writeFileSync(shared, stringifyYaml(doc));
  const result = plan("--stack", shared, "--json");
  expect(result.status).toBe(0);
  const planned = JSON.parse(result.stdout);
  const byDomain = new Map(planned.domains.map((d: { domain: string; component: string }) => [d.domain, d.component]));
  for (const domain of ["example.com", "example.net", "old-brand.example"]) expect(byDomain.get(domain)).toBe("aws-shared");
  expect(byDomain.get("example.org")).toBe("example-org");
  // The component the plan names for each domain is one the program declared.
  const components = planned.resources.filter((r: { custom: boolean }) => !r.custom).map((r: { name: string }) => r.name);
  for (const component of byDomain.values()) expect(components).toContain(component);
  const names: string[] = planned.resources.map((r: { name: string }) => r.name);
  expect(names).not.toContain("example-com-cdn");
  for (const domain of ["example.com", "example.net", "old-brand.example"]) {
    const own = names.filter((n) => n.startsWith(`aws-shared-${domain}-`));
    expect(own.length).toBeGreaterThan(0);
    expect(own.length).toBeLessThanOrEqual(5);
  }
  // Publish before announce on the shared host: the TXT waits for its object and its group's host.
  const sts = planned.resources.find((r: { name: string }) => r.name === "aws-shared-example.com-sts-txt");
  expect(sts.dependsOn).toEqual(expect.arrayContaining(["aws-shared-example.com-policy", "aws-shared-example.com-host-cname"]));
  expect(sts.dependsOn).toEqual(expect.arrayContaining(["aws-shared-g01-cdn", "aws-shared-g01-cert-validation", "aws-shared-routing", "aws-shared-bucket-policy"]));
  expect(planned.warnings).toEqual([]);
});

test("the quota guard: a stack that would pass an AWS default quota plans with a warning naming the quota, the increase to request and the key for the raised figure", () => {
  const doc = parseYaml(readFileSync(example, "utf8"));
  doc.config["mta-sts:sharedAwsHost"] = { groupSize: 20 };
  doc.config["mta-sts:domains"] = Array.from({ length: 12 }, (_, i) => ({ domain: `brand${i}.example`, host: "aws", hostedZoneId: `Z${i}`, group: 0, policy: { mode: "testing", mx: [`mx.brand${i}.example`] } }));
  const big = path.join(scratch, "big-group.yaml");
  writeFileSync(big, stringifyYaml(doc));
  const result = plan("--stack", big, "--json");
  expect(result.status).toBe(0);
  expect(JSON.parse(result.stdout).warnings).toEqual([
    {
      path: "awsQuotas.acm-names-per-certificate",
      message:
        'ACM "Number of domain names per ACM certificate": group g00 needs 12, the quota is 10; lower groupSize to 10, or request a higher ACM "Number of domain names per ACM certificate" (up to 100) for us-east-1 in the Service Quotas console (or a Support Center case); once AWS has raised it, set this key to the new figure',
    },
  ]);
  doc.config["mta-sts:awsQuotas"] = { "acm-names-per-certificate": 20 };
  writeFileSync(big, stringifyYaml(doc));
  const raised = plan("--stack", big);
  expect(raised.status).toBe(0);
  expect(raised.stdout).not.toMatch(/^warning /m);
});
