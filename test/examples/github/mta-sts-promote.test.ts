/**
 * The example promotion workflow (examples/github/mta-sts-promote.yml and the script it runs,
 * examples/github/mta-sts-promote.sh), read as data: valid bash, the triggers and permissions it
 * needs, no expression pasted into a script, and `mta-sts` always this checkout's bin. The
 * workflow run against a local git repository is test/examples/github/mta-sts-promote.e2e.ts
 * (`npm run test:e2e`): it starts git and the CLI a few dozen times.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { WorkflowJob } from "../../support/workflow-run";

const REPO = resolve(__dirname, "..", "..", "..");
const WORKFLOW_FILE = join(REPO, "examples/github/mta-sts-promote.yml");
const SCRIPT_FILE = join(REPO, "examples/github/mta-sts-promote.sh");
const WORKFLOW = parseYaml(readFileSync(WORKFLOW_FILE, "utf8"));
const JOB: WorkflowJob = WORKFLOW.jobs.promote;

describe("the workflow, read as data", () => {
  const runs = JOB.steps.filter((s) => s.run);

  test("every shell step and the script are valid bash", () => {
    for (const script of [...runs.map((s) => s.run!), readFileSync(SCRIPT_FILE, "utf8")]) {
      expect(spawnSync("bash", ["-n"], { input: script, encoding: "utf8" }).stderr).toBe("");
    }
  });

  test("it runs on a schedule, may push and open pull requests, and pastes no expression into a script", () => {
    expect(Object.keys(WORKFLOW.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect(WORKFLOW.permissions).toEqual({ contents: "write", "pull-requests": "write" });
    for (const step of runs) expect(step.run).not.toContain("${{");
    expect(runs.map((s) => s.run!.trim())).toContain("bash .github/scripts/mta-sts-promote.sh");
  });

  test("every mta-sts in the script runs as this checkout's bin (npm exec --no), never through npx", () => {
    const script = readFileSync(SCRIPT_FILE, "utf8");
    expect(script).toContain('mta_sts() { npm exec --no -- mta-sts "$@"; }');
    expect(script).toMatch(/^mta_sts promote --stack /m);
    expect(script).toMatch(/^mta_sts plan --stack /m);
    // No other way to run it: not as a bare command, in a pipeline or in a substitution.
    expect(script).not.toMatch(/(^|[|;&(]|\$\()\s*mta-sts\s/m);
    expect(script).not.toMatch(/\bnpx\b/);
  });
});
