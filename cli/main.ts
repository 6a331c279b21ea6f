#!/usr/bin/env node
/**
 * `mta-sts <verb>`: plan, render, lint, check, groups, reports, init, promote, demote. Each verb lives in its own module and registers
 * itself here; every verb has `--help`, machine output with `--json`, and the exit codes of
 * `verb-contract.ts` (0 ok, 1 findings, 2 could not run).
 *
 * Whatever goes wrong is reported here, once: as one line on stderr (`mta-sts: ...`, and for a
 * mistake on the command line "see `mta-sts <verb> --help`", not the whole help), or with
 * `--json` as one JSON object on stdout (json-output.ts). Never as a stack trace: an unexpected
 * exception is an `internal` error, with its stack only when MTA_STS_DEBUG is set.
 */
import { Command, CommanderError } from "commander";
import { MtaStsConfigError } from "../components/model/config";
import { terminalLines } from "../components/terminal-text";
import { CheckCliDeps, defaultCheckDeps, registerCheck } from "./check";
import { registerGroups } from "./groups";
import { defaultInitDeps, InitCliDeps, registerInit } from "./init";
import { processContext } from "./context";
import { CliContext, CliError, EXIT_COULD_NOT_RUN, EXIT_OK } from "./verb-contract";
import { formatJsonError, jsonRequested } from "./json-output";
import { registerLint } from "./lint";
import { registerPlan } from "./plan";
import { registerRender } from "./render";
import { packageVersion } from "./version";
import { registerReports } from "./reports";
import { registerPromote } from "./promote";
import { registerDemote } from "./demote";

/** What the verbs reach outside the process through; tests replace parts of it. */
export interface CliDeps {
  readonly check: CheckCliDeps;
  readonly init: InitCliDeps;
}

export const defaultCliDeps: CliDeps = { check: defaultCheckDeps, init: defaultInitDeps };

export function buildProgram(ctx: CliContext, deps: CliDeps = defaultCliDeps): Command {
  // Commander's own error output (the message, then the whole help) is switched off: `main`
  // reports its errors like every other.
  const output = { writeOut: ctx.out, writeErr: ctx.err, outputError: () => undefined };
  const program = new Command("mta-sts")
    .description("MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): plan, render, lint and check mail domains")
    .version(packageVersion(), "-V, --version", "print the version of mta-sts")
    .configureOutput(output)
    .exitOverride();
  registerPlan(program, ctx);
  registerRender(program, ctx);
  registerLint(program, ctx);
  registerCheck(program, ctx, deps.check);
  registerGroups(program, ctx);
  registerReports(program, ctx);
  registerInit(program, ctx, deps.init);
  registerPromote(program, ctx);
  registerDemote(program, ctx);
  // Sub-commands inherit output and exit handling.
  for (const command of program.commands) command.configureOutput(output).exitOverride();
  return program;
}

/** Run the CLI; resolves to the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[], ctx: CliContext = processContext(), deps: CliDeps = defaultCliDeps): Promise<number> {
  const json = jsonRequested(argv);
  const program = buildProgram(ctx, deps);
  const verbs = program.commands.map((c) => c.name());
  const verb = argv.find((arg) => verbs.includes(arg));
  try {
    if (argv.length === 0 || (argv.length === 1 && json)) throw new CliError("usage", `give a verb: ${verbs.join(", ")}`);
    await program.parseAsync(argv as string[], { from: "user" });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError && (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0)) return EXIT_OK;
    const error = asCliError(err);
    report(error, ctx, { json, verb });
    if (error.code === "internal" && process.env.MTA_STS_DEBUG && err instanceof Error) ctx.err(`${err.stack}\n`);
    return error.exitCode;
  }
}

/** What a verb or the parser threw, as the error the user is told about. */
function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  // "error: unknown option '--jsno'\n(Did you mean --json?)" reads as one line without the prefix.
  if (err instanceof CommanderError) return new CliError("usage", err.message.replace(/^error: /, "").replace(/\s*\n\s*/g, " "));
  if (err instanceof MtaStsConfigError) {
    return new CliError("config", `the config has ${err.issues.length} problem(s); nothing was declared`, { issues: err.issues });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new CliError("internal", `internal error: ${message} (a bug in mta-sts; run with MTA_STS_DEBUG=1 to see where, and report it)`);
}

/** One line on stderr (a config error: one more per issue), or the JSON error on stdout. */
function report(error: CliError, ctx: CliContext, where: { json: boolean; verb?: string }): void {
  if (where.json) {
    ctx.out(formatJsonError(error));
    return;
  }
  const help = error.code === "usage" ? `; see \`mta-sts${where.verb ? ` ${where.verb}` : ""} --help\`` : "";
  const lines = error.issues ? [error.summary, ...error.issues.map((i) => `  ${i.path}: ${i.message}`)] : error.message.split("\n");
  lines[0] = `mta-sts: ${lines[0]}${help}`;
  // Messages quote file names, option values and file contents: escaped.
  ctx.err(terminalLines(lines));
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // Only a failure to write the report itself gets here.
      process.stderr.write(terminalLines([`mta-sts: internal error: ${err instanceof Error ? err.message : String(err)}`]));
      process.exitCode = EXIT_COULD_NOT_RUN;
    },
  );
}
