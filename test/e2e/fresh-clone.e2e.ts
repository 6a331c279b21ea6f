/**
 * The commands a new user copies first, exactly as the README writes them, in a fresh copy of
 * this repository (the files git tracks or would track: what a clone gets) after `npm ci`:
 *
 * - the two set-up commands at the top: `npm ci && npm start` and `npm test`;
 * - `npx mta-sts` (and `npm exec -- mta-sts`), which exited 127 in a clone: npm does not link a
 *   package's own `bin`; the `file:.` devDependency does;
 * - the README's lint example, output compared line by line;
 * - `npm pack`, which must contain `dist/` (the `prepare` script builds it), or an install from
 *   git or a tarball has no `main` and no `bin`.
 *
 * Slow (an `npm ci`, and the whole test suite once more), so it lives in the e2e suite.
 */
import { execFileSync, spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { startDnsServer, TestDnsServer } from "../support/dns-server";

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
