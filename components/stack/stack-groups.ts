/**
 * The group assignment of a stack's shared AWS host, and what the stack uses of AWS's quotas:
 * what `mta-sts groups` prints and the pins `groups --write` adds to the stack file.
 *
 * Every `host: aws` domain of a stack with `mta-sts:sharedAwsHost` is served by the shared host,
 * in the group its `group:` pin names. The domains without a pin get one from the packer
 * (group-packer.ts), which never moves a pinned domain:
 *
 * - when some domain is pinned already, the unpinned ones are new: they are packed into the
 *   groups with room;
 * - when no domain is pinned yet, the stack may be deployed with every domain in its hashed
 *   group, and packing would move most of them (a certificate replaced on both sides, an alias
 *   that CloudFront only lets move in two deployments). So each keeps its hashed group
 *   (`keep-hashed`), unless the caller says the stack was never deployed (`pack: true`).
 *
 * Pure: no Pulumi import, no I/O. The stack config is validated before (stack-config.ts), for
 * `mta-sts groups` without its group rules (pins required, groups within `groupSize`), so this
 * works on exactly the stacks that lack pins or whose hashed groups overflow, which are the ones
 * to pin. `stackQuotaWarnings` is the plan's quota guard, for a stack whose every pin is written.
 */
import { AwsQuotaKey, countAwsQuotas, QuotaCount } from "../aws-shared/aws-quotas";
import { assignGroups, GroupAssignment, GroupFill, PackMode, PlacementReason } from "../aws-shared/group-packer";
import { DEFAULT_GROUP_COUNT, DEFAULT_GROUP_SIZE, groupLabel, MAX_GROUP_INDEX } from "../aws-shared/grouping";
import { ConfigIssue } from "../model/config";

/** One validated domain of the stack, as grouping needs it (a `DomainDeployment` is one). */
export interface GroupedDomain {
  /** Index in `mta-sts:domains`, where its pin goes. */
  readonly index: number;
  readonly host: string;
  readonly intent: { readonly domain: string };
  /** Its `group:` pin, if any. */
  readonly group?: number;
}

export interface StackGroupsOptions {
  /** `mta-sts:sharedAwsHost`; absent: every AWS domain has a host of its own. */
  readonly sharedAwsHost?: { readonly groupSize?: number; readonly groupCount?: number };
  /** Pack the domains even though none is pinned yet: only for a stack that was never deployed. */
  readonly pack?: boolean;
  /** The account's raised quotas, replacing AWS's defaults. */
  readonly quotaLimits?: Partial<Record<AwsQuotaKey, number>>;
}

/** A pin to write: `group: <group>` on the entry `mta-sts:domains[index]`. */
export interface NewPin {
  readonly index: number;
  readonly domain: string;
  readonly group: number;
  readonly label: string;
  readonly reason: PlacementReason;
}

/** Something that stops the stack from deploying as planned: one line with the fix. */
export interface GroupsFinding {
  readonly kind: "overfull-group" | "no-room" | "quota";
  readonly message: string;
}

/** What `planStackGroups` returns. */
export interface StackGroupsPlan {
  /** Absent without `mta-sts:sharedAwsHost` or without a `host: aws` domain. */
  readonly shared?: {
    readonly groupSize: number;
    readonly groupCount: number;
    readonly mode: PackMode;
    /** Why that mode: some domain was pinned; none was (hashed groups kept); or `pack` was asked. */
    readonly modeReason: "pins-exist" | "no-pins-yet" | "pack-asked";
    /** Shared-host domains, and how many of them had a pin before. */
    readonly domains: number;
    readonly pinnedBefore: number;
    readonly assignment: GroupAssignment;
    /** In keep-hashed mode: the groups packing would use instead (for a stack never deployed). */
    readonly packedGroups?: number;
  };
  /** AWS domains with a host of their own (no shared host). */
  readonly isolatedAwsDomains: number;
  /** The pins to write, in stack-file order. */
  readonly newPins: readonly NewPin[];
  readonly quotas: QuotaCount;
  readonly findings: readonly GroupsFinding[];
}

