/**
 * The example pull-request workflow (examples/github/mta-sts-review.yml), its own shell steps
 * run as GitHub Actions runs them (`bash --noprofile --norc -eo pipefail`), against a platform
 * repository made here: a fresh clone of this repository (its committed HEAD) with `npm ci`, and
 * two commits on top, the base and the head of a pull request. `gh` is a stand-in on PATH that
 * records what it is asked and answers the comment listing from a fixture through `jq`, the way
 * `gh api --jq` does. `uses:` steps are what the clone already provides (checkout, node).
 *
 * Slow (two `npm ci` of about 500 MB), so it is in `npm run test:e2e`, not `npm test`.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";

const REPO = resolve(__dirname, "../..");
const WORKFLOW = parseYaml(readFileSync(join(REPO, "examples/github/mta-sts-review.yml"), "utf8"));
const JOB = WORKFLOW.jobs.review;
const STACK: string = JOB.strategy.matrix.stack[0];
const MINUTES = 60_000;

interface Step {
  name?: string;
  id?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
const STEPS: Step[] = JOB.steps;

let work: string;
let platform: string;
let baseSha: string;

function sh(cwd: string, cmd: string, args: string[], timeout = 20 * MINUTES): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** The example stack with its domain list edited. */
function stackFile(edit: (domains: { domain: string; policy: { mode: string } }[]) => unknown[]): string {
  const doc = parseYaml(readFileSync(join(REPO, "Pulumi.example.yaml"), "utf8"));
  doc.config["mta-sts:domains"] = edit(doc.config["mta-sts:domains"]);
  return stringifyYaml(doc);
}

interface PullRequest {
  labels: string[];
  fork: boolean;
  /** What `gh api .../comments` lists. */
  comments: { id: number; user: { login: string }; body: string }[];
}

interface Run {
  /** The name of the step that failed, and its exit code; undefined when every step passed. */
  failed?: { step: string; code: number };
  outputs: Record<string, Record<string, string>>;
  summary: string;
  /** The `gh` command lines, and the body of each comment written. */
  gh: string[];
  bodies: string[];
  log: string;
}

/**
 * Run the job's `run:` steps from `from` on, as the runner would: the job's and the step's
 * `env` with their expressions filled in, GITHUB_OUTPUT per step, one GITHUB_STEP_SUMMARY, a
 * fresh RUNNER_TEMP (or the one of an earlier run, to continue it).
 */
function runJob(pr: PullRequest, options: { from?: string; after?: Run & { temp: string } } = {}): Run & { temp: string } {
  const temp = options.after?.temp ?? mkdtempSync(join(work, "runner-temp-"));
  const fake = mkdtempSync(join(work, "gh-"));
  writeFileSync(join(fake, "comments.json"), JSON.stringify(pr.comments));
  mkdirSync(join(fake, "bodies"));
  writeFileSync(
    join(fake, "gh"),
    [
      "#!/usr/bin/env bash",
      'printf "%s\\n" "$*" >> "$FAKE_GH/log"',
      'jq_expr=""; prev=""',
      "for a in \"$@\"; do",
      '  case "$a" in body=@*) cp "${a#body=@}" "$FAKE_GH/bodies/$(ls "$FAKE_GH/bodies" | wc -l).md" ;; esac',
      '  [ "$prev" = "--jq" ] && jq_expr="$a"',
      '  prev="$a"',
      "done",
      'if [ -n "$jq_expr" ]; then jq -r "$jq_expr" "$FAKE_GH/comments.json"; fi',
    ].join("\n"),
  );
  chmodSync(join(fake, "gh"), 0o755);
  const summary = join(temp, `summary-${Date.now()}.md`);
  writeFileSync(summary, "");

  const outputs: Record<string, Record<string, string>> = { ...(options.after?.outputs ?? {}) };
  const repository = "acme/mail-platform";
  const expressions: Record<string, string> = {
    "matrix.stack": STACK,
    "github.event.pull_request.base.sha": baseSha,
    "github.event.pull_request.number": "7",
    "github.repository": repository,
    "github.event.pull_request.head.repo.full_name": pr.fork ? "someone/mail-platform" : repository,
    "github.token": "token-for-the-test",
    "join(github.event.pull_request.labels.*.name, ' ')": pr.labels.join(" "),
  };
  const fill = (value: string) =>
    String(value).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => {
      const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
      if (step) return outputs[step[1]]?.[step[2]] ?? "";
      if (!(expr in expressions)) throw new Error(`the test does not know the workflow's expression \${{ ${expr} }}: add it`);
      return expressions[expr];
    });
  const jobEnv = Object.fromEntries(Object.entries(JOB.env ?? {}).map(([k, v]) => [k, fill(v as string)]));

  let log = "";
  const start = options.from ? STEPS.findIndex((s) => s.name === options.from) : 0;
  expect(start).toBeGreaterThanOrEqual(0);
  for (const step of STEPS.slice(start)) {
    if (!step.run) continue; // actions/checkout and actions/setup-node: the clone and this node
    const output = join(temp, `output-${step.id ?? "step"}-${Date.now()}`);
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
    const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", script], { cwd: platform, env, encoding: "utf8", timeout: 20 * MINUTES });
    log += `--- ${step.name}\n${r.stdout}${r.stderr}`;
    if (step.id) {
      outputs[step.id] = Object.fromEntries(
        readFileSync(output, "utf8")
          .split("\n")
          .filter((l) => l.includes("="))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
    }
    if (r.status !== 0) {
      return { failed: { step: step.name ?? "", code: r.status ?? -1 }, outputs, summary: readFileSync(summary, "utf8"), ...ghCalls(fake), log, temp };
    }
  }
  return { outputs, summary: readFileSync(summary, "utf8"), ...ghCalls(fake), log, temp };
}

