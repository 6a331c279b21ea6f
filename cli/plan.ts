/**
 * `mta-sts plan [--stack <file>] [--json]`: the offline plan. Validates the stack config (every
 * problem with its path, exit 2, nothing declared), then evaluates the very program `pulumi up`
 * runs (index.ts) under Pulumi's mock engine and prints, per domain, the policy, id, records and
 * URL, then every resource with its parent and inputs, and the ordering edges. With `--base`, it
 * prints only what differs from the base and the risks of the change (plan-review-command.ts).
 */
import { Command } from "commander";
import { renderMailDomain } from "../components/model/rendered";
import { componentNames, SHARED_AWS_HOST_NAME } from "../components/stack/declare-domains";
import { loadDomainDeployments, readStackConfigFile } from "./config-file";
import { CliContext } from "./exit-codes";
import { runProgramOffline } from "./plan-engine";
import { buildPlan, planToText } from "./plan-report";
import { collect, REVIEW_FAILED, ReviewOptions, startReview } from "./plan-review-command";

export function registerPlan(program: Command, ctx: CliContext): void {
  program
    .command("plan")
    .description("print what `pulumi up` would declare for a stack config, offline (no cloud, no credentials, not a diff)")
    .option("-s, --stack <file>", "the stack config file", "Pulumi.example.yaml")
    .option("--json", "print one JSON document")
    .option("--base <plan|stack|ref>", "compare with a base: a plan written by `plan --json`, another stack file, or a git ref (the same stack file at that ref); exit 1 on a blocking risk")
    .option("--markdown", "with --base: print the comparison as markdown for a pull-request comment")
    .option("--allow <code>", "with --base: accept a risk by its code after review (repeatable); it is still listed, marked allowed", collect)
    .action(async (options: ReviewOptions & { stack: string; json?: boolean }) => {
      // Validate first: a bad config must fail before anything is declared.
      const { domains, sharedAwsHost, warnings } = loadDomainDeployments(options.stack);
      // The base is planned in a child process while this one plans the head.
      const review = startReview(ctx, options);
      if (review === REVIEW_FAILED) return;
      const rendered = domains.map((d) => renderMailDomain(d.intent));
      const run = await runProgramOffline(readStackConfigFile(options.stack));
      const names = componentNames(domains.map((d) => d.intent.domain));
      // With mta-sts:sharedAwsHost, every AWS domain lives in the one shared host component.
      if (sharedAwsHost) for (const d of domains) if (d.host === "aws") names.set(d.intent.domain, SHARED_AWS_HOST_NAME);
      const plan = buildPlan(options.stack, domains, rendered, names, run.resources, warnings);
      if (review) return review.finish(plan);
      ctx.out(options.json ? JSON.stringify({ ok: true, ...plan }, null, 2) + "\n" : planToText(plan));
    });
}
