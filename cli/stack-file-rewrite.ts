/**
 * Changing domains' modes in a stack file for `mta-sts promote` and `mta-sts demote`: read and
 * validate the file, edit it in place (components/stack/stack-file-edit.ts: every other byte
 * stays), check that the edited text validates and means the old config with exactly those modes
 * changed, show the change as a unified diff, and write it atomically.
 *
 * The write goes to a temporary file beside the real one, which is flushed and then renamed over
 * it: a reader (or a crash) sees the old file or the new one, never half of each. The file must
 * still hold the bytes that were edited (it is read again just before): an edit made meanwhile,
 * by a person or another run, is never overwritten.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import { RolloutDomain } from "../components/model/rollout";
import { editStackFile, StackFileEditError, YamlPath } from "../components/stack/stack-file-edit";
import { DomainDeployment, validateStackConfig } from "../components/stack/stack-config";
import { ModeChange, modeChangeProblems, modeEdits, rolloutDomains } from "../components/stack/stack-rollout";
import { INPUT_LIMITS, readBoundedFile } from "./bounded-read";
import { domainsYamlPath, stackConfigFromText } from "./config-file";
import { CliError } from "./verb-contract";

/** A stack file read and validated, ready to be edited. */
export interface LoadedStack {
  /** As given on the command line. */
  readonly path: string;
  readonly bytes: Buffer;
  readonly text: string;
  readonly domains: readonly DomainDeployment[];
  readonly rollout: readonly RolloutDomain[];
  /** Where `mta-sts:domains` is in the file. */
  readonly domainsPath: YamlPath;
}

/**
 * Read and validate `path`. A file that does not validate is refused with every problem and its
 * path (`CliError` with the code `config`, exit 2): nothing is edited in a config that could not
 * be deployed as it is.
 */
export function loadStackForEdit(path: string): LoadedStack {
  const bytes = readBoundedFile(path, INPUT_LIMITS.stackFile);
  const text = bytes.toString("utf8");
  if (!Buffer.from(text, "utf8").equals(bytes)) {
    throw new CliError("config", `${path} is not UTF-8 text, so it cannot be edited in place without changing other bytes; save it as UTF-8`);
  }
  const input = stackConfigFromText(text, path);
  const validation = validateStackConfig(input);
  if (!validation.ok) {
    const n = validation.issues.length;
    const lines = validation.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
    throw new CliError("config", `${path} has ${n} problem${n === 1 ? "" : "s"}; fix ${n === 1 ? "it" : "them"} first, nothing was changed:\n${lines}`, { issues: validation.issues });
  }
  return { path, bytes, text, domains: validation.domains, rollout: rolloutDomains(input, validation.domains), domainsPath: domainsYamlPath(text) };
}

/** The new text of a stack file, and its change as a unified diff (empty when nothing changes). */
export interface Rewrite {
  readonly after: string;
  /** The domains of the edited file, validated. */
  readonly domainsAfter: readonly DomainDeployment[];
  readonly changed: boolean;
  readonly diff: string;
}

/**
 * The text of `stack` with the modes of `changes` written in place. Refused (`CliError`, exit 2,
 * nothing written) when the file's shape cannot be edited safely, when the edited text would not
 * validate, or when it would mean anything but those modes changed.
 */
export function rewriteModes(stack: LoadedStack, changes: readonly ModeChange[]): Rewrite {
  let after: string;
  try {
    after = editStackFile(stack.text, modeEdits(stack.domainsPath, changes));
  } catch (err) {
    if (err instanceof StackFileEditError) throw new CliError("config", `cannot edit ${stack.path} in place: ${err.message}; nothing was written`);
    throw err;
  }
  const validation = validateStackConfig(stackConfigFromText(after, stack.path));
  if (!validation.ok) {
    throw new CliError("config", `the edited ${stack.path} would not validate, so nothing was written (edit the modes by hand):\n${validation.issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`, { issues: validation.issues });
  }
  const problems = modeChangeProblems(stack.domains, validation.domains, changes);
  if (problems.length > 0) {
    throw new CliError("config", `the edited ${stack.path} would change more than the modes, so nothing was written (edit the modes by hand):\n${problems.map((p) => `  ${p}`).join("\n")}`);
  }
  const changed = after !== stack.text;
  return { after, domainsAfter: validation.domains, changed, diff: changed ? unifiedDiff(stack.path, stack.text, after) : "" };
}

/** `--- file` / `+++ file` and the hunks, three lines of context. */
export function unifiedDiff(path: string, before: string, after: string): string {
  return createTwoFilesPatch(path, path, before, after, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}

/**
 * Replace the stack file with `text`, atomically (a temporary file in the same directory,
 * flushed, then renamed over it; a symbolic link is followed, so the link stays). The file's
 * permissions are kept. Refused (`CliError` with the code `io`, nothing written) when the file no
 * longer holds the bytes that were edited.
 */
export function writeStackFile(stack: LoadedStack, text: string): void {
  const fail = (what: string, err: unknown) => new CliError("io", `cannot write ${stack.path}: ${what} (${(err as NodeJS.ErrnoException).code ?? String(err)}); nothing was written`);
  let target: string;
  let mode: number;
  let current: Buffer;
  try {
    target = realpathSync(stack.path);
    mode = statSync(target).mode & 0o7777;
    current = readFileSync(target);
  } catch (err) {
    throw fail("cannot read it again", err);
  }
  if (!current.equals(stack.bytes)) {
    throw new CliError("io", `${stack.path} changed while this command ran (someone edited it meanwhile); nothing was written: run the command again`);
  }
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, "wx", 0o600);
    // The umask does not apply to fchmod: the new file gets exactly the old one's permissions.
    fchmodSync(fd, mode);
    const bytes = Buffer.from(text, "utf8");
    for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Not created, or already renamed.
    }
    throw fail("writing the new file failed", err);
  }
}
