/**
 * `mta-sts plan --stack <file> [--json]`: the offline plan. Validates the stack config (every
 * problem with its path, exit 2, nothing declared), then evaluates the very program `pulumi up`
 * runs (index.ts) under Pulumi's mock engine and prints, per domain, the policy, id, records and
 * URL, then every resource with its parent and inputs, and the ordering edges. Each AWS quota the
 * stack would pass (stack-groups.ts) is a warning, with the increase to request.
 *
 * `--stack` is required: planning a default file when the flag is forgotten would look like a
 * real plan in CI. The file planned is named in the plan, and on stderr.
 *
 * With `--base`, it prints only what differs from the base and the risks of the change
 * (plan-review-command.ts).
 */
import { Command } from "commander";
import { ConfigIssue, domainWarningText } from "../components/model/config";
import { renderMailDomain } from "../components/model/rendered";
import { DomainDeployment } from "../components/stack/stack-config";
import { stackQuotaWarnings } from "../components/stack/stack-groups";
import { terminalLines } from "../components/terminal-text";
import { loadDomainDeployments, readStackConfigFile } from "./config-file";
import { CliContext } from "./verb-contract";
import { formatJson } from "./json-output";
import { buildPlan, planToText } from "./plan-report";
import { stackFileOption } from "./stack-option";
import { collect, ReviewOptions, startReview } from "./plan-review-command";

export function registerPlan(program: Command, ctx: CliContext): void {
  program
    .command("plan")
    .description("print what `pulumi up` would declare for a stack config, offline (no cloud, no credentials); with --base, only what a change alters and its risks")
    .option("-s, --stack <file>", "the stack config file, e.g. Pulumi.example.yaml (required)")
    .option("--json", "print one JSON document")
    .option("--base <plan|stack|ref>", "compare with a base: a plan written by `plan --json`, another stack file, or a git ref (the same stack file at that ref); exit 1 on a blocking risk")
    .option("--markdown", "with --base: print the comparison as markdown for a pull-request comment")
    .option("--allow <code>", "with --base: accept a risk by its code after review (repeatable); it is still listed, marked allowed", collect)
    .action(async (options: Omit<ReviewOptions, "stack"> & { stack?: string; json?: boolean }) => {
      const file = stackFileOption("plan", options);
      // Validate first: a bad config must fail before anything is declared.
      const { domains, sharedAwsHost, awsQuotas, warnings } = loadDomainDeployments(file);
      // The quota guard: what the stack would pass of AWS's quotas (or the account's raised ones).
      const quotaWarnings = stackQuotaWarnings(domains, { ...(sharedAwsHost ? { sharedAwsHost } : {}), quotaLimits: awsQuotas });
      // The base is planned in a child process while this one plans the head.
      const review = startReview(ctx, { ...options, stack: file });
      const rendered = domains.map((d) => renderMailDomain(d.intent));
      // Loaded here, not at the top: the Pulumi SDK and providers take seconds to load, which every
      // other verb (a fleet check from cron among them) would otherwise pay at start-up.
      const { runProgramOffline } = await import("./plan-engine");
      const { domainComponentNames } = await import("../components/stack/declare-domains");
      const run = await runProgramOffline(readStackConfigFile(file));
      const names = domainComponentNames(domains, sharedAwsHost);
      const plan = buildPlan(file, domains, rendered, names, run.resources, [...warnings, ...quotaWarnings, ...programOnlyWarnings(domains, warnings, run.warnings)]);
      if (review) return review.finish(plan);
      if (options.json) {
        ctx.out(formatJson(true, plan));
        return;
      }
      ctx.out(planToText(plan));
      ctx.err(terminalLines([`planned ${file}: ${plan.domains.length} domain(s), ${plan.resources.length} resource(s)`]));
    });
}

/**
 * The warnings the program logged that the config's own report does not already hold. Each
 * domain's component logs its config warnings again (`example.com: policy.maxAgeSeconds: ...`);
 * the plan shows those once, with their path in the stack config, and anything else as is.
 */
export function programOnlyWarnings(domains: readonly DomainDeployment[], configWarnings: readonly ConfigIssue[], logged: readonly string[]): ConfigIssue[] {
  const domainAt = new Map(domains.map((d) => [d.index, d.intent.domain]));
  const known = new Set<string>();
  for (const warning of configWarnings) {
    const at = /^domains\[(\d+)\]\.(.+)$/.exec(warning.path);
    const domain = at ? domainAt.get(Number(at[1])) : undefined;
    if (at && domain !== undefined) known.add(domainWarningText(domain, { path: at[2], message: warning.message }));
  }
  return logged.filter((text) => !known.has(text)).map((message) => ({ path: "(program)", message }));
}
