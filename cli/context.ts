/** The `CliContext` of a real process: stdout, stderr and a bounded standard input. */
import { INPUT_LIMITS, readBoundedStream, READ_TIMEOUT_MS } from "./bounded-read";
import { CliContext, EXIT_OK } from "./verb-contract";

export function processContext(): CliContext {
  return {
    exitCode: EXIT_OK,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    readStdin: async (limit = INPUT_LIMITS.policyOrTxt) => {
      // Someone typing at a terminal ends with Ctrl-D, however long it takes; a pipe must end in time.
      const timeoutMs = process.stdin.isTTY ? undefined : READ_TIMEOUT_MS;
      const bytes = await readBoundedStream(process.stdin, "standard input", limit, { timeoutMs });
      return bytes.toString("utf8");
    },
  };
}
