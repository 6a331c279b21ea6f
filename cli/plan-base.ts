/**
 * The BASE of `mta-sts plan --stack HEAD.yaml --base BASE`, recognised in this order:
 * 1. an existing file holding JSON with `"kind": "mta-sts-offline-plan"`: a plan written by
 *    `mta-sts plan --json` (on the base branch, with the base branch's code); its `version` must
 *    be the one this code reads;
 * 2. any other existing file: a stack file, planned with this code;
 * 3. anything else: a git ref; the head's stack file as it is at that ref (`git show REF:PATH`,
 *    PATH relative to the repository root), planned with this code.
 *
 * A stack file or a ref is planned in a child process: Pulumi's runtime is one per process, and
 * this process plans the head.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { EXIT_COULD_NOT_RUN, UsageError } from "./verb-contract";
import { Plan, PLAN_FORMAT_VERSION } from "./plan-report";

/** The kind of failure, as `--json` reports it. */
export type BaseErrorCode = "usage" | "config" | "io" | "internal";

/** The base could not be read or planned; the message names BASE and what would work. */
export class BaseError extends UsageError {
  constructor(
    message: string,
    readonly code: BaseErrorCode,
  ) {
    super(message, EXIT_COULD_NOT_RUN);
    this.name = "BaseError";
  }
}

export type BaseSource =
  | { readonly kind: "plan"; readonly label: string; readonly plan: Plan }
  | { readonly kind: "stack"; readonly label: string; readonly path: string }
  | { readonly kind: "git"; readonly label: string; readonly ref: string; readonly text: string; readonly fileName: string };

/** How long git may take for one command, and how much a stack file at a ref may hold. */
const GIT_TIMEOUT_MS = 30_000;
const GIT_MAX_BYTES = 64 * 1024 * 1024;
/** How long planning the base may take (1000 domains take well under a minute). */
const CHILD_TIMEOUT_MS = 10 * 60_000;
const CHILD_MAX_BYTES = 1024 * 1024 * 1024;
/** The largest plan or stack file read as BASE (a plan of 1000 domains is about 7 MB). */
const BASE_FILE_MAX_BYTES = 512 * 1024 * 1024;

