/**
 * `mta-sts plan --stack HEAD --base BASE` as a reviewer runs it: BASE as a plan JSON, a stack
 * file or a git ref; exit 0 when no risk blocks, 1 when one does, 2 when it cannot run; and
 * `--allow`, `--json`, `--markdown`. The plans are the bundled example stack and edits of it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { PLAN_FORMAT_VERSION } from "../../cli/plan-report";
import { runCli, runCliProcess } from "../support/cli";

const root = path.join(__dirname, "..", "..");
const example = path.join(root, "Pulumi.example.yaml");

function mta(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runCliProcess(args, { timeoutMs: 180_000 });
}

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

type Domains = { domain: string; policy: { mode: string; mx?: string[] } }[];

/** The example stack with its domain list edited. */
function editedExample(file: string, edit: (domains: Domains) => Domains | void): string {
  const doc = parseYaml(readFileSync(example, "utf8"));
  const domains = doc.config["mta-sts:domains"] as Domains;
  doc.config["mta-sts:domains"] = edit(domains) ?? domains;
  writeFileSync(file, stringifyYaml(doc));
  return file;
}

let scratch: string;
let basePlan: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "mta-sts-review-"));
  const run = mta("plan", "--stack", example, "--json");
  expect(run.status).toBe(0);
  basePlan = path.join(scratch, "base-plan.json");
  writeFileSync(basePlan, run.stdout);
}, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("plan --json says ok and carries the plan format version that --base checks", () => {
  const doc = JSON.parse(readFileSync(basePlan, "utf8"));
  expect(doc.ok).toBe(true);
  expect(doc.kind).toBe("mta-sts-offline-plan");
  expect(doc.version).toBe(PLAN_FORMAT_VERSION);
});

describe("a change that removes a domain in testing and enforces another", () => {
  let head: string;
  beforeAll(() => {
    // example.com (testing) removed; example.org goes from testing to enforce.
    head = editedExample(path.join(scratch, "head.yaml"), (domains) => {
      for (const d of domains) if (d.domain === "example.org") d.policy.mode = "enforce";
      return domains.filter((d) => d.domain !== "example.com");
    });
  });

  test("blocks with exit 1, summary first, the blocking risk on its own line with its fix", () => {
    const run = mta("plan", "--stack", head, "--base", basePlan);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    const lines = run.stdout.split("\n");
    expect(lines[1]).toMatch(/^1 domain changed, 0 added, 1 removed; 2 risks \(1 blocking\); resources: /);
    expect(lines[3]).toMatch(/^BLOCK {2}domain-removed-while-active {2}example\.com is removed while its policy says testing.*Fix: publish `mode: none` first/);
    expect(lines[4]).toMatch(/^WARN {2}enforce-enabled {2}example\.org goes from testing to enforce.*\*\.aspmx\.l\.google\.com, aspmx\.l\.google\.com/);
    // Unchanged domains are not shown at all.
    expect(run.stdout).not.toContain("xn--bcher-kva.example");
  });

  test("--json with a blocking risk: ok false and no error (the comparison ran), exit 1", () => {
    const run = mta("plan", "--stack", head, "--base", basePlan, "--json");
    expect(run.status).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(Object.keys(doc)[0]).toBe("ok");
    expect(doc.ok).toBe(false);
    expect(doc.error).toBeUndefined();
    expect(doc.summary).toMatchObject({ blocking: 1 });
  });

  test("--allow accepts the risk after review: still listed as allowed, exit 0; --json says so", () => {
    const run = mta("plan", "--stack", head, "--base", basePlan, "--allow", "domain-removed-while-active", "--json");
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.summary).toMatchObject({ domainsChanged: 1, added: 0, removed: 1, risks: 2, blocking: 0, allowed: 1 });
    const removed = doc.domains.find((d: { domain: string }) => d.domain === "example.com");
    expect(removed).toMatchObject({ change: "removed", modeBefore: "testing", risks: [{ code: "domain-removed-while-active", severity: "block", allowed: true }] });
    expect(doc.domains.find((d: { domain: string }) => d.domain === "example.net")).toEqual({ domain: "example.net", change: "unchanged" });
    // Every resource of the removed domain is deleted; the names come from the base plan.
    const base = JSON.parse(readFileSync(basePlan, "utf8"));
    const component = base.domains.find((d: { domain: string }) => d.domain === "example.com").component;
    const own = base.resources.filter((r: { name: string; parent?: string }) => r.name === component || r.parent === component).map((r: { name: string }) => r.name);
    const deleted = doc.resources.filter((r: { change: string }) => r.change === "delete").map((r: { name: string }) => r.name);
    expect(deleted.sort()).toEqual(own.sort());
  });
});

