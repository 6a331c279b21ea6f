/**
 * The commands a new user copies first, exactly as the README writes them, in a fresh copy of
 * this repository (the files git tracks or would track: what a clone gets) after `npm ci`:
 *
 * - the two set-up commands at the top: `npm ci && npm start` and `npm test`;
 * - `npx mta-sts` (and `npm exec -- mta-sts`), which exited 127 in a clone: npm does not link a
 *   package's own `bin`; the `file:.` devDependency does;
 * - the README's lint example, output compared line by line;
 * - `npm pack`, which must contain `dist/` (the `prepare` script builds it), or an install from
 *   git or a tarball has no `main` and no `bin`;
 * - then, on the same install (one `npm ci` for the file), the copy becomes a platform
 *   repository's checkout: the example promotion workflow (examples/github/mta-sts-promote.yml)
 *   runs its steps against a bare local `origin` with a `gh` stand-in, and the README's "From
 *   testing to enforce" walk-through runs each command exactly as written.
 *
 * Slow (an `npm ci`, and the whole test suite once more), so it lives in the e2e suite.
 */
import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { startDnsServer, TestDnsServer } from "../support/dns-server";
import { rolloutWalkthrough } from "../support/rollout-walkthrough";
import { unifiedDiff } from "../support/unified-diff";
import { JobRun, runWorkflowJob, WorkflowJob } from "../support/workflow-run";

const REPO = resolve(__dirname, "../..");
const README = readFileSync(join(REPO, "README.md"), "utf8");

let clone: string;
let dns: TestDnsServer;

/** The environment of a user's shell: none of the npm and jest variables this run is under. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|JEST_|TS_NODE_)/i.test(key) || key === "INIT_CWD" || key === "NODE_ENV") continue;
    env[key] = value;
  }
  return env;
}

/** A README command line run by the shell in the clone, as a user would paste it. */
function sh(command: string, timeoutMs = 600_000): SpawnSyncReturns<string> {
  return spawnSync("bash", ["-c", command], { cwd: clone, env: userEnv(), encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
}

/** The command part of a README line (what comes before its `#` comment). */
function readmeCommand(prefix: string): string {
  const line = README.split("\n").find((l) => l.startsWith(prefix));
  if (!line) throw new Error(`the README has no command line starting with ${JSON.stringify(prefix)}`);
  return line.replace(/\s+#.*$/, "");
}

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), "mta-sts-clone-"));
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const file of files) {
    let isFile = false;
    try {
      isFile = statSync(join(REPO, file)).isFile();
    } catch {
      // Deleted in the working tree: a clone of it would not have it either.
    }
    if (!isFile) continue;
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(join(REPO, file), join(clone, file));
  }
}, 120_000);

afterAll(async () => {
  await dns?.close();
  if (clone) rmSync(clone, { recursive: true, force: true });
});

describe("a fresh clone, with the README's commands exactly as written", () => {
  test("`npm ci && npm start`: the offline plan of the bundled example, naming the file", () => {
    const command = readmeCommand("npm ci && npm start");
    expect(command).toBe("npm ci && npm start");
    const run = sh(command);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^# OFFLINE PLAN/m);
    expect(run.stdout).toContain("# stack config: Pulumi.example.yaml");
    expect(run.stderr).toMatch(/^planned Pulumi\.example\.yaml: 5 domain\(s\), \d+ resource\(s\)$/m);
  }, 900_000);

  test("`npm ci` built dist/ and linked the package's own mta-sts command", () => {
    expect(statSync(join(clone, "dist", "cli", "main.js")).mode & 0o111).not.toBe(0);
    expect(statSync(join(clone, "dist", "components", "index.js")).isFile()).toBe(true);
    expect(statSync(join(clone, "node_modules", ".bin", "mta-sts")).isFile()).toBe(true);
  });

  test("`npx mta-sts` and `npm exec --no -- mta-sts` run the command (they exited 127)", () => {
    const version = JSON.parse(readFileSync(join(clone, "package.json"), "utf8")).version;
    for (const command of ["npx mta-sts --version", "npm exec --no -- mta-sts --version"]) {
      const run = sh(command, 120_000);
      expect({ command, status: run.status, stdout: run.stdout }).toEqual({ command, status: 0, stdout: `${version}\n` });
    }
  });

  test("Running it for real: copy the example and `npx mta-sts plan --stack Pulumi.mail-prod.yaml`", () => {
    const copy = readmeCommand("cp Pulumi.example.yaml Pulumi.mail-prod.yaml");
    const plan = readmeCommand("npx mta-sts plan --stack Pulumi.mail-prod.yaml");
    const run = sh(`${copy} && ${plan}`, 300_000);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("# stack config: Pulumi.mail-prod.yaml");
  });

  test("`npx mta-sts check <domain>` runs the checker (here against a local DNS server: the domain does not exist)", async () => {
    expect(readmeCommand("npx mta-sts check example.com")).toBe("npx mta-sts check example.com");
    dns = await startDnsServer({});
    const run = await new Promise<SpawnSyncReturns<string>>((done) => {
      // Asynchronously: the DNS server answers from this process.
      const child = spawn("bash", ["-c", `npx mta-sts check example.test --resolver ${dns.address} --timeout 5`], { cwd: clone, env: userEnv() });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => void (stdout += c));
      child.stderr.on("data", (c: Buffer) => void (stderr += c));
      child.on("close", (status) => done({ status, stdout, stderr } as SpawnSyncReturns<string>));
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^FAIL domain-exists +example\.test: the domain does not exist in DNS \(NXDOMAIN\)/m);
  }, 120_000);

  test("the README's lint example prints exactly the output the README shows", () => {
    const block = README.slice(README.indexOf("```sh\n$ printf"));
    const [commandLine, ...rest] = block.slice("```sh\n".length, block.indexOf("\n```", 5)).split("\n");
    const run = sh(commandLine.slice("$ ".length), 120_000);
    expect(run.status).toBe(1);
    expect(run.stdout.trimEnd().split("\n")).toEqual(rest);
  });

  test("`npm pack` contains dist/: main, types and the bin", () => {
    const run = sh("npm pack --dry-run --json", 300_000);
    expect(run.status).toBe(0);
    const [pack] = JSON.parse(run.stdout.slice(run.stdout.indexOf("["))) as { files: { path: string }[] }[];
    const files = pack.files.map((f) => f.path);
    for (const file of ["dist/components/index.js", "dist/components/index.d.ts", "dist/cli/main.js"]) expect(files).toContain(file);
  }, 300_000);

  test("`npm test`: the type-check and the whole suite pass in the clone", () => {
    const command = readmeCommand("npm test ");
    expect(command).toBe("npm test");
    const run = sh(command, 1_800_000);
    if (run.status !== 0) throw new Error(`npm test failed in the clone:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-8000)}`);
  }, 1_800_000);
});