/** Recognise BASE; fails fast (before anything is planned) when it is none of the three. */
export function resolveBase(base: string, headStack: string): BaseSource {
  if (existsSync(base) && statSync(base).isFile()) {
    if (statSync(base).size > BASE_FILE_MAX_BYTES) throw new BaseError(`--base ${base} is larger than ${BASE_FILE_MAX_BYTES / 1024 / 1024} MiB: not a plan or a stack file`, "usage");
    let text: string;
    try {
      text = readFileSync(base, "utf8");
    } catch (err) {
      throw new BaseError(`--base ${base}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, "io");
    }
    const plan = planDocument(text);
    if (plan === undefined) return { kind: "stack", label: base, path: base };
    return { kind: "plan", label: `${base} (plan of ${plan.stack})`, plan: checkedPlan(plan, base) };
  }
  return gitBase(base, headStack);
}

/** The parsed document when `text` is JSON of the offline plan's kind, else undefined. */
function planDocument(text: string): (Record<string, unknown> & { stack?: unknown }) | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    const doc = JSON.parse(text) as unknown;
    if (doc !== null && typeof doc === "object" && (doc as Record<string, unknown>).kind === "mta-sts-offline-plan") return doc as Record<string, unknown>;
  } catch {
    // Not JSON: a stack file (YAML).
  }
  return undefined;
}

/** A plan of this format version with the fields the review reads, or a clear refusal. */
function checkedPlan(doc: Record<string, unknown>, where: string): Plan {
  const version = doc.version;
  if (version !== PLAN_FORMAT_VERSION) {
    const which = version === undefined ? "has no version (it was written by an mta-sts from before plan versions)" : `is of plan version ${JSON.stringify(version)}`;
    throw new BaseError(
      `--base ${where} ${which}, and this mta-sts reads plan version ${PLAN_FORMAT_VERSION} only: ` +
        `write both plans with versions of mta-sts that share a plan version, or pass the base's stack file or a git ref as --base to plan it with this code`,
      "config",
    );
  }
  const problem = planShapeProblem(doc);
  if (problem) throw new BaseError(`--base ${where} is not a complete plan: ${problem}; write it again with \`mta-sts plan --json\``, "config");
  return doc as unknown as Plan;
}

/** The first field a plan lacks that the comparison reads, as `domains[3].policyText`. */
function planShapeProblem(doc: Record<string, unknown>): string | undefined {
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (typeof doc.stack !== "string") return `"stack" must be a string`;
  if (!Array.isArray(doc.domains)) return `"domains" must be a list`;
  if (!Array.isArray(doc.resources)) return `"resources" must be a list`;
  const domainFields = ["domain", "policyText", "policyId", "stsRecordName", "stsRecord", "tlsRptRecordName", "host", "dns", "component"];
  for (const [i, d] of doc.domains.entries()) {
    if (!isObject(d)) return `domains[${i}] must be an object`;
    const missing = domainFields.find((f) => typeof d[f] !== "string");
    if (missing) return `domains[${i}].${missing} must be a string`;
    if (d.tlsRptRecord !== undefined && typeof d.tlsRptRecord !== "string") return `domains[${i}].tlsRptRecord must be a string`;
  }
  for (const [i, r] of doc.resources.entries()) {
    if (!isObject(r)) return `resources[${i}] must be an object`;
    const missing = ["type", "name", "urn"].find((f) => typeof r[f] !== "string");
    if (missing) return `resources[${i}].${missing} must be a string`;
    if (r.parent !== undefined && typeof r.parent !== "string") return `resources[${i}].parent must be a string`;
    if (!isObject(r.inputs)) return `resources[${i}].inputs must be an object`;
    for (const list of ["aliases", "replaceOnChanges"] as const) {
      if (r[list] !== undefined && !(Array.isArray(r[list]) && (r[list] as unknown[]).every((x) => typeof x === "string"))) return `resources[${i}].${list} must be a list of strings`;
    }
  }
  return undefined;
}

function git(cwd: string, args: readonly string[]): { ok: true; stdout: string } | { ok: false; stderr: string } {
  try {
    const stdout = execFileSync("git", args, { cwd, encoding: "utf8", timeout: GIT_TIMEOUT_MS, maxBuffer: GIT_MAX_BYTES, stdio: ["ignore", "pipe", "pipe"] });
    return { ok: true, stdout };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new BaseError("--base is not an existing file, and git is not installed to read it as a git ref", "io");
    return { ok: false, stderr: (e.stderr ?? e.message).toString().trim().split("\n")[0] };
  }
}

/** The head's stack file as it is at a git ref. */
function gitBase(ref: string, headStack: string): BaseSource {
  // A ref never starts with "-"; refuse it rather than let git read it as an option.
  if (ref === "" || ref.startsWith("-")) throw new BaseError(`--base ${JSON.stringify(ref)} is not a file and not a git ref`, "usage");
  const dir = path.dirname(path.resolve(headStack));
  const top = git(dir, ["rev-parse", "--show-toplevel"]);
  if (!top.ok) {
    throw new BaseError(`--base ${ref} is not a file, and ${headStack} is not in a git repository, so it cannot be a git ref either (git: ${top.stderr})`, "usage");
  }
  const root = top.stdout.trim();
  const file = path.relative(root, realpathSync(path.resolve(headStack))).split(path.sep).join("/");
  const commit = git(root, ["rev-parse", "--verify", "--quiet", "--end-of-options", `${ref}^{commit}`]);
  if (!commit.ok) {
    throw new BaseError(`--base ${ref} is neither an existing file nor a git ref of this repository: give a plan JSON, a stack file, or a ref such as origin/main (run \`git fetch\` if the ref is remote)`, "usage");
  }
  const shown = git(root, ["show", `${commit.stdout.trim()}:${file}`]);
  if (!shown.ok) {
    throw new BaseError(`--base ${ref}: ${file} does not exist at ${ref} (git: ${shown.stderr}); a stack file that is new in this change has no base to compare with`, "usage");
  }
  return { kind: "git", label: `${ref}:${file}`, ref, text: shown.stdout, fileName: path.basename(file) };
}

/** The base's plan: read, or planned in a child process with this code. */
export async function planOfBase(source: BaseSource): Promise<Plan> {
  if (source.kind === "plan") return source.plan;
  if (source.kind === "stack") return relabel(await planInChild(path.resolve(source.path), source.label), source.label);
  const dir = mkdtempSync(path.join(tmpdir(), "mta-sts-base-"));
  try {
    const file = path.join(dir, source.fileName);
    writeFileSync(file, source.text);
    return relabel(await planInChild(file, source.label), source.label);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function relabel(plan: Plan, label: string): Plan {
  return { ...plan, stack: label };
}

/** `mta-sts plan --stack <file> --json` in a child process of this same code. */
function planInChild(file: string, label: string): Promise<Plan> {
  // From the sources (npm start, the tests) this module is TypeScript, and so is the child, run
  // the way `npm run mta-sts` runs it.
  const typescript = path.extname(__filename) === ".ts";
  const main = path.join(__dirname, `main${path.extname(__filename)}`);
  const root = path.join(__dirname, "..");
  const args = [...(typescript ? ["-r", path.join(root, "scripts", "ts-register.js")] : []), main, "plan", "--stack", file, "--json"];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, timeout: CHILD_TIMEOUT_MS, maxBuffer: CHILD_MAX_BYTES, encoding: "utf8" }, (err, stdout, stderr) => {
      let doc: Record<string, any> | undefined;
      try {
        doc = JSON.parse(stdout);
      } catch {
        doc = undefined;
      }
      if (!err && doc?.kind === "mta-sts-offline-plan") return resolve(doc as Plan);
      const timedOut = (err as { killed?: boolean } | null)?.killed;
      // The child reports errors as JSON on stdout (`--json`) or as `mta-sts: ...` on stderr.
      const reason = timedOut
        ? `it did not finish within ${CHILD_TIMEOUT_MS / 60000} minutes`
        : (doc?.error?.message as string | undefined) ?? (stderr.trim().replace(/^mta-sts: /, "") || (err ? err.message : "no plan was written"));
      const code: BaseErrorCode = timedOut ? "internal" : ((doc?.error?.code as BaseErrorCode | undefined) ?? "config");
      reject(new BaseError(`the base (${label}) could not be planned: ${reason.replaceAll(file, label)}`, code));
    });
  });
}
