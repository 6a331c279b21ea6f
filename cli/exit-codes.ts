/**
 * Exit codes of every `mta-sts` verb, documented in the README:
 * 0 everything passed, 1 findings (errors in what was checked), 2 could not run (bad usage,
 * unreadable file, bad config, network failure before anything could be checked).
 */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_COULD_NOT_RUN = 2;

/** An error the user can fix; printed as one line, never as a stack trace. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = EXIT_COULD_NOT_RUN) {
    super(message);
    this.name = "UsageError";
  }
}

/** What a verb writes to and reports back; tests pass their own to capture output. */
export interface CliContext {
  exitCode: number;
  out(text: string): void;
  err(text: string): void;
  /** Standard input as text, for verbs that read `-`. */
  readStdin(): Promise<string>;
}

export function processContext(): CliContext {
  return {
    exitCode: EXIT_OK,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}
