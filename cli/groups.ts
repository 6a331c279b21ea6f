/**
 * `mta-sts groups --stack <file> [--write] [--pack] [--json]`: the shared AWS host's groups (fill
 * and free slots per group) and what the stack uses of AWS's quotas (the defaults, or the
 * account's raised ones from `mta-sts:awsQuotas`); with `--write`, a `group:` pin on every
 * shared-host domain that has none, written into the stack file in place (every other byte of
 * the file stays as it was). No existing pin is changed. The stack is validated as the plan
 * validates it, but for the group rules this command exists to satisfy (a pin on every domain,
 * groups within `groupSize`), which it reports as findings instead.
 *
 * Exit codes: 0 ok; 1 a quota would be passed, pins overfill a group, or a domain found no
 * group; 2 could not run (unreadable file, bad config, a file shape that cannot be edited safely).
 * The logic is components/stack/stack-groups.ts; this module reads, writes and prints.
 */
import { writeFileSync } from "node:fs";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { MtaStsConfigError } from "../components/model/config";
import { editStackFile, StackFileEditError, YamlPath } from "../components/stack/stack-file-edit";
import { validateStackConfig } from "../components/stack/stack-config";
import { planStackGroups, StackGroupsPlan } from "../components/stack/stack-groups";
import { CONFIG_NAMESPACE, configError, readStackConfigFile } from "./config-file";
import { terminalLines } from "../components/terminal-text";
import { INPUT_LIMITS, readBoundedFile } from "./bounded-read";
import { formatJson } from "./json-output";
import { CliContext, CliError, EXIT_FINDINGS } from "./verb-contract";

interface GroupsFlags {
  stack: string;
  write?: boolean;
  pack?: boolean;
  json?: boolean;
}

const REASONS = { hashed: "its hashed group", "first-fit": "first group with room", "new-group": "a new group" } as const;

export function registerGroups(program: Command, ctx: CliContext): void {
  program
    .command("groups")
    .description("show the shared AWS host's groups and the stack's use of AWS quotas; --write pins every unpinned domain into the stack file")
    .requiredOption("-s, --stack <file>", "the stack file (Pulumi.<stack>.yaml) or a YAML file with `domains:`")
    .option("--write", "write a `group:` pin on every shared-host domain without one (no existing pin changes)")
    .option("--pack", "when no domain is pinned yet, pack the domains instead of keeping each in its hashed group; only for a stack that was never deployed (on a deployed one it moves domains)")
    .option("--json", "print one JSON document")
    // What cannot run is thrown as a CliError, which main reports like every verb's.
    .action((flags: GroupsFlags) => runGroups(flags, ctx));
}

function runGroups(flags: GroupsFlags, ctx: CliContext): void {
  // Size and time bounded, as every file the CLI reads; a CliError with the code `io` when unreadable.
  const text = readBoundedFile(flags.stack, INPUT_LIMITS.stackFile).toString("utf8");
  const validation = validate(flags.stack);
  if (!validation.ok) throw configError(flags.stack, validation.issues, "grouped");
  const plan = planStackGroups(validation.domains, {
    ...(validation.sharedAwsHost ? { sharedAwsHost: validation.sharedAwsHost } : {}),
    pack: flags.pack === true,
    quotaLimits: validation.awsQuotas,
  });

  let written = false;
  if (flags.write && plan.newPins.length > 0) {
    const prefix = domainsPath(text);
    let updated: string;
    try {
      updated = editStackFile(
        text,
        plan.newPins.map((p) => ({ path: [...prefix, p.index, "group"], value: p.group })),
      );
    } catch (err) {
      // A shape the editor cannot change without touching other bytes (an anchor, say).
      if (err instanceof StackFileEditError) throw new CliError("io", `cannot write the pins into ${flags.stack}: ${err.message}; nothing was written`);
      throw err;
    }
    try {
      writeFileSync(flags.stack, updated);
    } catch (err) {
      throw new CliError("io", `cannot write ${flags.stack}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; nothing was written`);
    }
    written = true;
  }
  if (flags.json) ctx.out(formatJson(plan.findings.length === 0, groupsJson(flags.stack, plan, written)));
  else ctx.out(terminalLines(groupsText(flags.stack, plan, flags.write === true, written)));
  if (plan.findings.length > 0) ctx.exitCode = EXIT_FINDINGS;
}

/** Validate the whole config, so that only a good one is pinned; its groups are what this command reports on. */
function validate(path: string): ReturnType<typeof validateStackConfig> {
  try {
    return validateStackConfig(readStackConfigFile(path), { checkGroups: false });
  } catch (err) {
    if (err instanceof MtaStsConfigError) return { ok: false, issues: [...err.issues] };
    throw err;
  }
}

/** Where `mta-sts:domains` is in the file: under `config:` in a stack file, at the top in a plain one. */
function domainsPath(text: string): YamlPath {
  const doc = parseYaml(text) as Record<string, unknown>;
  return "config" in doc ? ["config", `${CONFIG_NAMESPACE}:domains`] : ["domains"];
}

