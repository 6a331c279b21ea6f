/**
 * The example promotion workflow (examples/github/mta-sts-promote.yml) as a platform repository
 * runs it, every `run:` step included (`npm ci` too): the platform repository is a fresh clone of
 * this repository (its committed HEAD) with the workflow and its script copied to where the
 * workflow's header says, a production stack committed on main, and a bare local `origin`.
 * `gh` is a stand-in that records what it is asked (test/support/workflow-run.ts).
 *
 * Slow (a fresh `npm ci` of about 500 MB), so it is in `npm run test:e2e`; test/promote-workflow.test.ts
 * runs the same steps without the install in `npm test`.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { unifiedDiff } from "../support/unified-diff";
import { JobRun, runWorkflowJob, WorkflowJob } from "../support/workflow-run";

const REPO = resolve(__dirname, "../..");
const WORKFLOW = parseYaml(readFileSync(join(REPO, "examples/github/mta-sts-promote.yml"), "utf8"));
const JOB: WorkflowJob = WORKFLOW.jobs.promote;
const STACK: string = WORKFLOW.jobs.promote.strategy.matrix.stack[0];
const BRANCH = `mta-sts/promote-${STACK.replace(/^Pulumi\./, "").replace(/\.yaml$/, "")}`;
const MINUTES = 60_000;

let work: string;
let origin: string;
let platform: string;
let run: JobRun;

function git(cwd: string, ...args: string[]): string {
  const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8", timeout: 5 * MINUTES });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "mta-sts-promote-e2e-"));
  platform = join(work, "platform");
  git(work, "clone", "--quiet", REPO, platform);
  // The platform's own origin, never this repository.
  origin = join(work, "origin.git");
  git(work, "init", "--quiet", "--bare", "-b", "main", origin);
  git(platform, "remote", "set-url", "origin", origin);
  git(platform, "switch", "--quiet", "-C", "main");
  mkdirSync(join(platform, ".github", "workflows"), { recursive: true });
  mkdirSync(join(platform, ".github", "scripts"), { recursive: true });
  copyFileSync(join(platform, "examples/github/mta-sts-promote.yml"), join(platform, ".github/workflows/mta-sts-promote.yml"));
  copyFileSync(join(platform, "examples/github/mta-sts-promote.sh"), join(platform, ".github/scripts/mta-sts-promote.sh"));
  writeFileSync(join(platform, STACK), readFileSync(join(platform, "examples/rollout/Pulumi.rollout.yaml")));
  git(platform, "add", ".");
  git(platform, "commit", "--quiet", "-m", "the production stack and the promotion workflow");
  git(platform, "push", "--quiet", "origin", "main");
  run = runWorkflowJob({
    job: JOB,
    cwd: platform,
    work,
    ghAnswers: [],
    timeoutMs: 30 * MINUTES,
    expressions: {
      "matrix.stack": STACK,
      "github.event.repository.default_branch": "main",
      "vars.MTA_STS_REPORT_SOURCES": join(platform, "examples/rollout/tls-reports.mbox"),
      "vars.MTA_STS_PROMOTE_FLAGS": "",
      "secrets.MTA_STS_IMAP_PASSWORD": "",
      "github.token": "token-for-the-test",
    },
  });
}, 60 * MINUTES);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("on a fresh clone, npm ci and the script push the promotion branch and open its pull request", () => {
  expect(run.failed).toBeUndefined();
  const main = git(work, "--git-dir", origin, "rev-parse", "refs/heads/main").trim();
  const branch = git(work, "--git-dir", origin, "rev-parse", `refs/heads/${BRANCH}`).trim();
  expect(git(work, "--git-dir", origin, "rev-list", "--parents", "-n", "1", branch).trim()).toBe(`${branch} ${main}`);
  const before = git(work, "--git-dir", origin, "show", `${main}:${STACK}`);
  const after = git(work, "--git-dir", origin, "show", `${branch}:${STACK}`);
  expect(unifiedDiff(before, after)).toBe(
    ["@@ -17 +17 @@", "-        mode: testing", "+        mode: enforce", "@@ -23 +23 @@", '-      policy: { mx: ["*.mail.news.example"], maxAgeSeconds: 86400 }', '+      policy: { mx: ["*.mail.news.example"], maxAgeSeconds: 86400, mode: enforce }'].join("\n"),
  );
  expect(run.gh[1]).toMatch(/^pr create --base main --head mta-sts\/promote-mail-prod --title mta-sts: 2 domains of Pulumi\.mail-prod\.yaml to enforce --body-file /);
  expect(run.bodies[0]).toContain("**2 domains changed\\, 0 added\\, 0 removed\\; 2 risks \\(0 blocking\\)");
});
