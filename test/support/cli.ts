/** Run `mta-sts` in-process with captured output and a given standard input, or as a process (CLI tests). */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import * as path from "node:path";
import { CliContext } from "../../cli/verb-contract";
import { CliDeps, defaultCliDeps, main } from "../../cli/main";
import { TS_REGISTER } from "./ts-register";

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `mta-sts ...argv` through `main`, as the command runs it: exit code, stdout, stderr. */
export async function runCli(argv: string[], stdin = "", deps: Partial<CliDeps> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CliContext = { exitCode: 0, out: (t) => void out.push(t), err: (t) => void err.push(t), readStdin: async () => stdin };
  const code = await main(argv, ctx, { ...defaultCliDeps, ...deps });
  return { code, out: out.join(""), err: err.join("") };
}

const root = path.join(__dirname, "..", "..");
const children = new Set<ChildProcess>();

/**
 * `mta-sts ...argv` as a real process (from the sources, as `npm run mta-sts` runs it). Its standard input
 * is `stdin` (a file such as /dev/zero) or the output of the shell command `pipeFrom` (such as
 * `yes`), else empty. For what only a process shows: standard input, exit handling.
 */
export function spawnCli(argv: string[], options: { stdin?: string; pipeFrom?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const node = [process.execPath, "-r", TS_REGISTER, path.join(root, "cli", "main.ts"), ...argv];
  // sh -c 'yes | "$0" "$@"' node ...: the pipeline without quoting the arguments into the script.
  const [file, args] = options.pipeFrom ? ["sh", ["-c", `${options.pipeFrom} | "$0" "$@"`, ...node]] : [node[0], node.slice(1)];
  const stdinFd = options.stdin ? openSync(options.stdin, "r") : "ignore";
  const child = spawn(file, args, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: [options.pipeFrom ? "ignore" : stdinFd, "pipe", "pipe"],
  });
  if (typeof stdinFd === "number") closeSync(stdinFd);
  children.add(child);
  let out = "";
  let err = "";
  child.stdout!.on("data", (chunk: Buffer) => void (out += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => void (err += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      children.delete(child);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

/** What `runCliProcess` saw: the exit status (null if it was killed), stdout, stderr. */
export interface CliProcessRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `mta-sts ...argv` from the sources as a process of its own, run to its end, as `npm run
 * mta-sts -- ...argv` runs it: for `plan`, whose Pulumi engine is one per process, and for what
 * a reviewer types. Runs in `cwd` (the repository root by default).
 */
export function runCliProcess(argv: readonly string[], options: { cwd?: string; timeoutMs?: number; maxBuffer?: number } = {}): CliProcessRun {
  const result = spawnSync(process.execPath, ["-r", TS_REGISTER, path.join(root, "cli", "main.ts"), ...argv], {
    cwd: options.cwd ?? root,
    encoding: "utf8",
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    ...(options.maxBuffer === undefined ? {} : { maxBuffer: options.maxBuffer }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Kill the processes `spawnCli` started that are still running (after a test timed out). */
export function stopCliProcesses(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}