test("a stack file with its domains reordered, compared with the original stack file, has no change at all", () => {
  const reordered = editedExample(path.join(scratch, "reordered.yaml"), (domains) => [...domains].reverse());
  const run = mta("plan", "--stack", reordered, "--base", example);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  expect(run.stdout.trim().split("\n").slice(1)).toEqual(["0 domains changed, 0 added, 0 removed; 0 risks (0 blocking); resources: no change", "", "No change."]);
});

describe("--base as a git ref", () => {
  let repo: string;
  let stack: string;
  beforeAll(() => {
    repo = mkdtempSync(path.join(tmpdir(), "mta-sts-review-git-"));
    git(repo, "init", "-q", "-b", "main");
    stack = path.join(repo, "stacks", "Pulumi.prod.yaml");
    spawnSync("mkdir", ["-p", path.dirname(stack)]);
    writeFileSync(stack, readFileSync(example, "utf8"));
    git(repo, "add", ".");
    git(repo, "commit", "-q", "-m", "base");
    editedExample(stack, (domains) => {
      for (const d of domains) if (d.domain === "example.com") d.policy.mode = "enforce";
    });
    git(repo, "commit", "-q", "-am", "head");
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  test("plans the same stack file as it is at the ref, and --markdown gives a PR comment", () => {
    const run = mta("plan", "--stack", stack, "--base", "HEAD~1", "--markdown");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("Compared with <code>HEAD\\~1\\:stacks\\/Pulumi\\.prod\\.yaml</code>.");
    expect(run.stdout).toContain("**1 domain changed\\, 0 added\\, 0 removed\\; 1 risk \\(0 blocking\\)");
    expect(run.stdout).toContain("<code>enforce\\-enabled</code>");
    expect(run.stdout).toContain("<details><summary>changed: <code>example.com</code>, 1 risk</summary>");
    expect(run.stdout).toContain("-mode: testing\n+mode: enforce\n");
  });

  test("a ref that does not exist, or a stack file that did not exist at the ref, is a clear error with exit 2", async () => {
    const missing = await runCli(["plan", "--stack", stack, "--base", "no-such-branch"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toBe(
      "mta-sts: --base no-such-branch is neither an existing file nor a git ref of this repository: give a plan JSON, a stack file, or a ref such as origin/main (run `git fetch` if the ref is remote); see `mta-sts plan --help`\n",
    );
    const newFile = path.join(repo, "stacks", "Pulumi.new.yaml");
    writeFileSync(newFile, readFileSync(example, "utf8"));
    const absent = await runCli(["plan", "--stack", newFile, "--base", "HEAD", "--json"]);
    expect(absent.code).toBe(2);
    expect(JSON.parse(absent.out)).toEqual({
      ok: false,
      error: { code: "usage", message: expect.stringMatching(/^--base HEAD: stacks\/Pulumi\.new\.yaml does not exist at HEAD \(git: .*\); a stack file that is new in this change has no base to compare with$/) },
    });
  });
});

describe("errors before anything is planned (exit 2)", () => {
  test("a plan of another version is refused with what to do instead", async () => {
    const old = path.join(scratch, "old-plan.json");
    writeFileSync(old, JSON.stringify({ ...JSON.parse(readFileSync(basePlan, "utf8")), version: PLAN_FORMAT_VERSION + 1 }));
    const run = await runCli(["plan", "--stack", example, "--base", old]);
    expect(run.code).toBe(2);
    expect(run.err).toContain(`is of plan version ${PLAN_FORMAT_VERSION + 1}, and this mta-sts reads plan version ${PLAN_FORMAT_VERSION} only`);
    expect(run.err).toContain("pass the base's stack file or a git ref as --base");
  });

  test("a plan file that lacks a field the comparison reads is refused, naming the field", async () => {
    const broken = path.join(scratch, "broken-plan.json");
    const doc = JSON.parse(readFileSync(basePlan, "utf8"));
    delete doc.domains[2].policyText;
    writeFileSync(broken, JSON.stringify(doc));
    const run = await runCli(["plan", "--stack", example, "--base", broken]);
    expect(run.code).toBe(2);
    expect(run.err).toBe(`mta-sts: --base ${broken} is not a complete plan: domains[2].policyText must be a string; write it again with \`mta-sts plan --json\`\n`);
  });

  test("an unknown --allow code (the option repeats) lists the codes; --markdown without --base says what it needs", async () => {
    const unknown = await runCli(["plan", "--stack", example, "--base", basePlan, "--allow", "everything", "--allow", "tlsrpt-removed", "--allow", "all", "--json"]);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.out).error).toEqual({ code: "usage", message: expect.stringContaining("--allow everything, all: not a risk code; the codes are domain-removed-while-active,") });
    const markdown = await runCli(["plan", "--stack", example, "--markdown"]);
    expect(markdown.code).toBe(2);
    expect(markdown.err).toBe("mta-sts: --markdown compares plans: add --base <plan.json | stack file | git ref>; see `mta-sts plan --help`\n");
  });
});
