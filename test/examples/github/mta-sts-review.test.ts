/**
 * The example pull-request workflow (examples/github/mta-sts-review.yml), read as data: what
 * can be checked without running it. `npm run test:e2e` runs its shell steps for real.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";

const file = path.join(__dirname, "..", "..", "..", "examples", "github", "mta-sts-review.yml");
const workflow = parseYaml(readFileSync(file, "utf8"));
const steps: { name?: string; run?: string; uses?: string }[] = workflow.jobs.review.steps;
const runs = steps.filter((s) => s.run);

test("every shell step is valid bash", () => {
  for (const step of runs) {
    const r = spawnSync("bash", ["-n"], { input: step.run, encoding: "utf8" });
    expect({ step: step.name, stderr: r.stderr }).toEqual({ step: step.name, stderr: "" });
  }
});

test("every mta-sts runs as `npm exec --no -- mta-sts`, never through a bare npx that could install a registry package", () => {
  const calls = runs.flatMap((s) => s.run!.split("\n").filter((l) => /\bmta-sts\b/.test(l) && /\b(plan|check|render|lint)\b/.test(l)));
  expect(calls.length).toBeGreaterThanOrEqual(3);
  for (const line of calls) expect(line).toMatch(/npm exec --no -- mta-sts /);
  for (const step of runs) expect(step.run).not.toMatch(/\bnpx\b/);
});

test("no expression is pasted into a script: values reach the shell through env (no script injection from a PR)", () => {
  for (const step of runs) expect(step.run).not.toContain("${{");
});

test("the job can comment but not push, and says what a fork's read-only token gets instead", () => {
  expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write" });
  expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
  const text = readFileSync(file, "utf8");
  expect(text).toContain("Pull requests from forks get a read-only token");
  expect(text).toContain("job summary");
});