/** Assign groups and count quotas for a validated stack. */
export function planStackGroups(domains: readonly GroupedDomain[], options: StackGroupsOptions = {}): StackGroupsPlan {
  const aws = domains.filter((d) => d.host === "aws");
  if (!options.sharedAwsHost || aws.length === 0) {
    const quotas = countAwsQuotas({ isolatedDomains: options.sharedAwsHost ? 0 : aws.length }, options.quotaLimits);
    return { isolatedAwsDomains: options.sharedAwsHost ? 0 : aws.length, newPins: [], quotas, findings: quotaFindings(quotas) };
  }

  const groupSize = options.sharedAwsHost.groupSize ?? DEFAULT_GROUP_SIZE;
  const groupCount = options.sharedAwsHost.groupCount ?? DEFAULT_GROUP_COUNT;
  const current = new Map<string, number>();
  for (const d of aws) if (d.group !== undefined) current.set(d.intent.domain, d.group);
  const modeReason = current.size > 0 ? "pins-exist" : options.pack ? "pack-asked" : "no-pins-yet";
  const mode: PackMode = modeReason === "no-pins-yet" ? "keep-hashed" : "pack";
  const names = aws.map((d) => d.intent.domain);
  const assignment = assignGroups(current, names, { groupSize, groupCount, mode });
  const packedGroups = mode === "keep-hashed" ? assignGroups(current, names, { groupSize, groupCount }).groups.length : undefined;

  const indexOf = new Map(aws.map((d) => [d.intent.domain, d.index]));
  const newPins = assignment.placed
    .map((p) => ({ index: indexOf.get(p.domain)!, domain: p.domain, group: p.group, label: groupLabel(p.group), reason: p.reason }))
    .sort((a, b) => a.index - b.index);

  const quotas = countAwsQuotas({ isolatedDomains: 0, sharedGroups: assignment.groups.map((g) => ({ index: g.index, label: g.label, domains: g.size })) }, options.quotaLimits);
  const findings: GroupsFinding[] = [
    ...assignment.overfull.map((g) => overfullFinding(g, assignment, groupSize, groupCount)),
    ...(assignment.unplaced.length > 0 ? [noRoomFinding(assignment, groupSize, groupCount)] : []),
    ...quotaFindings(quotas),
  ];
  return {
    shared: { groupSize, groupCount, mode, modeReason, domains: aws.length, pinnedBefore: current.size, assignment, ...(packedGroups !== undefined ? { packedGroups } : {}) },
    isolatedAwsDomains: 0,
    newPins,
    quotas,
    findings,
  };
}

/**
 * The plan's quota guard: each AWS quota the stack would pass, as a warning whose path is the
 * `mta-sts:awsQuotas` key that records a raised figure (a fixed limit: the key of the shared
 * host's group size). `domains` are those of a validated stack, every shared-host domain pinned.
 */
export function stackQuotaWarnings(domains: readonly GroupedDomain[], options: Omit<StackGroupsOptions, "pack"> = {}): ConfigIssue[] {
  const plan = planStackGroups(domains, options);
  return plan.quotas.findings.map((f) => {
    const quota = plan.quotas.usage.find((u) => u.quota.key === f.key)!.quota;
    return quota.adjustable
      ? { path: `awsQuotas.${f.key}`, message: `${f.message}; once AWS has raised it, set this key to the new figure` }
      : { path: "sharedAwsHost.groupSize", message: f.message };
  });
}

function quotaFindings(quotas: QuotaCount): GroupsFinding[] {
  return quotas.findings.map((f) => ({ kind: "quota" as const, message: f.message }));
}

/** One line per overfull group, with counts and where to move pins (never every domain name). */
function overfullFinding(group: GroupFill, assignment: GroupAssignment, groupSize: number, groupCount: number): GroupsFinding {
  const extra = group.size - groupSize;
  const roomiest = assignment.groups.filter((g) => g.index < groupCount && g.free > 0).sort((a, b) => b.free - a.free || a.index - b.index)[0];
  const target = roomiest ? `${roomiest.label}, which has ${roomiest.free} free` : `a group number from ${groupCount} to ${MAX_GROUP_INDEX} that is not in use (a new group)`;
  return {
    kind: "overfull-group",
    message:
      `group ${group.label} has ${group.size} domains pinned to it, ${extra} more than groupSize ${groupSize}: ` +
      `change the \`group:\` of ${extra === 1 ? "one of them" : `${extra} of them`} to ${target}, or raise groupSize (moves no domain, but ACM must allow that many names per certificate)`,
  };
}

function noRoomFinding(assignment: GroupAssignment, groupSize: number, groupCount: number): GroupsFinding {
  const n = assignment.unplaced.length;
  const needed = assignment.groupCountNeeded!;
  const fix =
    needed <= MAX_GROUP_INDEX + 1
      ? `raise mta-sts:sharedAwsHost.groupCount to at least ${needed} (that moves no pinned domain) and pin again`
      : `raise mta-sts:sharedAwsHost.groupSize (ACM must allow that many names per certificate), since even groupCount ${MAX_GROUP_INDEX + 1} is not enough`;
  return {
    kind: "no-room",
    message: `${n} domain${n === 1 ? " has" : "s have"} no group: groups ${groupLabel(0)} to ${groupLabel(groupCount - 1)} are full (${groupCount} × ${groupSize}); ${fix}`,
  };
}