// --- Output -----------------------------------------------------------------------------------

/** The report for people, one line each (escaped by the caller: the stack path comes from the command line). */
function groupsText(stack: string, plan: StackGroupsPlan, write: boolean, written: boolean): string[] {
  const lines: string[] = [];
  const shared = plan.shared;
  if (!shared) {
    lines.push(`groups ${stack}: no shared AWS host (mta-sts:sharedAwsHost), so nothing to pin; ${count(plan.isolatedAwsDomains, "AWS domain")} served by a host of ${plan.isolatedAwsDomains === 1 ? "its" : "their"} own (AwsMtaSts)`);
  } else {
    const a = shared.assignment;
    lines.push(`groups ${stack}: ${shared.domains} domains on the shared AWS host, groupSize ${shared.groupSize}, groupCount ${shared.groupCount}`);
    const width = String(shared.groupSize).length;
    const labelWidth = Math.max(0, ...a.groups.map((g) => g.label.length));
    for (const g of a.groups) {
      const free = g.free > 0 ? `  ${g.free} free` : g.free < 0 ? `  ${-g.free} over` : "";
      const added = g.placed > 0 ? `  +${g.placed} ${written ? "pinned" : "to pin"}` : "";
      lines.push(`  ${g.label.padEnd(labelWidth)}  ${String(g.size).padStart(width)}/${shared.groupSize}${free}${added}`);
    }
    const slots = a.groups.length * shared.groupSize;
    const filled = a.groups.reduce((sum, g) => sum + g.size, 0);
    lines.push(`${count(a.groups.length, "group")} in use (the fewest possible is ${a.minimumGroups}), ${filled} of ${slots} slots filled, ${Math.max(0, slots - filled)} free`);
    lines.push(pinsLine(stack, plan, write, written));
    if (shared.modeReason === "no-pins-yet" && shared.packedGroups !== undefined && shared.packedGroups < a.groups.length) {
      lines.push(`note: no domain was pinned yet, so each keeps its hashed group (where a deployed host serves it); a stack that was never deployed fits in ${count(shared.packedGroups, "group")} with --pack`);
    }
    if (written) for (const p of plan.newPins) lines.push(`pinned ${p.domain} to ${p.label} (${REASONS[p.reason]})`);
  }
  const totals = plan.quotas.totals;
  lines.push(
    `AWS use: ${count(totals.distributions, "CloudFront distribution")}, ${count(totals.certificates, "ACM certificate")} with ${count(totals.certificateNames, "name")}, ` +
      `${count(totals.originAccessControls, "origin access control")}, ${count(totals.functions, "CloudFront Function")}, ${count(totals.cachePolicies, "cache policy", "cache policies")}`,
  );
  for (const u of plan.quotas.usage) {
    if (u.over) continue;
    lines.push(`PASS quota ${u.quota.service} "${u.quota.name}": ${u.used} of ${u.limit}${u.where ? ` (${u.where})` : ""}`);
  }
  for (const f of plan.findings) lines.push(`FAIL ${f.kind} ${f.message}`);
  return lines;
}

function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

function pinsLine(stack: string, plan: StackGroupsPlan, write: boolean, written: boolean): string {
  const shared = plan.shared!;
  const n = plan.newPins.length;
  const before = `${shared.pinnedBefore} pinned before`;
  if (n === 0) return `pins: ${before}, every domain has one${shared.assignment.unplaced.length > 0 ? " that could be given" : ""}`;
  if (written) return `pins: ${before}, ${n} written to ${stack} (no existing pin changed)`;
  return `pins: ${before}, ${n} to write${write ? "" : "; run with --write to write them into the stack file"}`;
}

/** The `--json` body: `ok` is false when there are findings, which are listed under `findings`. */
function groupsJson(stack: string, plan: StackGroupsPlan, written: boolean): Record<string, unknown> {
  const shared = plan.shared;
  return {
    stack,
    written,
    ...(shared
      ? {
          sharedHost: {
            groupSize: shared.groupSize,
            groupCount: shared.groupCount,
            mode: shared.mode,
            modeReason: shared.modeReason,
            domains: shared.domains,
            pinnedBefore: shared.pinnedBefore,
            minimumGroups: shared.assignment.minimumGroups,
            ...(shared.packedGroups !== undefined ? { packedGroups: shared.packedGroups } : {}),
            groups: shared.assignment.groups,
            unplaced: shared.assignment.unplaced,
            ...(shared.assignment.groupCountNeeded !== undefined ? { groupCountNeeded: shared.assignment.groupCountNeeded } : {}),
          },
        }
      : {}),
    isolatedAwsDomains: plan.isolatedAwsDomains,
    newPins: plan.newPins,
    quotas: {
      totals: plan.quotas.totals,
      usage: plan.quotas.usage.map((u) => ({ key: u.quota.key, service: u.quota.service, name: u.quota.name, used: u.used, limit: u.limit, over: u.over, ...(u.where ? { where: u.where } : {}), source: u.quota.source })),
    },
    findings: plan.findings,
  };
}
