/**
 * The `--base`, `--markdown` and `--allow` options of `mta-sts plan`: compare the head's plan
 * with a base (plan-base.ts), judge the change (plan-review.ts) and print it as text, markdown
 * or JSON. Exit codes: 0 when no risk blocks, 1 when one does (and was not allowed), 2 when the
 * comparison could not run.
 */
import { REVIEW_RISK_CODES, ReviewRiskCode } from "../components/model/review-risks";
import { formatJson } from "./json-output";
import { planOfBase, resolveBase } from "./plan-base";
import { Plan } from "./plan-report";
import { reviewPlans, reviewToJson } from "./plan-review";
import { reviewToMarkdown, reviewToText } from "./plan-review-render";
import { CliContext, EXIT_FINDINGS, EXIT_OK, UsageError } from "./verb-contract";

export interface ReviewOptions {
  readonly stack: string;
  readonly base?: string;
  readonly json?: boolean;
  readonly markdown?: boolean;
  readonly allow?: readonly string[];
}

/** A base being planned while the head is; `finish` prints the review. */
export interface PendingReview {
  finish(head: Plan): Promise<void>;
}

/** commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Check the review options and start planning the base. Returns undefined without `--base`.
 * Wrong options or a wrong base throw a `CliError` (exit 2), which main reports like every verb's.
 */
export function startReview(ctx: CliContext, options: ReviewOptions): PendingReview | undefined {
  const allow = checkedOptions(options);
  if (options.base === undefined) return undefined;
  const source = resolveBase(options.base, options.stack);
  const base = planOfBase(source);
  // Settled later by `finish`; keep an early failure from being reported as unhandled meanwhile.
  base.catch(() => undefined);
  return {
    finish: async (head) => {
      const review = reviewPlans(await base, head, { baseLabel: source.label, allow });
      const blocked = review.summary.blocking > 0;
      if (options.json) ctx.out(formatJson(!blocked, reviewToJson(review)));
      else ctx.out(options.markdown ? reviewToMarkdown(review) : reviewToText(review));
      ctx.exitCode = blocked ? EXIT_FINDINGS : EXIT_OK;
    },
  };
}

function checkedOptions(options: ReviewOptions): ReviewRiskCode[] {
  const allow = options.allow ?? [];
  if (options.base === undefined && (options.markdown || allow.length > 0)) {
    throw new UsageError(`${options.markdown ? "--markdown" : "--allow"} compares plans: add --base <plan.json | stack file | git ref>`);
  }
  if (options.json && options.markdown) throw new UsageError("--json and --markdown cannot be combined: choose one output");
  const unknown = allow.filter((code) => !(REVIEW_RISK_CODES as readonly string[]).includes(code));
  if (unknown.length > 0) throw new UsageError(`--allow ${unknown.join(", ")}: not a risk code; the codes are ${REVIEW_RISK_CODES.join(", ")}`);
  return allow as ReviewRiskCode[];
}
