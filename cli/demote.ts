/**
 * `mta-sts demote --stack FILE DOMAIN... [--dry-run] [--json]`: return domains from `enforce`
 * to `testing` in the stack file, for when mail to them is being refused (`reports --stack`
 * says so on its first line). Senders then deliver again, and go on reporting the failures,
 * while they are fixed (RFC 8461 §5). `promote` never does this on its own: it is a person's call.
 *
 * The file is edited in place like `promote` edits it (cli/stack-file-rewrite.ts); the decision
 * is `planDemotion` (components/model/rollout.ts). Exit codes: 0 the run worked (also when every
 * domain was in testing already); 2 could not run (a bad stack file, a name that is no domain of
 * it, a file that cannot be edited safely).
 */
import { Command } from "commander";
import { normaliseHostname } from "../components/model/hostname";
import { planDemotion } from "../components/model/rollout";
import { renderMailDomain } from "../components/model/rendered";
import { terminalLines } from "../components/terminal-text";
import { CliContext, CliError } from "./verb-contract";
import { formatJson } from "./json-output";
import { modeYamlPath, pulumiUpCommand, shellWord } from "./rollout-text";
import { LoadedStack, loadStackForEdit, rewriteModes, writeStackFile } from "./stack-file-rewrite";

interface DemoteFlags {
  stack: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerDemote(program: Command, ctx: CliContext): void {
  program
    .command("demote")
    .description("return domains from enforce to testing in the stack file, in place (when mail to them is being refused); exit 0 ran, 2 could not run")
    .argument("<domains...>", "the domains to return to testing")
    .requiredOption("-s, --stack <file>", "the stack file (Pulumi.<stack>.yaml) or a YAML file with `domains:`")
    .option("--dry-run", "print the unified diff it would make, and write nothing")
    .option("--json", "print the result as JSON")
    .action((domains: string[], flags: DemoteFlags) => runDemote(domains, flags, ctx));
}

/** A domain named on the command line, as the stack config holds it (lowercase A-label). */
export function domainArgument(name: string, what: string): string {
  const result = normaliseHostname(name);
  if (!result.ok) throw new CliError("usage", `${what} ${JSON.stringify(name)}: ${result.error.message}`);
  return result.value;
}

function runDemote(names: string[], flags: DemoteFlags, ctx: CliContext): void {
  const wanted = names.map((n) => domainArgument(n, "domain"));
  const stack = loadStackForEdit(flags.stack);
  const plan = planDemotion(stack.rollout, wanted);
  if (plan.unknown.length > 0) {
    throw new CliError("usage", `${plan.unknown.join(", ")} ${plan.unknown.length === 1 ? "is not a domain" : "are not domains"} of ${flags.stack}; name domains listed in mta-sts:domains`);
  }
  const rewrite = rewriteModes(stack, plan.demote.map((d) => ({ index: d.index, mode: "testing" })));
  const written = rewrite.changed && !flags.dryRun;
  if (written) writeStackFile(stack, rewrite.after);

  const demoted = plan.demote.map((d) => {
    const before = renderMailDomain(stack.domains.find((x) => x.index === d.index)!.intent);
    const after = renderMailDomain(rewrite.domainsAfter.find((x) => x.index === d.index)!.intent);
    return { domain: d.domain, index: d.index, path: modeYamlPath(stack.domainsPath, d.index), modeFrom: d.modeFrom, policyIdBefore: before.policyId, policyIdAfter: after.policyId };
  });
  const deploy = pulumiUpCommand(flags.stack);
  if (flags.json) {
    ctx.out(formatJson(true, { stack: flags.stack, dryRun: Boolean(flags.dryRun), written, demoted, unchanged: plan.unchanged, ...(rewrite.changed ? { diff: rewrite.diff, deploy } : {}) }));
    return;
  }
  const lines: string[] = [];
  for (const d of demoted) {
    const how = d.modeFrom === "defaults" ? "enforce (from mta-sts:defaults) -> testing, its own mode" : "enforce -> testing";
    lines.push(`demote     ${d.domain}: ${how} at ${d.path}; policy id ${d.policyIdBefore} -> ${d.policyIdAfter}`);
  }
  for (const u of plan.unchanged) lines.push(`unchanged  ${u.domain}: ${u.message}`);
  lines.push("");
  if (!rewrite.changed) lines.push(`nothing to change in ${flags.stack}`);
  else if (flags.dryRun) lines.push(`dry run: ${count(demoted.length)} would return to testing; nothing was written (run without --dry-run to write ${flags.stack})`, "", ...diffLines(rewrite.diff));
  else lines.push(...deployAdvice(stack, demoted.length, deploy));
  ctx.out(terminalLines(lines));
}

function deployAdvice(stack: LoadedStack, n: number, deploy: string): string[] {
  return [
    `wrote ${stack.path}: ${count(n)} back to testing; deploy it now, mail to ${n === 1 ? "it" : "them"} is refused until it is live: ${deploy}`,
    "  it publishes each testing policy under a new id; senders fetch it once they see the id change (RFC 8461 §5.1) and deliver again while the failures are fixed",
    `  what it publishes: mta-sts plan --stack ${shellWord(stack.path)} --base <git ref or old file>`,
  ];
}

function count(n: number): string {
  return `${n} domain${n === 1 ? "" : "s"}`;
}

/** The diff's lines for a terminal: a CRLF file's line ends are not shown as escapes on every line. */
export function diffLines(diff: string): string[] {
  return diff.replace(/\n$/, "").split("\n").map((l) => l.replace(/\r$/, ""));
}
