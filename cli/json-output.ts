/**
 * `--json`: on every exit, a verb prints exactly one JSON object on stdout, so a monitoring job
 * can parse it whatever happened:
 *
 * - the verb ran: `{ "ok": <exit code is 0>, ...what the verb reports }` (`ok` first; false
 *   when there are findings, exit code 1);
 * - the verb could not run (exit code 2): `{ "ok": false, "error": { "code", "message" } }`,
 *   `code` being one of `ERROR_CODES` (`usage`, `config`, `io`, `dns`, `internal`), and for a
 *   bad config also `"issues": [{ "path", "message" }]`.
 *
 * So `error` present means "could not run", `ok: false` without `error` means "findings".
 */
import { CliError, ErrorCode, ErrorIssue } from "./verb-contract";

/** The body of a `--json` error. */
export interface JsonError {
  readonly ok: false;
  readonly error: { readonly code: ErrorCode; readonly message: string; readonly issues?: readonly ErrorIssue[] };
}

/** A verb's result as its `--json` text: `{ "ok": ok, ...body }`, indented, with a final newline. */
export function formatJson(ok: boolean, body: object): string {
  // `ok` first, and ours even if the body has one of its own.
  return JSON.stringify(Object.assign({ ok }, body, { ok }), null, 2) + "\n";
}

/** A `CliError` as its `--json` text. */
export function formatJsonError(err: CliError): string {
  const body: JsonError = {
    ok: false,
    // With issues, the message is the summary line ("x.yaml has 3 problems; ..."), the issues a list.
    error: { code: err.code, message: err.issues ? err.summary.replace(/:$/, "") : err.message, ...(err.issues ? { issues: err.issues } : {}) },
  };
  return JSON.stringify(body, null, 2) + "\n";
}

/**
 * Whether `--json` is on the command line (before a `--` that ends the options), read from the
 * arguments themselves so that errors found while parsing them are reported as JSON too.
 */
export function jsonRequested(argv: readonly string[]): boolean {
  for (const arg of argv) {
    if (arg === "--") return false;
    if (arg === "--json") return true;
  }
  return false;
}
