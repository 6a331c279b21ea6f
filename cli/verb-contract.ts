/**
 * What every `mta-sts` verb shares: the context it writes to (`CliContext`), the errors it throws
 * when it cannot run (`CliError`, `UsageError`) and the exit codes, documented in the README:
 * 0 everything passed, 1 findings (errors in what was checked), 2 could not run (bad usage,
 * unreadable file, bad config, no DNS answer before anything could be checked).
 *
 * A verb that cannot run throws a `CliError`; `main` prints it as one line (or, with `--json`,
 * as `{ "ok": false, "error": { "code", "message", "issues"? } }`) and exits with its code.
 * Anything else that escapes a verb is a bug, reported with the code `internal`.
 */
import type { InputLimit } from "./bounded-read";

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_COULD_NOT_RUN = 2;

/**
 * Why a verb could not run, as a stable word for machines (`error.code` of `--json`):
 * - `usage`: the command line is wrong (unknown option, missing argument, a bad option value,
 *   a `--ca-file` that holds no certificate);
 * - `config`: a stack or config file is not valid; `issues` lists every problem with its path;
 * - `io`: a file or standard input could not be read (missing, unreadable, over its size limit,
 *   nothing written to it in time), or a file could not be written (`groups --write`: not
 *   writable, or a stack file shape that cannot be edited without touching other bytes);
 * - `dns`: the DNS gave no answer at all, so nothing could be checked;
 * - `internal`: a bug in mta-sts.
 */
export const ERROR_CODES = ["usage", "config", "io", "dns", "internal"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem of a config file: `domains[2].policy.mx[0]` and what is wrong there. */
export interface ErrorIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * An error the user can act on; printed as one line, never as a stack trace. The first line of
 * `message` is the summary; when `issues` are given, the rest of the message (if any) lists them
 * for people and `issues` is what `--json` and the printer use.
 */
export class CliError extends Error {
  readonly issues?: readonly ErrorIssue[];
  readonly exitCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: { issues?: readonly ErrorIssue[]; exitCode?: number } = {},
  ) {
    super(message);
    this.name = "CliError";
    this.exitCode = options.exitCode ?? EXIT_COULD_NOT_RUN;
    if (options.issues) this.issues = options.issues.map(({ path, message }) => ({ path, message }));
  }

  /** The first line of the message. */
  get summary(): string {
    return this.message.split("\n")[0];
  }
}

/** A `CliError`, by default with the code `usage`; the constructor every verb has used so far. */
export class UsageError extends CliError {
  constructor(message: string, exitCode = EXIT_COULD_NOT_RUN, details: { code?: ErrorCode; issues?: readonly ErrorIssue[] } = {}) {
    super(details.code ?? "usage", message, { exitCode, issues: details.issues });
    this.name = "UsageError";
  }
}

/** What a verb writes to and reports back; tests pass their own to capture output. */
export interface CliContext {
  exitCode: number;
  out(text: string): void;
  err(text: string): void;
  /**
   * Standard input as text, for verbs that read `-`: at most `limit.maxBytes` (a `CliError` with
   * the code `io` beyond), and, unless it is a terminal, within the read time limit. Defaults to
   * the limit of a policy file or TXT value.
   */
  readStdin(limit?: InputLimit): Promise<string>;
}
