/**
 * `mta-sts promote --stack FILE [--dry-run] [--only D] [--exclude D] [--max N] [--json] SOURCES...`:
 * read the TLS reports exactly as `mta-sts reports --stack` does (same SOURCES, same verdict
 * flags: cli/report-evidence.ts), and set `policy.mode: enforce` in the stack file for every
 * domain in `testing` whose verdict is `ready`, in place, so the change is a pull request of
 * exactly those mode lines (cli/stack-file-rewrite.ts). Which domains move and why the others
 * stay is `planPromotion` (components/model/rollout.ts).
 *
 * It never demotes: a domain in `enforce` whose reports show failures is printed first, with
 * the `mta-sts demote` command that returns it to testing.
 *
 * Exit codes: 0 the run worked, whether or not anything was promoted; 2 could not run (bad
 * arguments, a stack file that does not validate or cannot be edited safely, a source that
 * cannot be read, an input that looked like a report but could not be read: it could hold the
 * failures that make a domain not ready).
 */
import { Command } from "commander";
import { planPromotion, Promotion, PromotionPlan, PromotionSelection, selectionProblems } from "../components/model/rollout";
import { renderMailDomain } from "../components/model/rendered";
import { terminalLines } from "../components/terminal-text";
import { domainArgument, diffLines } from "./demote";
import { CliContext, CliError } from "./verb-contract";
import { formatJson } from "./json-output";
import { addEvidenceOptions, configuredPolicies, defaultReportsDeps, Evidence, EvidenceFlags, planEvidence, readEvidence, ReportsCliDeps } from "./report-evidence";
import { demoteCommand, modeYamlPath, pulumiUpCommand, shellWord } from "./rollout-text";
import { LoadedStack, loadStackForEdit, Rewrite, rewriteModes, writeStackFile } from "./stack-file-rewrite";

interface PromoteFlags extends EvidenceFlags {
  stack: string;
  dryRun?: boolean;
  only: string[];
  exclude: string[];
  max?: string;
  json?: boolean;
}

/** At most this many unreadable inputs are named in the error; the rest are counted. */
const MAX_LISTED_UNREADABLE = 20;

/** commander's collector for `--only a.example,b.example --only c.example`. */
function domainList(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(",").map((s) => s.trim()).filter((s) => s !== "")];
}

export function registerPromote(program: Command, ctx: CliContext, deps: ReportsCliDeps = defaultReportsDeps): void {
  const command = program
    .command("promote")
    .description("set mode: enforce in the stack file, in place, for every testing domain whose TLS reports say ready (the verdict of mta-sts reports); exit 0 ran, 2 could not run")
    .requiredOption("-s, --stack <file>", "the stack file (Pulumi.<stack>.yaml) or a YAML file with `domains:`")
    .option("--dry-run", "print the unified diff it would make, and write nothing")
    .option("--only <domains>", "promote only these domains (comma-separated; repeatable)", domainList, [])
    .option("--exclude <domains>", "never promote these domains (comma-separated; repeatable)", domainList, [])
    .option("--max <n>", "promote at most n domains in this run, the first ready ones in the stack file's order")
    .option("--json", "print the result as JSON");
  addEvidenceOptions(command).action((sources: string[], flags: PromoteFlags) => runPromote(sources, flags, ctx, deps));
}

async function runPromote(sources: string[], flags: PromoteFlags, ctx: CliContext, deps: ReportsCliDeps): Promise<void> {
  // Everything that can be wrong on the command line is found before any report is read.
  if (flags.dryRun && flags.markSeen) throw new CliError("usage", "--mark-seen flags mails in the mailbox, and --dry-run changes nothing: give one of them");
  const evidencePlan = planEvidence(sources, flags, deps);
  const selection: PromotionSelection = {
    only: flags.only.map((d) => domainArgument(d, "--only")),
    exclude: flags.exclude.map((d) => domainArgument(d, "--exclude")),
    ...(flags.max !== undefined ? { max: maxOption(flags.max) } : {}),
  };
  const stack = loadStackForEdit(flags.stack);
  const problems = selectionProblems(stack.rollout, selection);
  if (problems.length > 0) throw new CliError("usage", problems.join("; "));

  const evidence = await readEvidence(evidencePlan, configuredPolicies(stack.domains), deps);
  refuseUnreadable(evidence);
  const plan = planPromotion(stack.rollout, evidence.result.domains, selection);
  const rewrite = rewriteModes(stack, plan.promote.map((p) => ({ index: p.index, mode: "enforce" })));
  const written = rewrite.changed && !flags.dryRun;
  if (written) writeStackFile(stack, rewrite.after);

  if (flags.json) ctx.out(formatJson(true, promoteJson(stack, plan, rewrite, evidence, { dryRun: Boolean(flags.dryRun), written })));
  else ctx.out(terminalLines(promoteText(stack, plan, rewrite, { dryRun: Boolean(flags.dryRun), written })));
}

function maxOption(value: string): number {
  if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1) throw new CliError("usage", `--max "${value}" must be a whole number from 1, e.g. --max 10 promotions per run`);
  return Number(value);
}

/**
 * A report that could not be read could be the one with the failures: with any, nothing is
 * promoted (exit 2), and each is named so it can be fixed, removed or left out of SOURCES.
 */
