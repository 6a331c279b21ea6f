/**
 * The `--base`, `--markdown` and `--allow` options of `mta-sts plan`: compare the head's plan
 * with a base (plan-base.ts), judge the change (plan-review.ts) and print it as text, markdown
 * or JSON. Exit codes: 0 when no risk blocks, 1 when one does (and was not allowed), 2 when the
 * comparison could not run.
 */
import { REVIEW_RISK_CODES, ReviewRiskCode } from "../components/model/review-risks";
import { CliContext, EXIT_COULD_NOT_RUN, EXIT_FINDINGS, EXIT_OK, UsageError } from "./verb-contract";
import { BaseError, BaseErrorCode, planOfBase, resolveBase } from "./plan-base";
import { Plan } from "./plan-report";
import { reviewPlans, reviewToJson } from "./plan-review";
import { reviewToMarkdown, reviewToText, terminalSafe } from "./plan-review-render";

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

/** Returned when the review could not start; the error is already printed. */
export const REVIEW_FAILED = "review-failed";

/** commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * Check the review options and start planning the base. Returns undefined without `--base`,
 * REVIEW_FAILED when the options or the base are wrong (printed, exit code 2).
 */
export function startReview(ctx: CliContext, options: ReviewOptions): PendingReview | typeof REVIEW_FAILED | undefined {
  try {
    const allow = checkedOptions(options);
    if (options.base === undefined) return undefined;
    const source = resolveBase(options.base, options.stack);
    const base = planOfBase(source);
    // Settled later by `finish`; keep an early failure from being reported as unhandled meanwhile.
    base.catch(() => undefined);
    return {
      finish: async (head) => {
        try {
          const review = reviewPlans(await base, head, { baseLabel: source.label, allow });
          if (options.json) ctx.out(JSON.stringify(reviewToJson(review), null, 2) + "\n");
          else ctx.out(options.markdown ? reviewToMarkdown(review) : reviewToText(review));
          ctx.exitCode = review.summary.blocking > 0 ? EXIT_FINDINGS : EXIT_OK;
        } catch (err) {
          reportReviewError(ctx, options, err);
        }
      },
    };
  } catch (err) {
    reportReviewError(ctx, options, err);
    return REVIEW_FAILED;
  }
}

function checkedOptions(options: ReviewOptions): ReviewRiskCode[] {
  const allow = options.allow ?? [];
  if (options.base === undefined && (options.markdown || allow.length > 0)) {
    throw new BaseError(`${options.markdown ? "--markdown" : "--allow"} compares plans: add --base <plan.json | stack file | git ref>`, "usage");
  }
  if (options.json && options.markdown) throw new BaseError("--json and --markdown cannot be combined: choose one output", "usage");
  const unknown = allow.filter((code) => !(REVIEW_RISK_CODES as readonly string[]).includes(code));
  if (unknown.length > 0) throw new BaseError(`--allow ${unknown.join(", ")}: not a risk code; the codes are ${REVIEW_RISK_CODES.join(", ")}`, "usage");
  return allow as ReviewRiskCode[];
}

/** Print why the review could not run: JSON on stdout with --json, else one message on stderr. */
// replaced by the shared CLI helper after merge
function reportReviewError(ctx: CliContext, options: ReviewOptions, err: unknown): void {
  if (!(err instanceof UsageError)) throw err;
  const code: BaseErrorCode = err instanceof BaseError ? err.code : "usage";
  if (options.json) ctx.out(JSON.stringify({ ok: false, error: { code, message: err.message } }, null, 2) + "\n");
  else ctx.err(`mta-sts: ${err.message.split("\n").map(terminalSafe).join("\n")}\n`);
  ctx.exitCode = EXIT_COULD_NOT_RUN;
}