/**
 * The promotion workflow as a platform repository runs it, on this copy: it becomes the checkout
 * of the platform's main (a git repository with a bare local `origin`, the workflow and its script
 * where the workflow's header says, a production stack). The workflow's Install step is the
 * `npm ci` the first test ran here; every other `run:` step runs as the runner runs it
 * (test/support/workflow-run.ts), `gh` a stand-in that records what it is asked.
 */
describe("the promotion workflow and the From testing to enforce walk-through, on this install", () => {
  const WORKFLOW = parseYaml(readFileSync(join(REPO, "examples/github/mta-sts-promote.yml"), "utf8"));
  const JOB: WorkflowJob = WORKFLOW.jobs.promote;
  const STACK: string = WORKFLOW.jobs.promote.strategy.matrix.stack[0];
  const BRANCH = `mta-sts/promote-${STACK.replace(/^Pulumi\./, "").replace(/\.yaml$/, "")}`;
  let work: string;
  let origin: string;
  let run: JobRun;

  const git = (cwd: string, ...args: string[]): string => {
    const r = spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], { cwd, encoding: "utf8", timeout: 300_000 });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(() => {
    // Run alone (jest -t), this block installs what the first test would have.
    if (!existsSync(join(clone, "node_modules", ".bin", "mta-sts"))) expect(sh("npm ci --no-audit --no-fund").status).toBe(0);
    work = mkdtempSync(join(tmpdir(), "mta-sts-promote-e2e-"));
    origin = join(work, "origin.git");
    git(work, "init", "--quiet", "--bare", "-b", "main", origin);
    git(clone, "init", "--quiet", "-b", "main");
    git(clone, "remote", "add", "origin", origin);
    mkdirSync(join(clone, ".github", "workflows"), { recursive: true });
    mkdirSync(join(clone, ".github", "scripts"), { recursive: true });
    copyFileSync(join(clone, "examples/github/mta-sts-promote.yml"), join(clone, ".github/workflows/mta-sts-promote.yml"));
    copyFileSync(join(clone, "examples/github/mta-sts-promote.sh"), join(clone, ".github/scripts/mta-sts-promote.sh"));
    writeFileSync(join(clone, STACK), readFileSync(join(clone, "examples/rollout/Pulumi.rollout.yaml")));
    git(clone, "add", ".");
    git(clone, "commit", "--quiet", "-m", "the production stack and the promotion workflow");
    git(clone, "push", "--quiet", "origin", "main");
    run = runWorkflowJob({
      job: JOB,
      cwd: clone,
      work,
      skip: ["Install"],
      ghAnswers: [],
      timeoutMs: 900_000,
      expressions: {
        "matrix.stack": STACK,
        "github.event.repository.default_branch": "main",
        "vars.MTA_STS_REPORT_SOURCES": join(clone, "examples/rollout/tls-reports.mbox"),
        "vars.MTA_STS_PROMOTE_FLAGS": "",
        "secrets.MTA_STS_IMAP_PASSWORD": "",
        "github.token": "token-for-the-test",
      },
    });
  }, 1_200_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("the workflow's script pushes the promotion branch on top of main and opens its pull request", () => {
    expect({ failed: run.failed, log: run.failed ? run.log : "" }).toEqual({ failed: undefined, log: "" });
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

  test("each command of the README's From testing to enforce, exactly as written, prints the output shown, and the last puts the example back", () => {
    const steps = rolloutWalkthrough();
    expect(steps.length).toBeGreaterThan(5);
    for (const { command, output, status } of steps) {
      const r = sh(command, 600_000);
      expect({ command, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ command, status, stderr: "", stdout: output });
    }
    expect(git(clone, "status", "--porcelain", "--", "examples")).toBe("");
  }, 1_800_000);
});