function ghCalls(fake: string): { gh: string[]; bodies: string[] } {
  const log = existsSync(join(fake, "log")) ? readFileSync(join(fake, "log"), "utf8").trim().split("\n") : [];
  const bodies = readdirSync(join(fake, "bodies"))
    .sort()
    .map((f) => readFileSync(join(fake, "bodies", f), "utf8"));
  return { gh: log, bodies };
}

const MARKER = `<!-- mta-sts-review: ${STACK} -->`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "mta-sts-workflow-"));
  platform = join(work, "platform");
  sh(work, "git", ["clone", "--quiet", REPO, platform]);
  sh(platform, "npm", ["ci", "--no-audit", "--no-fund"], 30 * MINUTES);
  // The base of the pull request: the example stack as the platform's production stack.
  writeFileSync(join(platform, STACK), stackFile((domains) => domains));
  sh(platform, "git", ["add", STACK]);
  sh(platform, "git", ["commit", "--quiet", "-m", "base: the production stack"]);
  baseSha = sh(platform, "git", ["rev-parse", "HEAD"]).trim();
  // The head: example.com (testing) removed, which blocks; example.org goes to enforce.
  writeFileSync(
    join(platform, STACK),
    stackFile((domains) => domains.filter((d) => d.domain !== "example.com").map((d) => (d.domain === "example.org" ? { ...d, policy: { ...d.policy, mode: "enforce" } } : d))),
  );
  sh(platform, "git", ["commit", "--quiet", "-am", "head: retire example.com at once, enforce example.org"]);
}, 40 * MINUTES);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("a fresh clone runs this repository's own bin through `npm exec --no -- mta-sts`", () => {
  // Before the package's bin is linked in a fresh clone, this fails, and so does every step below.
  const r = spawnSync("npm", ["exec", "--no", "--", "mta-sts", "plan", "--help"], { cwd: platform, encoding: "utf8", timeout: 5 * MINUTES });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toContain("--base <plan|stack|ref>");
});

describe("the workflow on a pull request with a blocking risk", () => {
  let first: Run & { temp: string };
  beforeAll(() => {
    first = runJob({ labels: [], fork: false, comments: [] });
  }, 40 * MINUTES);

  test("plans the base with the base's code, compares, posts one comment and fails the check", () => {
    expect(first.failed).toEqual({ step: "Fail on a blocking risk", code: 1 });
    expect(first.outputs.base.base).toMatch(/base-plan\.json$/);
    expect(first.outputs.review.status).toBe("1");
    expect(first.gh).toEqual([expect.stringContaining("api --paginate repos/acme/mail-platform/issues/7/comments"), "api --method POST repos/acme/mail-platform/issues/7/comments -F body=@" + join(first.temp, "mta-sts-review", "comment.md")]);
    const [body] = first.bodies;
    expect(body.split("\n")[0]).toBe(MARKER);
    expect(body).toContain("### MTA-STS review of <code>Pulumi\\.mail\\-prod\\.yaml</code>");
    expect(body).toContain("**1 domain changed\\, 0 added\\, 1 removed\\; 2 risks \\(1 blocking\\)");
    expect(body).toContain("| **block** | <code>domain\\-removed\\-while\\-active</code> | example\\.com is removed");
    expect(body).toContain("<details><summary>removed: <code>example.com</code>, 1 risk</summary>");
    expect(first.summary).toBe(body.slice(MARKER.length + 1));
    expect(first.log).toContain("::error::A risk blocks this change");
  });

  test("on the next push with the risk allowed by a label, updates the bot's comment (not a look-alike) and passes", () => {
    const second = runJob(
      {
        labels: ["mta-sts-allow:domain-removed-while-active", "documentation"],
        fork: false,
        comments: [
          { id: 41, user: { login: "mallory" }, body: `${MARKER}\nfake` },
          { id: 42, user: { login: "github-actions[bot]" }, body: `${MARKER}\nold review` },
        ],
      },
      { from: "Compare the head with the base", after: first },
    );
    expect(second.failed).toBeUndefined();
    expect(second.outputs.review.status).toBe("0");
    expect(second.gh[1]).toBe(`api --method PATCH repos/acme/mail-platform/issues/comments/42 -F body=@${join(first.temp, "mta-sts-review", "comment.md")}`);
    expect(second.bodies[0]).toContain("| allowed (block) | <code>domain\\-removed\\-while\\-active</code>");
  });

  test("from a fork, which cannot comment, writes the review to the job summary and still fails", () => {
    const fork = runJob({ labels: [], fork: true, comments: [] }, { from: "Compare the head with the base", after: first });
    expect(fork.failed).toEqual({ step: "Fail on a blocking risk", code: 1 });
    expect(fork.gh).toEqual([]);
    expect(fork.summary).toContain("| **block** | <code>domain\\-removed\\-while\\-active</code>");
    expect(fork.log).toContain("read-only token and cannot comment");
  });
});
