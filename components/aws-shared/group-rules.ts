/**
 * The one judge of a shared host's groups, for the component used directly (plan-shared-host.ts)
 * and for the stack config (stack-config.ts), so both refuse the same groups with the same words,
 * in the same round as every other config problem:
 *
 * - a group over `groupSize` (ACM names its hosts on one certificate): one line per group, with
 *   its counts and where there is room, never every domain's name;
 * - a group with no host short enough to be its certificate's first name (ACM: 64 octets);
 * - more groups than the bucket policy can name (S3's 20 KB, a limit no request raises);
 * - in a stack config, a shared-host domain without its `group:` pin: one line for all of them,
 *   naming the command that writes the pins.
 *
 * Pure: no Pulumi import, no I/O.
 */
import { sharedBucketPolicyBytes } from "../aws-common/bucket-policy";
import { ConfigIssue } from "../model/config";
import { S3_BUCKET_POLICY_BYTES } from "./aws-quotas";
import { certificateNames, collectGroups, DomainGroup, MAX_CERTIFICATE_DOMAIN_NAME, overfullGroups, suggestedPinTarget } from "./grouping";
import { groupLabel } from "./group-names";

/** One domain as the rules see it. */
export interface GroupRuleEntry {
  /** Where the entry is, e.g. `domains[3]`; its pin is `<at>.group`. */
  readonly at: string;
  /** The A-label mail domain. */
  readonly domain: string;
  /** Its pin, if any (else its hashed group). */
  readonly group?: number;
}

export interface GroupRuleOptions {
  readonly groupSize: number;
  readonly groupCount: number;
  /** Where `groupSize` is set, for messages: `groupSize` (the component) or `sharedAwsHost.groupSize`. */
  readonly groupSizePath: string;
  /** Where an operator sees every group's free slots, e.g. "`mta-sts groups` lists each group's free slots". */
  readonly roomHint: string;
}

/** The command that writes the missing pins into a stack file. */
export const PIN_COMMAND = "mta-sts groups --stack <stack file> --write";

/** The groups of `entries` (pins, else hashes) and every problem with them. */
export function checkGroups(entries: readonly GroupRuleEntry[], options: GroupRuleOptions): { groups: DomainGroup[]; issues: ConfigIssue[] } {
  const { groupSize, groupCount } = options;
  const groups = collectGroups(entries, groupCount);
  const issues: ConfigIssue[] = [];
  // The last entry of a group in list order is most likely the one just added: its pin is where
  // a fix starts.
  const lastAt = new Map<string, string>();
  for (const e of entries) lastAt.set(e.domain, e.at);
  const fieldOf = (g: DomainGroup) => `${[...g.domains].map((d) => lastAt.get(d)!).sort(byPosition).pop()}.group`;

  for (const group of overfullGroups(groups, groupSize)) {
    const extra = group.domains.length - groupSize;
    const target = suggestedPinTarget(groups, groupSize, groupCount);
    const targetGroup = groups.find((g) => g.index === target);
    const room = targetGroup ? `${groupLabel(target)} has ${groupSize - targetGroup.domains.length} free` : `group ${target} is unused`;
    issues.push({
      path: fieldOf(group),
      message:
        `group ${group.label} would hold ${group.domains.length} domains, ${extra} more than groupSize ${groupSize}: ` +
        `pin ${extra === 1 ? "one of them" : `${extra} of them`} to a group with room (${room}; ${options.roomHint}), ` +
        `or raise ${options.groupSizePath} (moves no domain, but ACM must allow that many names per certificate)`,
    });
  }
  for (const group of groups) {
    if (certificateNames(group.domains.map((d) => `mta-sts.${d}`)) !== undefined) continue;
    issues.push({
      path: fieldOf(group),
      message: `group ${group.label}'s ${group.domains.length === 1 ? "only policy host is" : `${group.domains.length} policy hosts are all`} longer than ${MAX_CERTIFICATE_DOMAIN_NAME} characters, and ACM needs one that short as the certificate's first name: pin a domain with a shorter name to this group, or this domain to a group that has one`,
    });
  }
  const bytes = sharedBucketPolicyBytes(groups.length);
  if (bytes > S3_BUCKET_POLICY_BYTES) {
    issues.push({
      path: options.groupSizePath,
      message: `${groups.length} groups are more than the shared bucket's policy can name: it lists every group's distribution, which takes up to ${bytes} bytes, over S3's fixed limit of ${S3_BUCKET_POLICY_BYTES}; raise ${options.groupSizePath} so that fewer, larger groups hold the domains (ACM must allow that many names per certificate)`,
    });
  }
  return { groups, issues };
}

/**
 * The stack config's pin rule: every shared-host domain names its group, so that the assignment
 * is written down and reviewed, and no domain moves unless a person edits its pin. One issue for
 * all the unpinned entries (`at` of each, in list order), or none.
 */
export function missingPinIssue(unpinned: readonly string[]): ConfigIssue | undefined {
  if (unpinned.length === 0) return undefined;
  const [first, ...rest] = unpinned;
  const more = rest.length === 0 ? "" : `, and so is the group of ${rest.length} more shared-host domain${rest.length === 1 ? "" : "s"} (${rest.slice(0, 3).join(", ")}${rest.length > 3 ? ", …" : ""})`;
  return {
    path: `${first}.group`,
    message:
      `is not set${more}: the shared AWS host serves each domain from the group its pin names; run \`${PIN_COMMAND}\` to pin ${unpinned.length === 1 ? "it" : "them"} ` +
      `(no existing pin changes, and on a host deployed without pins each domain keeps the group that serves it now)`,
  };
}

/** `domains[3]` before `domains[12]`. */
function byPosition(a: string, b: string): number {
  const n = (s: string) => Number(/\[(\d+)\]/.exec(s)?.[1] ?? -1);
  return n(a) - n(b) || (a < b ? -1 : a > b ? 1 : 0);
}
