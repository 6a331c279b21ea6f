/**
 * The error a bad config is reported with, apart from the config schema (config.ts) so that
 * code which only needs to recognise the error (the CLI's error printer) does not load zod.
 */

/** One problem in a config, located by its field path, e.g. `domains[3].policy.mx[1]`. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown by the components and the program for a bad config; lists every issue. */
export class MtaStsConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`invalid MTA-STS configuration:\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join("\n")}`);
    this.name = "MtaStsConfigError";
  }
}
