/**
 * Running a GitHub Actions job's own `run:` steps as the runner does
 * (`bash --noprofile --norc -eo pipefail`, the job's and the step's `env` with their `${{ }}`
 * expressions filled in, GITHUB_OUTPUT per step, one GITHUB_STEP_SUMMARY, RUNNER_TEMP), for tests
 * of the example workflows. `uses:` steps are what the test's checkout already provides. `gh` is
 * a stand-in on PATH that records each call, keeps each `--body-file`, and answers `--jq` from a
 * fixture through `jq`, the way `gh ... --jq` does.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface WorkflowStep {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}

export interface WorkflowJob {
  env?: Record<string, string>;
  steps: WorkflowStep[];
}

export interface JobRun {
  /** The step that failed and its exit code; undefined when every step passed. */
  readonly failed?: { step: string; code: number };
  readonly outputs: Record<string, Record<string, string>>;
  readonly summary: string;
  /** Every step's name, stdout and stderr. */
  readonly log: string;
  /** The `gh` command lines, in order. */
  readonly gh: string[];
  /** The files passed as `--body-file` or `body=@`, in order. */
  readonly bodies: string[];
}

export interface JobOptions {
  readonly job: WorkflowJob;
  /** The checkout the steps run in. */
  readonly cwd: string;
  /** Scratch space for RUNNER_TEMP and the `gh` stand-in. */
  readonly work: string;
  /** The value of each `${{ expression }}` the job uses; an unknown one fails the test. */
  readonly expressions: Record<string, string>;
  /** What `gh ... --jq EXPR` answers: jq runs EXPR on this JSON. */
  readonly ghAnswers?: unknown;
  /** Steps (by name) not to run, e.g. the install step when the checkout has node_modules. */
  readonly skip?: readonly string[];
  readonly timeoutMs: number;
}

export function runWorkflowJob(options: JobOptions): JobRun {
  const temp = mkdtempSync(join(options.work, "runner-temp-"));
  const fake = mkdtempSync(join(options.work, "gh-"));
  writeFileSync(join(fake, "answers.json"), JSON.stringify(options.ghAnswers ?? []));
  mkdirSync(join(fake, "bodies"));
  writeFileSync(
    join(fake, "gh"),
    [
      "#!/usr/bin/env bash",
      'printf "%s\\n" "$*" >> "$FAKE_GH/log"',
      'jq_expr=""; prev=""',
      'for a in "$@"; do',
      '  case "$prev" in --body-file) cp "$a" "$FAKE_GH/bodies/$(ls "$FAKE_GH/bodies" | wc -l).md" ;; esac',
      '  case "$a" in body=@*) cp "${a#body=@}" "$FAKE_GH/bodies/$(ls "$FAKE_GH/bodies" | wc -l).md" ;; esac',
      '  [ "$prev" = "--jq" ] && jq_expr="$a"',
      '  prev="$a"',
      "done",
      'if [ -n "$jq_expr" ]; then jq -r "$jq_expr" "$FAKE_GH/answers.json"; fi',
      'if [ "$1 $2" = "pr create" ]; then echo "https://github.com/acme/mail-platform/pull/12"; fi',
    ].join("\n"),
  );
  chmodSync(join(fake, "gh"), 0o755);
  const summary = join(temp, "summary.md");
  writeFileSync(summary, "");

  const outputs: Record<string, Record<string, string>> = {};
  const fill = (value: string) =>
    String(value).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => {
      const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
      if (step) return outputs[step[1]]?.[step[2]] ?? "";
      if (!(expr in options.expressions)) throw new Error(`the test does not know the workflow's expression \${{ ${expr} }}: add it`);
      return options.expressions[expr];
    });
  const jobEnv = Object.fromEntries(Object.entries(options.job.env ?? {}).map(([k, v]) => [k, fill(v)]));

  let log = "";
  for (const step of options.job.steps) {
    if (!step.run || options.skip?.includes(step.name ?? "")) continue;
    const output = join(temp, `output-${step.id ?? "step"}`);
    writeFileSync(output, "");
    const script = join(temp, "step.sh");
    writeFileSync(script, step.run);
    const env = {
      ...process.env,
      PATH: `${fake}:${process.env.PATH}`,
      FAKE_GH: fake,
      CI: "true",
      GITHUB_ACTIONS: "true",
      RUNNER_TEMP: temp,
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      ...jobEnv,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(v)])),
    };
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { cwd: options.cwd, env, encoding: "utf8", timeout: options.timeoutMs });
    log += `--- ${step.name}\n${r.stdout}${r.stderr}`;
    if (step.id) {
      outputs[step.id] = Object.fromEntries(
        readFileSync(output, "utf8")
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
    }
    if (r.status !== 0) return { failed: { step: step.name ?? "", code: r.status ?? -1 }, outputs, summary: readFileSync(summary, "utf8"), log, ...ghCalls(fake) };
  }
  return { outputs, summary: readFileSync(summary, "utf8"), log, ...ghCalls(fake) };
}

function ghCalls(fake: string): { gh: string[]; bodies: string[] } {
  const gh = existsSync(join(fake, "log")) ? readFileSync(join(fake, "log"), "utf8").trim().split("\n") : [];
  const bodies = readdirSync(join(fake, "bodies"))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => readFileSync(join(fake, "bodies", f), "utf8"));
  return { gh, bodies };
}
