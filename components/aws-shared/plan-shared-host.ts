/**
 * The first thing AwsSharedMtaStsHost does: validate every domain and the grouping, render what
 * will be published, and assign groups. Throws one `MtaStsConfigError` naming every bad field
 * (`domains[3].policy.mx[0]`), the groups' problems among them (group-rules.ts), before a single
 * resource is declared (docs/invariants.md: bad input never reaches the cloud).
 *
 * Each domain goes through the same core as AwsMtaSts (`validateDomainArgs`), its issues
 * prefixed with `domains[i].`; the AWS-specific fields (DNS home, zone ids, adoption) through the
 * same rules as AwsMtaSts (`awsDnsFieldIssues`).
 */
import { dnsResolverIssues } from "../guard/mx-guard";
import { ConfigIssue, MtaStsConfigError } from "../model/config";
import { RenderedMailDomain } from "../model/rendered";
import { validateDomainArgs } from "../validate-args";
import { AWS_DOMAIN_FIELDS, awsDnsFieldIssues, unknownFieldIssues } from "../aws-common/dns-fields";
import { DnsHome, dnsHomeOf } from "../model/dns-home";
import { AwsSharedMtaStsHostArgs, SharedDomainArgs } from "./args";
import { checkGroups } from "./group-rules";
import { DEFAULT_GROUP_COUNT, DEFAULT_GROUP_SIZE, DomainGroup, MAX_GROUP_INDEX, MAX_GROUP_SIZE } from "./grouping";

/** One validated domain, with what the component needs to declare its resources. */
export interface PlannedDomain {
  /** Position in `args.domains`, for messages. */
  readonly index: number;
  readonly args: SharedDomainArgs;
  readonly rendered: RenderedMailDomain;
  readonly dnsHome: DnsHome;
  /** The group that serves the domain. */
  readonly group: DomainGroup;
  /** The domain's risky but legal values, with paths inside the entry (`policy.maxAgeSeconds`). */
  readonly warnings: readonly ConfigIssue[];
}

/** Everything the component declares, decided before it declares anything. */
export interface SharedHostPlan {
  readonly groupSize: number;
  readonly groupCount: number;
  /** In the order of `args.domains`. */
  readonly domains: readonly PlannedDomain[];
  /** Groups with at least one domain, by group number. */
  readonly groups: readonly DomainGroup[];
  /** Risky but legal values, with full paths (`domains[2].policy.maxAgeSeconds`). */
  readonly warnings: readonly ConfigIssue[];
}

const TOP_FIELDS: readonly (keyof AwsSharedMtaStsHostArgs)[] = ["domains", "groupSize", "groupCount", "dnsResolver"];
const DOMAIN_FIELDS: readonly (keyof SharedDomainArgs)[] = [...AWS_DOMAIN_FIELDS, "group"];

