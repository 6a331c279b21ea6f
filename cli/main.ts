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
import { MtaStsConfigError } from "../components/model/config-error";
import { terminalLines } from "../components/terminal-text";
import type { CheckCliDeps } from "./check";
import type { InitCliDeps } from "./init";
import { processContext } from "./context";
import { CliContext, CliError, EXIT_COULD_NOT_RUN, EXIT_OK } from "./verb-contract";
import { formatJsonError, jsonRequested } from "./json-output";
import { packageVersion } from "./version";

/** What the verbs reach outside the process through; tests replace parts of it. Each defaults to the verb's own. */
export interface CliDeps {
  readonly check?: CheckCliDeps;
  readonly init?: InitCliDeps;
}

export const defaultCliDeps: CliDeps = {};

type RegisterVerb = (program: Command, ctx: CliContext, deps: CliDeps) => unknown;

/**
 * Every verb, in the order the help lists them: its name, and how to load its module and register
 * it. A verb's module is loaded only when that verb runs (or the help lists them all), so that
 * `mta-sts reports` or `--version` does not load plan's Pulumi engine, check's TLS and DNS code or
 * the mail readers. A new verb is one line here.
 */
const VERBS: Readonly<Record<string, RegisterVerb>> = {
  plan: (program, ctx) => (require("./plan") as typeof import("./plan")).registerPlan(program, ctx),
  render: (program, ctx) => (require("./render") as typeof import("./render")).registerRender(program, ctx),
  lint: (program, ctx) => (require("./lint") as typeof import("./lint")).registerLint(program, ctx),
  check: (program, ctx, deps) => (require("./check") as typeof import("./check")).registerCheck(program, ctx, deps.check),
  groups: (program, ctx) => (require("./groups") as typeof import("./groups")).registerGroups(program, ctx),
  reports: (program, ctx) => (require("./reports") as typeof import("./reports")).registerReports(program, ctx),
  init: (program, ctx, deps) => (require("./init") as typeof import("./init")).registerInit(program, ctx, deps.init),
  promote: (program, ctx) => (require("./promote") as typeof import("./promote")).registerPromote(program, ctx),
  demote: (program, ctx) => (require("./demote") as typeof import("./demote")).registerDemote(program, ctx),
};
const VERB_NAMES = Object.keys(VERBS);

/**
 * The verbs `argv` needs loaded: the one it names (the first argument that is a verb's name);
 * every verb when help is asked for before any verb is named (`--help`, `-h`, `help`), since that
 * help lists them all; none otherwise (`--version`, a mistake such as an unknown verb).
 */
export function verbsToLoad(argv: readonly string[]): readonly string[] {
  for (const arg of argv) {
    if (arg === "--help" || arg === "-h" || arg === "help") return VERB_NAMES;
    if (VERB_NAMES.includes(arg)) return [arg];
  }
  return [];
}

/** The `mta-sts` command with the verbs `argv` needs loaded (see `verbsToLoad`), the others by name only. */
export function buildProgram(ctx: CliContext, deps: CliDeps = defaultCliDeps, argv: readonly string[] = ["--help"]): Command {
  // Commander's own error output (the message, then the whole help) is switched off: `main`
  // reports its errors like every other.
  const output = { writeOut: ctx.out, writeErr: ctx.err, outputError: () => undefined };
  const program = new Command("mta-sts")
    .description("MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): plan, render, lint and check mail domains")
    .version(packageVersion(), "-V, --version", "print the version of mta-sts")
    .configureOutput(output)
    .exitOverride();
  const load = verbsToLoad(argv);
  for (const name of VERB_NAMES) {
    if (load.includes(name)) VERBS[name](program, ctx, deps);
    // By name only, so that commander still knows every verb (an unknown one gets "Did you mean
    // plan?"). It never runs: a verb named in argv is loaded.
    else program.command(name).action(() => {
      throw new Error(`the verb ${name} was not loaded`);
    });
  }
  // Sub-commands inherit output and exit handling.
  for (const command of program.commands) command.configureOutput(output).exitOverride();
  return program;
}

/** Run the CLI; resolves to the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[], ctx: CliContext = processContext(), deps: CliDeps = defaultCliDeps): Promise<number> {
  const json = jsonRequested(argv);
  const program = buildProgram(ctx, deps, argv);
  const verb = argv.find((arg) => VERB_NAMES.includes(arg));
  try {
    if (argv.length === 0 || (argv.length === 1 && json)) throw new CliError("usage", `give a verb: ${VERB_NAMES.join(", ")}`);
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