function refuseUnreadable(evidence: Evidence): void {
  if (evidence.broken === 0) return;
  const unreadable = evidence.skipped.filter((s) => s.looksLikeReport);
  const listed = unreadable.slice(0, MAX_LISTED_UNREADABLE).map((s) => ({ path: s.source, message: s.reason }));
  const more = evidence.broken - listed.length;
  throw new CliError(
    "io",
    `${evidence.broken} input${evidence.broken === 1 ? "" : "s"} looked like a TLS report but could not be read, and one could hold the failures that keep a domain in testing: ` +
      `nothing was promoted; fix or remove ${evidence.broken === 1 ? "it" : "them"}, or leave ${evidence.broken === 1 ? "it" : "them"} out of the sources${more > 0 ? ` (${more} more not listed)` : ""}:`,
    { issues: listed },
  );
}

interface RunState {
  readonly dryRun: boolean;
  readonly written: boolean;
}

/** Each promoted domain with where its mode was written and its policy id before and after. */
function promotedEntries(stack: LoadedStack, plan: PromotionPlan, rewrite: Rewrite) {
  return plan.promote.map((p: Promotion) => {
    const before = renderMailDomain(stack.domains.find((d) => d.index === p.index)!.intent);
    const after = renderMailDomain(rewrite.domainsAfter.find((d) => d.index === p.index)!.intent);
    return { ...p, path: modeYamlPath(stack.domainsPath, p.index), policyIdBefore: before.policyId, policyIdAfter: after.policyId };
  });
}

function promoteJson(stack: LoadedStack, plan: PromotionPlan, rewrite: Rewrite, evidence: Evidence, state: RunState): object {
  const { result } = evidence;
  return {
    stack: stack.path,
    dryRun: state.dryRun,
    written: state.written,
    changed: rewrite.changed,
    promoted: promotedEntries(stack, plan, rewrite).map((p) => ({
      domain: p.domain,
      index: p.index,
      path: p.path,
      modeFrom: p.modeFrom,
      evidence: p.evidence,
      notes: p.notes,
      policyIdBefore: p.policyIdBefore,
      policyIdAfter: p.policyIdAfter,
    })),
    stayInTesting: plan.stay,
    notInTesting: plan.others.map((o) => ({ ...o, ...(o.refusingMail ? { demote: demoteCommand(stack.path, o.domain) } : {}) })),
    reports: {
      counted: result.reports,
      duplicates: result.duplicates,
      outsideWindow: result.outsideWindow,
      skipped: evidence.skipped.map((s) => ({ source: s.source, reason: s.reason })),
      ...(evidence.moreSkipped > 0 ? { skippedNotListed: evidence.moreSkipped } : {}),
    },
    ...(rewrite.changed ? { diff: rewrite.diff, deploy: pulumiUpCommand(stack.path) } : {}),
  };
}

/** Status first on every line: REFUSING MAIL, promote (and its notes), hold, stay; then the summary, and with --dry-run the diff. */
function promoteText(stack: LoadedStack, plan: PromotionPlan, rewrite: Rewrite, state: RunState): string[] {
  const lines: string[] = [];
  for (const o of plan.others.filter((x) => x.refusingMail)) {
    lines.push(
      `REFUSING MAIL  ${o.domain} is in enforce and senders report ${o.evidence.failedSessions} failed sessions: mail to it is refused now; ` +
        `promote never demotes: fix the failures (mta-sts reports --stack shows them), or return it to testing now: ${demoteCommand(stack.path, o.domain)}, then ${pulumiUpCommand(stack.path)}`,
    );
  }
  if (lines.length > 0) lines.push("");
  for (const p of promotedEntries(stack, plan, rewrite)) {
    const e = p.evidence;
    const how = p.modeFrom === "defaults" ? "testing (from mta-sts:defaults) -> enforce, its own mode" : "testing -> enforce";
    lines.push(
      `promote  ${p.domain}: ready, ${e.days} day${e.days === 1 ? "" : "s"}, ${e.reporters.length} reporter${e.reporters.length === 1 ? "" : "s"}, ` +
        `${e.successfulSessions + e.failedSessions} sessions, ${e.failedSessions} failed; ${how} at ${p.path}`,
    );
    for (const n of p.notes) lines.push(`  note   ${n.message}`);
  }
  for (const s of plan.stay) lines.push(`${s.reason.code === "rollout-hold" ? "hold " : "stay "}    ${s.domain}: ${s.reason.code}: ${s.reason.message}`);
  if (lines.length > 0) lines.push("");

  const n = plan.promote.length;
  const stay = `${plan.stay.length} stay${plan.stay.length === 1 ? "s" : ""} in testing`;
  const domains = (k: number) => `${k} domain${k === 1 ? "" : "s"}`;
  if (!rewrite.changed) lines.push(`nothing to promote in ${stack.path}: ${stay}${otherModes(plan)}`);
  else if (state.dryRun) {
    lines.push(`dry run: ${domains(n)} would go to enforce, ${stay}${otherModes(plan)}; nothing was written (run without --dry-run to write ${stack.path})`, "", ...diffLines(rewrite.diff));
  } else {
    lines.push(
      `wrote ${stack.path}: ${domains(n)} to enforce, ${stay}${otherModes(plan)}`,
      `  review what it publishes: mta-sts plan --stack ${shellWord(stack.path)} --base <git ref or old file>; after review, deploy: ${pulumiUpCommand(stack.path)} (the live MX check runs once more before enforce is published)`,
    );
  }
  return lines;
}

function otherModes(plan: PromotionPlan): string {
  const enforce = plan.others.filter((o) => o.mode === "enforce").length;
  const none = plan.others.length - enforce;
  return `${enforce > 0 ? `, ${enforce} already in enforce` : ""}${none > 0 ? `, ${none} in none` : ""}`;
}
