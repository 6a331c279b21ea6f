#!/usr/bin/env node
/**
 * `mta-sts <verb>`: plan, render, lint, check. Each verb lives in its own module and registers
 * itself here; every verb has `--help`, machine output with `--json`, and the exit codes of
 * `exit-codes.ts` (0 ok, 1 findings, 2 could not run).
 */
import { Command, CommanderError } from "commander";
import { CliContext, EXIT_COULD_NOT_RUN, processContext, UsageError } from "./exit-codes";
import { registerCheck } from "./check";
import { registerLint } from "./lint";
import { registerPlan } from "./plan";
import { registerRender } from "./render";
import { registerReports } from "./reports";

export function buildProgram(ctx: CliContext): Command {
  const program = new Command("mta-sts")
    .description("MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): plan, render, lint and check mail domains")
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .showHelpAfterError()
    .exitOverride();
  registerPlan(program, ctx);
  registerRender(program, ctx);
  registerLint(program, ctx);
  registerCheck(program, ctx);
  registerReports(program, ctx);
  // Sub-commands inherit output and exit handling.
  for (const command of program.commands) command.configureOutput({ writeOut: ctx.out, writeErr: ctx.err }).exitOverride();
  return program;
}

/** Run the CLI; resolves to the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[], ctx: CliContext = processContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv as string[], { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_COULD_NOT_RUN;
    if (err instanceof UsageError) {
      ctx.err(`mta-sts: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`mta-sts: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = EXIT_COULD_NOT_RUN;
    },
  );
}
