/**
 * `--stack <file>`: the stack config file every verb that reads one takes under this one name
 * (`render` also under its first name, `--config`).
 */
import { UsageError } from "./verb-contract";

/** The file named by `--stack` (or `--config`); a usage error when there is none, or two. */
export function stackFileOption(verb: string, options: { stack?: string; config?: string }): string {
  if (options.stack !== undefined && options.config !== undefined && options.stack !== options.config) {
    throw new UsageError(`--stack ${options.stack} and --config ${options.config} name two files; give one`);
  }
  const file = options.stack ?? options.config;
  if (file === undefined) throw new UsageError(`${verb} needs the stack config file: --stack <file>, e.g. --stack Pulumi.example.yaml`);
  return file;
}
