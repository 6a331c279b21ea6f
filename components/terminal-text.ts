/**
 * Text from outside (DNS answers, served policy files, report files, file names, command-line
 * values) made safe to print on a terminal.
 *
 * A terminal obeys control characters: ESC starts a sequence that can move the cursor, erase a
 * line or change colours; a bare CR returns to the start of the line so that what follows
 * overwrites it; C1 controls (U+0080 to U+009F, e.g. U+009B, a one-character CSI) do the same on
 * terminals that honour them. A hostile TXT record could otherwise erase the `FAIL` line of a
 * report and print a fake `OK` in its place. Every human-output line therefore goes through
 * `escapeForTerminal`, which replaces each such character with a visible escape (`\x1b`,
 * `\x0d`, `\x9b`, `\u202e`), so the reader sees that the text held it. Only the line ends the
 * CLI writes itself remain: `terminalLines` escapes each line, then joins them with "\n".
 *
 * A backslash is printed as is: `\x1b` typed as four characters is harmless text, and the
 * messages quote values with JSON.stringify, whose own escapes must stay readable.
 * `--json` output needs none of this: JSON.stringify escapes C0 controls, and a JSON consumer
 * does not render the text on a terminal.
 */

// C0 controls (tab and line feed included: a value must not start a new line of the report),
// DEL, C1 controls, the Unicode line and paragraph separators, and the bidirectional marks,
// overrides and isolates that reorder what a reader sees.
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function visible(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with every control character replaced by a visible escape: "a\x1b[2Kb" prints as `a\x1b[2Kb`. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** Lines for a terminal: each escaped, each ended by "\n". */
export function terminalLines(lines: readonly string[]): string {
  return lines.map((line) => `${escapeForTerminal(line)}\n`).join("");
}

/**
 * At most `max` characters of `text` from outside, marked when cut (`abc… (1234 more characters)`),
 * so that one reply line or certificate field of many kilobytes cannot flood a report line.
 * Escaping is still the printer's job (`terminalLines`).
 */
export function excerpt(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
