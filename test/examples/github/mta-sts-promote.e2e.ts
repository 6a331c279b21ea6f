/**
 * The example promotion workflow (examples/github/mta-sts-promote.yml and the script it runs,
 * examples/github/mta-sts-promote.sh) against a local git repository (no root needed; the
 * workflow read as data is test/examples/github/mta-sts-promote.test.ts): a platform repository with
 * its production stack on `main` and a bare `origin`, checked out fresh for every run as
 * actions/checkout does. `mta-sts` is this repository's CLI (a bin in the checkout's
 * node_modules, so `npm exec --no -- mta-sts` finds it), `gh` a stand-in that records what it is
 * asked. The install step is skipped here; `npm run test:e2e` runs the rest on a fresh clone after `npm ci` (test/e2e/fresh-clone.e2e.ts).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { unifiedDiff } from "../../support/unified-diff";
import { JobRun, runWorkflowJob, WorkflowJob } from "../../support/workflow-run";
import { TS_REGISTER } from "../../support/ts-register";

const REPO = resolve(__dirname, "..", "..", "..");
const WORKFLOW_FILE = join(REPO, "examples/github/mta-sts-promote.yml");
const SCRIPT_FILE = join(REPO, "examples/github/mta-sts-promote.sh");
const WORKFLOW = parseYaml(readFileSync(WORKFLOW_FILE, "utf8"));
const JOB: WorkflowJob = WORKFLOW.jobs.promote;
const STACK: string = WORKFLOW.jobs.promote.strategy.matrix.stack[0];
const BRANCH = `mta-sts/promote-${STACK.replace(/^Pulumi\./, "").replace(/\.yaml$/, "")}`;
const MINUTES = 60_000;

describe("on a local git repository", () => {
  let work: string;
  let origin: string;
  let reports: string;
  const git = (cwd: string, ...args: string[]): string => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  /** A fresh checkout of origin's main, with the CLI as its node_modules bin. */
  function checkout(): string {
    const dir = mkdtempSync(join(work, "checkout-"));
    git(work, "clone", "--quiet", "--branch", "main", origin, dir);
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    writeFileSync(
      join(dir, "node_modules", ".bin", "mta-sts"),
      `#!/bin/sh\nexec '${process.execPath}' -r '${TS_REGISTER}' '${join(REPO, "cli/main.ts")}' "$@"\n`,
    );
    chmodSync(join(dir, "node_modules", ".bin", "mta-sts"), 0o755);
    return dir;
  }

  function run(dir: string, openPullRequests: { number: number }[], sources = reports): JobRun {
    return runWorkflowJob({
      job: JOB,
      cwd: dir,
      work,
      skip: ["Install"],
      ghAnswers: openPullRequests,
      timeoutMs: 10 * MINUTES,
      expressions: {
        "matrix.stack": STACK,
        "github.event.repository.default_branch": "main",
        "vars.MTA_STS_REPORT_SOURCES": sources,
        "vars.MTA_STS_PROMOTE_FLAGS": "--max 5",
        "secrets.MTA_STS_IMAP_PASSWORD": "",
        "github.token": "token-for-the-test",
      },
    });
  }

  const stackText = readFileSync(join(REPO, "examples/rollout/Pulumi.rollout.yaml"), "utf8");
  let first: JobRun;
  let second: JobRun;
  let branchSha: string;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "mta-sts-promote-workflow-"));
    origin = join(work, "origin.git");
    git(work, "init", "--quiet", "--bare", "-b", "main", origin);
    const seed = join(work, "seed");
    git(work, "clone", "--quiet", origin, seed);
    git(seed, "switch", "--quiet", "-c", "main");
    writeFileSync(join(seed, "package.json"), JSON.stringify({ name: "mail-platform", private: true }));
    writeFileSync(join(seed, ".gitignore"), "node_modules/\n");
    writeFileSync(join(seed, STACK), stackText);
    mkdirSync(join(seed, ".github", "workflows"), { recursive: true });
    mkdirSync(join(seed, ".github", "scripts"), { recursive: true });
    copyFileSync(WORKFLOW_FILE, join(seed, ".github", "workflows", "mta-sts-promote.yml"));
    copyFileSync(SCRIPT_FILE, join(seed, ".github", "scripts", "mta-sts-promote.sh"));
    git(seed, "add", ".");
    git(seed, "commit", "--quiet", "-m", "the production stack");
    git(seed, "push", "--quiet", "origin", "main");
    reports = join(REPO, "examples/rollout/tls-reports.mbox");
    first = run(checkout(), []);
    branchSha = git(work, "--git-dir", origin, "rev-parse", `refs/heads/${BRANCH}`).trim();
    second = run(checkout(), [{ number: 12 }]);
  }, 20 * MINUTES);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test("the first run pushes one commit on top of main that changes exactly the promoted domains' mode lines", () => {
    expect(first.failed).toBeUndefined();
    const main = git(work, "--git-dir", origin, "rev-parse", "refs/heads/main").trim();
    expect(git(work, "--git-dir", origin, "rev-list", "--parents", "-n", "1", branchSha).trim()).toBe(`${branchSha} ${main}`);
    expect(git(work, "--git-dir", origin, "diff", "--name-only", main, branchSha).trim()).toBe(STACK);
    const after = git(work, "--git-dir", origin, "show", `${branchSha}:${STACK}`);
    expect(unifiedDiff(stackText, after)).toBe(
      ["@@ -17 +17 @@", "-        mode: testing", "+        mode: enforce", "@@ -23 +23 @@", '-      policy: { mx: ["*.mail.news.example"], maxAgeSeconds: 86400 }', '+      policy: { mx: ["*.mail.news.example"], maxAgeSeconds: 86400, mode: enforce }'].join("\n"),
    );
    expect(git(work, "--git-dir", origin, "log", "-1", "--format=%an <%ae>%n%B", branchSha)).toBe(
      [
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>",
        `mta-sts: 2 domains of ${STACK} to enforce`,
        "",
        "- shop.example: ready (14 days, 2 reporters, 0 failed sessions)",
        "- news.example: ready (14 days, 2 reporters, 0 failed sessions)",
        "",
        "",
      ].join("\n"),
    );
  });

  test("it opens the pull request with the evidence, the notes, who stays and why, and the plan review of what it publishes", () => {
    expect(first.gh).toEqual([
      `pr list --head ${BRANCH} --base main --state open --json number --jq .[0].number // empty`,
      expect.stringMatching(new RegExp(`^pr create --base main --head ${BRANCH.replace("/", "\\/")} --title mta-sts: 2 domains of ${STACK.replace(/\./g, "\\.")} to enforce --body-file .*body\\.md$`)),
    ]);
    const [body] = first.bodies;
    expect(body).toContain(`### MTA-STS: 2 domains of \`${STACK}\` to enforce`);
    expect(body).toContain("- `shop.example`: 14 days, 2 reporters, 1324 sessions, 0 failed (`config.mta-sts:domains[0].policy.mode`)");
    expect(body).toContain("news.example: max_age is 86400 s (1 day), under 14 days");
    expect(body).toContain("<details><summary>3 stay in testing</summary>");
    expect(body).toContain("support.example: not-ready: certificate-expired: 14 failed sessions to mx.support.example");
    expect(body).toContain("billing.example: rollout-hold: rollout: hold in its entry");
    expect(body).toContain("After merging, deploy: `pulumi up --stack mail-prod`");
    // The review of `mta-sts plan --base`, as the review workflow would post it.
    expect(body).toContain(`### MTA-STS review of <code>${STACK.replace(/[.-]/g, (c) => `\\${c}`)}</code>`);
    expect(body).toContain("**2 domains changed\\, 0 added\\, 0 removed\\; 2 risks \\(0 blocking\\)");
    expect(body.length).toBeLessThan(65536);
  });

  test("the next run, with that pull request open and nothing new, pushes nothing and updates the pull request", () => {
    expect(second.failed).toBeUndefined();
    expect(git(work, "--git-dir", origin, "rev-parse", `refs/heads/${BRANCH}`).trim()).toBe(branchSha);
    expect(second.log).toContain(`${BRANCH} already holds this change on main; not pushed.`);
    expect(second.gh[1]).toMatch(new RegExp(`^pr edit 12 --title mta-sts: 2 domains of ${STACK.replace(/\./g, "\\.")} to enforce --body-file `));
    expect(second.bodies[0]).toBe(first.bodies[0]);
  });

  test("once merged, there is nothing to promote: nothing is pushed and no pull request is touched", () => {
    const merged = checkout();
    git(merged, "merge", "--quiet", "--ff-only", `origin/${BRANCH}`);
    git(merged, "push", "--quiet", "origin", "main");
    const after = run(checkout(), []);
    expect(after.failed).toBeUndefined();
    expect(after.log).toContain(`Nothing to promote in ${STACK}.`);
    expect(after.gh).toEqual([]);
    expect(git(work, "--git-dir", origin, "rev-parse", `refs/heads/${BRANCH}`).trim()).toBe(branchSha);
  });

  test("a report that cannot be read fails the job (exit 2) with promote's error, and nothing is pushed", () => {
    const broken = join(work, "broken-reports");
    mkdirSync(broken);
    writeFileSync(join(broken, "truncated.json"), '{"organization-name": "Google Inc.", "policies": [');
    const before = git(work, "--git-dir", origin, "for-each-ref");
    const run2 = run(checkout(), [], `${reports} ${broken}`);
    expect(run2.failed).toEqual({ step: "Open or update the promotion pull request", code: 2 });
    expect(run2.log).toContain("::error::mta-sts promote could not run (exit 2):");
    expect(run2.log).toContain('"code": "io"');
    expect(run2.gh).toEqual([]);
    expect(git(work, "--git-dir", origin, "for-each-ref")).toBe(before);
  });
});
