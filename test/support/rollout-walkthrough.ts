/**
 * The README's "From testing to enforce" walk-through as data: each command it shows (a ```sh
 * block), the output shown under it (the ``` block right after, if any) and the exit status it
 * has there. test/cli/promote.docs.test.ts runs them in a copy of examples/rollout/;
 * test/e2e/fresh-clone.e2e.ts runs them through the shell on a fresh clone after `npm ci`.
 */
import { readmeSection } from "./readme";

export interface WalkthroughStep {
  /** The command line exactly as the README shows it. */
  readonly command: string;
  /** The output shown under it; empty when none is shown. */
  readonly output: string;
  /** `reports` exits 1 there (a domain is not ready, as the text says); every other step 0. */
  readonly status: number;
}

export function rolloutWalkthrough(): WalkthroughStep[] {
  const section = readmeSection("## From testing to enforce");
  return [...section.matchAll(/```sh\n([\s\S]*?)```\n(?:\n```\n([\s\S]*?)```\n)?/g)].map((m) => {
    const command = m[1].trim();
    return { command, output: m[2] ?? "", status: command.startsWith("npx mta-sts reports ") ? 1 : 0 };
  });
}
