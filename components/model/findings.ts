/**
 * Problems found in a wire-format text (a policy file or a TXT record), as values.
 *
 * An `error` means a sender following the RFC would refuse the text: treat the domain as not
 * having MTA-STS (RFC 8461 §3.1, §3.2) or TLS-RPT (RFC 8460 §3). A `warning` means it would be
 * accepted but is risky or sloppy; show it to the operator, don't block on it.
 */

export type Severity = "error" | "warning";

/** One problem, located at a 1-based line of the text when it has one. */
export interface Finding {
  readonly severity: Severity;
  /** Stable machine-readable kind, e.g. `missing-field`, `invalid-value`, `syntax`. */
  readonly kind: string;
  readonly message: string;
  readonly line?: number;
}

/** A parse failure: the first error a sender would stop at. */
export interface ParseError {
  readonly kind: string;
  readonly message: string;
  readonly line?: number;
}

/** What every parser returns; parsers never throw. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ParseError };

/** Turn an analysis (value if usable, plus all findings) into a parse result. */
export function toParseResult<T>(value: T | undefined, findings: readonly Finding[]): ParseResult<T> {
  const firstError = findings.find((f) => f.severity === "error");
  if (firstError || value === undefined) {
    const error: ParseError = firstError ?? { kind: "syntax", message: "could not be parsed" };
    return { ok: false, error: { kind: error.kind, message: error.message, line: error.line } };
  }
  return { ok: true, value };
}