/** Validate, render and group; throws `MtaStsConfigError` listing every issue. */
export function planSharedHost(args: AwsSharedMtaStsHostArgs): SharedHostPlan {
  if (args === null || typeof args !== "object") {
    throw new MtaStsConfigError([{ path: "(args)", message: "must be an object such as { domains: [{ domain: \"example.com\", policy: { mode: \"testing\", mx: [\"mx1.example.com\"] } }] }" }]);
  }
  const issues: ConfigIssue[] = [...unknownFieldIssues(args as object, TOP_FIELDS)];
  const sizingIssues = issues.length;
  const groupSize = wholeNumber(args.groupSize, DEFAULT_GROUP_SIZE, 1, MAX_GROUP_SIZE, "groupSize", issues, `ACM allows ${DEFAULT_GROUP_SIZE} names per certificate by default, up to ${MAX_GROUP_SIZE} on request`);
  const groupCount = wholeNumber(args.groupCount, DEFAULT_GROUP_COUNT, 1, MAX_GROUP_INDEX + 1, "groupCount", issues, "the hash spreads unpinned domains over groups 0 to groupCount - 1");
  // A bad groupSize or groupCount is reported once; the groups are not judged by the fallback.
  const sizingValid = issues.length === sizingIssues;
  issues.push(...dnsResolverIssues(args.dnsResolver));

  const validated: { index: number; args: SharedDomainArgs; rendered: RenderedMailDomain; dnsHome: DnsHome; warnings: readonly ConfigIssue[] }[] = [];
  const warnings: ConfigIssue[] = [];
  if (!Array.isArray(args.domains)) {
    issues.push({ path: "domains", message: args.domains === undefined ? "is required; give a list of domains such as [{ domain: \"example.com\", policy: { mode: \"testing\", mx: [\"mx1.example.com\"] } }]" : "must be a list of domains" });
  } else if (args.domains.length === 0) {
    issues.push({ path: "domains", message: "needs at least one domain; without domains there is nothing to serve (remove the component instead)" });
  } else {
    const firstIndex = new Map<string, number>();
    args.domains.forEach((entry, index) => {
      const at = `domains[${index}]`;
      if (entry === null || typeof entry !== "object") {
        issues.push({ path: at, message: "must be a domain such as { domain: \"example.com\", policy: { mode: \"testing\", mx: [\"mx1.example.com\"] } }" });
        return;
      }
      try {
        const { rendered, warnings: domainWarnings } = validateDomainArgs(entry, domainIssues(entry));
        warnings.push(...domainWarnings.map((w) => prefixed(at, w)));
        const earlier = firstIndex.get(rendered.domain);
        if (earlier !== undefined) {
          issues.push({ path: `${at}.domain`, message: `repeats domains[${earlier}] (${rendered.domain}); list each domain once` });
          return;
        }
        firstIndex.set(rendered.domain, index);
        validated.push({ index, args: entry, rendered, dnsHome: dnsHomeOf(entry), warnings: domainWarnings });
      } catch (err) {
        if (!(err instanceof MtaStsConfigError)) throw err;
        issues.push(...err.issues.map((i) => prefixed(at, i)));
      }
    });
  }
  // The groups of the valid domains (grouping needs their normalised names), judged in the same
  // round as every other problem, so one error lists them all.
  const { groups, issues: groupIssues } = checkGroups(
    validated.map((d) => ({ at: `domains[${d.index}]`, domain: d.rendered.domain, ...(d.args.group !== undefined ? { group: d.args.group } : {}) })),
    { groupSize, groupCount, groupSizePath: "groupSize", roomHint: "`assignGroups` packs pins that fill every group and never move a domain" },
  );
  if (sizingValid) issues.push(...groupIssues);
  if (issues.length > 0) throw new MtaStsConfigError(issues);

  const groupOfDomain = new Map<string, DomainGroup>();
  for (const group of groups) for (const domain of group.domains) groupOfDomain.set(domain, group);
  return {
    groupSize,
    groupCount,
    domains: validated.map((d) => ({ ...d, group: groupOfDomain.get(d.rendered.domain)! })),
    groups,
    warnings,
  };
}

/** The AWS-specific fields of one entry: the same rules as AwsMtaSts, plus `group`. */
function domainIssues(entry: SharedDomainArgs): ConfigIssue[] {
  const issues: ConfigIssue[] = [...unknownFieldIssues(entry, DOMAIN_FIELDS), ...awsDnsFieldIssues(entry)];
  if (entry.group !== undefined && !(Number.isInteger(entry.group) && entry.group >= 0 && entry.group <= MAX_GROUP_INDEX)) {
    issues.push({ path: "group", message: `must be a whole number from 0 to ${MAX_GROUP_INDEX}, not ${JSON.stringify(entry.group)}; or leave it out to let the hash choose` });
  }
  return issues;
}

function wholeNumber(value: unknown, fallback: number, min: number, max: number, path: string, issues: ConfigIssue[], why: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    issues.push({ path, message: `must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)} (${why}); leave it out for ${fallback}` });
    return fallback;
  }
  return value;
}

/** `domains[2]` + `policy.mx[0]` → `domains[2].policy.mx[0]`; a bare `(config)` path names the entry. */
function prefixed(at: string, issue: ConfigIssue): ConfigIssue {
  const path = issue.path === "(config)" ? at : issue.path.startsWith("[") ? `${at}${issue.path}` : `${at}.${issue.path}`;
  return { path, message: issue.message };
}
