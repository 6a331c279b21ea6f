/**
 * The difference between two offline plans (the base of a pull request and its head), as a
 * reviewer needs it: per mail domain, whether it is added, removed, changed or unchanged, the
 * policy's line diff, the TXT records that change, and every resource that is created, updated,
 * replaced or deleted, with the properties that change. Pure: plans in, a diff out.
 *
 * Nothing here depends on the order of domains, resources or keys in either plan: domains are
 * matched by name, resources by their URN (or a URN they name as an alias, which is how Pulumi
 * recognises a rename), inputs by property path, and everything is sorted.
 */
import { diffArrays } from "diff";
import { DomainChange, HostNameClaim, PublishedDomain } from "../components/model/review-risks";
import { flatten, Plan, PlanDomain, PlanResource } from "./plan-report";
import { DISTRIBUTION_TYPE, POLICY_HOST_TYPES, replacingInputs } from "./provider-replacements";

export type ResourceChangeKind = "create" | "update" | "replace" | "delete";

export interface PropertyChange {
  /** The property path, e.g. `content` or `viewerCertificate.acmCertificateArn`. */
  readonly name: string;
  /** The old value as the plan prints it, when it is short; absent for a new property. */
  readonly before?: string;
  /** The new value, when it is short; absent for a removed property. */
  readonly after?: string;
  /** True when the provider replaces the resource for this property. */
  readonly replaces: boolean;
}

export interface ResourceChange {
  readonly name: string;
  readonly type: string;
  readonly change: ResourceChangeKind;
  /** The changed properties (empty for create and delete). */
  readonly properties: readonly PropertyChange[];
  /** The mail domains this resource serves (one for a domain's own resource, several for a group's). */
  readonly domains: readonly string[];
  /** The name in the base when the head renames the resource with an alias. */
  readonly formerName?: string;
}

export interface PolicyLine {
  readonly op: "=" | "-" | "+";
  readonly text: string;
}

export interface RecordChange {
  readonly name: string;
  readonly before?: string;
  readonly after?: string;
}

export type DomainChangeKind = "added" | "removed" | "changed" | "unchanged";

export interface DomainDiff {
  readonly domain: string;
  readonly change: DomainChangeKind;
  readonly before?: PlanDomain;
  readonly after?: PlanDomain;
  /** The policy text line by line with `-`/`+` marks; empty when the bytes do not change. */
  readonly policyLines: readonly PolicyLine[];
  readonly records: readonly RecordChange[];
  /** Changed resources that serve this domain alone. */
  readonly resources: readonly ResourceChange[];
  /** Changed resources this domain shares with others (a group's certificate, distribution...). */
  readonly sharedResources: readonly ResourceChange[];
  /** The facts the review rules judge. */
  readonly facts: DomainChange;
}

export interface PlanDiff {
  /** Every domain of either plan, sorted by name. */
  readonly domains: readonly DomainDiff[];
  /** Every resource that changes, sorted by name. */
  readonly resources: readonly ResourceChange[];
}

/** Values longer than this are named but not shown. */
const SHORT_VALUE = 100;

export function diffPlans(base: Plan, head: Plan): PlanDiff {
  const pairs = matchResources(base.resources, head.resources);
  const changes = resourceChanges(pairs);
  // A component that serves several domains on either side is a shared host on both.
  const servedBy = new Map<string, Set<string>>();
  for (const d of [...base.domains, ...head.domains]) servedBy.set(d.component, (servedBy.get(d.component) ?? new Set()).add(d.domain));
  const shared = new Set([...servedBy].filter(([, domains]) => domains.size > 1).map(([component]) => component));
  const baseDomainsOf = domainAttribution(base, shared);
  const headDomainsOf = domainAttribution(head, shared);
  const resources = changes
    .map((c) => ({ ...c.change, domains: [...new Set([...(c.base ? baseDomainsOf(c.base) : []), ...(c.head ? headDomainsOf(c.head) : [])])].sort() }))
    .sort((a, b) => compare(a.name, b.name) || compare(a.type, b.type));

  const baseDomains = new Map(base.domains.map((d) => [d.domain, d]));
  const headDomains = new Map(head.domains.map((d) => [d.domain, d]));
  const names = [...new Set([...baseDomains.keys(), ...headDomains.keys()])].sort(compare);
  const baseClaims = hostNameClaims(base);
  const headClaims = hostNameClaims(head);
  const pairOfHead = new Map(pairs.filter((p) => p.head).map((p) => [p.head!.urn, p]));
  const pairOfBase = new Map(pairs.filter((p) => p.base).map((p) => [p.base!.urn, p]));
  const changeOf = new Map(changes.map((c) => [c.base?.urn ?? c.head!.urn, c.change.change]));
  const kindOf = (p: Pair) => changeOf.get(p.base?.urn ?? p.head!.urn);

  const domains = names.map((domain): DomainDiff => {
    const before = baseDomains.get(domain);
    const after = headDomains.get(domain);
    const touching = resources.filter((r) => r.domains.includes(domain));
    const own = touching.filter((r) => r.domains.length === 1);
    const shared = touching.filter((r) => r.domains.length > 1);
    const policyLines = policyLineDiff(before?.policyText, after?.policyText);
    const records = recordChanges(before, after);
    const host = `mta-sts.${domain}`;
    const claimKey = (c: Claim) => `${c.kind}/${c.recordType ?? ""}/${c.zone ?? ""}`;
    const newClaims = (headClaims.get(host) ?? []).filter((c) => {
      const pair = pairOfHead.get(c.urn)!;
      if (kindOf(pair) === "create" || kindOf(pair) === "replace") return true;
      return !(baseClaims.get(host) ?? []).some((b) => b.urn === pair.base?.urn && claimKey(b) === claimKey(c));
    });
    const releasedClaims = (baseClaims.get(host) ?? []).filter((c) => {
      const pair = pairOfBase.get(c.urn)!;
      if (kindOf(pair) === "delete" || kindOf(pair) === "replace") return true;
      return !(headClaims.get(host) ?? []).some((h) => h.urn === pair.head?.urn && claimKey(h) === claimKey(c));
    });
    const replacedHostResources = touching
      .filter((r) => r.change === "replace" && POLICY_HOST_TYPES.has(r.type))
      .map((r) => {
        const others = r.domains.filter((x) => x !== domain);
        return `${POLICY_HOST_TYPES.get(r.type)} ${r.name}${others.length ? ` (also serving ${others.join(", ")})` : ""}`;
      });
    const facts: DomainChange = {
      domain,
      ...(before ? { before: published(base, before) } : {}),
      ...(after ? { after: published(head, after) } : {}),
      newClaims: newClaims.map(toClaim),
      releasedClaims: releasedClaims.map(toClaim),
      replacedHostResources,
    };
    const ownChange =
      policyLines.length > 0 ||
      records.length > 0 ||
      own.length > 0 ||
      newClaims.length > 0 ||
      releasedClaims.length > 0 ||
      (before && after && (before.policyId !== after.policyId || facts.before!.host !== facts.after!.host || before.dns !== after.dns));
    const change: DomainChangeKind = !before ? "added" : !after ? "removed" : ownChange ? "changed" : "unchanged";
    return { domain, change, ...(before ? { before } : {}), ...(after ? { after } : {}), policyLines, records, resources: own, sharedResources: shared, facts };
  });
  return { domains: promoteSharedHostChanges(domains), resources };
}

/**
 * A shared resource that serves the policy and is replaced (a group's certificate, when a domain
 * joins the group) is a risk of the domains that caused it, the changed ones of its group; when
 * none of them changed (a code change), every domain it serves is shown as changed, so that the
 * replacement is reviewed once per domain it affects instead of not at all.
 */
function promoteSharedHostChanges(domains: DomainDiff[]): DomainDiff[] {
  const byName = new Map(domains.map((d) => [d.domain, d]));
  const promoted = new Set<string>();
  const seen = new Set<string>();
  for (const d of domains) {
    for (const r of d.sharedResources) {
      if (seen.has(r.name) || r.change !== "replace" || !POLICY_HOST_TYPES.has(r.type)) continue;
      seen.add(r.name);
      const served = r.domains.map((name) => byName.get(name)!).filter(Boolean);
      if (!served.some((s) => s.change !== "unchanged")) for (const s of served) promoted.add(s.domain);
    }
  }
  return domains.map((d) => {
    if (promoted.has(d.domain)) return { ...d, change: "changed" };
    if (d.change !== "unchanged") return d;
    // Unchanged: its shared resources' replacements belong to the domains that changed.
    return { ...d, facts: { ...d.facts, replacedHostResources: [] } };
  });
}

interface Pair {
  readonly base?: PlanResource;
  readonly head?: PlanResource;
}

/** Pair every head resource with the base resource of its URN or of one of its aliases. */
function matchResources(base: readonly PlanResource[], head: readonly PlanResource[]): Pair[] {
  const byUrn = new Map(base.map((r) => [r.urn, r]));
  const used = new Set<string>();
  const pairs: Pair[] = [];
  for (const h of head) {
    const candidates = [h.urn, ...(h.aliases ?? [])];
    const match = candidates.map((urn) => byUrn.get(urn)).find((b) => b !== undefined && !used.has(b.urn));
    if (match) used.add(match.urn);
    pairs.push(match ? { base: match, head: h } : { head: h });
  }
  for (const b of base) if (!used.has(b.urn)) pairs.push({ base: b });
  return pairs;
}

interface PairChange {
  readonly base?: PlanResource;
  readonly head?: PlanResource;
  readonly change: Omit<ResourceChange, "domains">;
}

/**
 * Created, deleted, updated and replaced resources. A replaced resource gets new outputs (a new
 * ARN, a new id), and the plan writes those as `<computed: name.output>`: an input that
 * refers to one changes too, and if the provider replaces on that input, the replacement cascades.
 */
function resourceChanges(pairs: readonly Pair[]): PairChange[] {
  const changed = new Map<Pair, { properties: PropertyChange[]; replace: boolean }>();
  for (const p of pairs) {
    if (!p.base || !p.head) continue;
    const properties = propertyChanges(p.base, p.head);
    const replace = p.base.type !== p.head.type || properties.some((x) => x.replaces);
    if (properties.length > 0 || replace) changed.set(p, { properties, replace });
  }
  // Cascade replacements through `<computed: ...>` references, until nothing more changes
  // (bounded: each round handles at least one newly replaced resource).
  const cascaded = new Set<string>();
  for (;;) {
    const fresh = [...changed].filter(([p, c]) => c.replace && !cascaded.has(p.head!.name)).map(([p]) => p.head!.name);
    if (fresh.length === 0) break;
    for (const name of fresh) cascaded.add(name);
    for (const p of pairs) {
      if (!p.base || !p.head) continue;
      const current = changed.get(p) ?? { properties: [], replace: false };
      const replacing = replacingInputs(p.head.type, p.head.replaceOnChanges);
      let grew = false;
      for (const [path, value] of flatten(p.head.inputs)) {
        if (current.properties.some((x) => x.name === path)) continue;
        const upstream = fresh.find((n) => value.includes(`<computed: ${n}.`));
        if (!upstream) continue;
        const replaces = replacing.has(topLevel(path));
        current.properties.push({ name: path, ...shortValues(value, `<new: ${upstream} is replaced>`), replaces });
        current.replace ||= replaces;
        grew = true;
      }
      if (grew) changed.set(p, { properties: current.properties.sort((a, b) => compare(a.name, b.name)), replace: current.replace });
    }
  }
  return pairs.flatMap((p): PairChange[] => {
    if (!p.base) return [{ head: p.head, change: { name: p.head!.name, type: p.head!.type, change: "create", properties: [] } }];
    if (!p.head) return [{ base: p.base, change: { name: p.base.name, type: p.base.type, change: "delete", properties: [] } }];
    const c = changed.get(p);
    if (!c) return [];
    return [
      {
        base: p.base,
        head: p.head,
        change: {
          name: p.head.name,
          type: p.head.type,
          change: c.replace ? "replace" : "update",
          properties: c.properties,
          ...(p.base.name !== p.head.name ? { formerName: p.base.name } : {}),
        },
      },
    ];
  });
}

function propertyChanges(base: PlanResource, head: PlanResource): PropertyChange[] {
  const before = new Map(flatten(base.inputs));
  const after = new Map(flatten(head.inputs));
  const replacing = replacingInputs(head.type, head.replaceOnChanges);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort(compare);
  return paths
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => ({ name: path, ...shortValues(before.get(path), after.get(path)), replaces: replacing.has(topLevel(path)) }));
}

function shortValues(before: string | undefined, after: string | undefined): { before?: string; after?: string } {
  const short = (v: string | undefined) => v !== undefined && v.length <= SHORT_VALUE;
  return { ...(short(before) ? { before } : {}), ...(short(after) ? { after } : {}) };
}

/** `viewerCertificate.acmCertificateArn` → `viewerCertificate`; `aliases[0]` → `aliases`. */
function topLevel(path: string): string {
  return path.split(/[.[]/, 1)[0];
}

/**
 * Which domains a resource serves: a resource under a component of one domain serves that
 * domain; any other (a shared host's) serves each domain whose `mta-sts.`, `_mta-sts.` or
 * `_smtp._tls.` name appears in its inputs (aliases, certificate names, record names, object
 * keys, routing code). A resource that names none (the shared bucket) serves no one domain.
 */
function domainAttribution(plan: Plan, sharedComponents: ReadonlySet<string>): (r: PlanResource) => string[] {
  const byName = new Map(plan.resources.map((r) => [r.name, r]));
  const domainsOfComponent = new Map<string, string[]>();
  for (const d of plan.domains) domainsOfComponent.set(d.component, [...(domainsOfComponent.get(d.component) ?? []), d.domain]);
  const known = new Set(plan.domains.map((d) => d.domain));
  const rootOf = (r: PlanResource): string => {
    let current = r;
    for (let depth = 0; current.parent && byName.has(current.parent) && depth < 100; depth++) current = byName.get(current.parent)!;
    return current.name;
  };
  return (r) => {
    const root = rootOf(r);
    const component = domainsOfComponent.get(root);
    if (component && component.length === 1 && !sharedComponents.has(root)) return component;
    return namedDomains(r.inputs, known);
  };
}

const HOST_NAME = /(?:^|[^a-z0-9.-])(?:_?mta-sts|_smtp\._tls)\.([a-z0-9-]+(?:\.[a-z0-9-]+)+)/gi;

/** The known domains whose policy host or record names appear in any string of `value`. */
function namedDomains(value: unknown, known: ReadonlySet<string>): string[] {
  const found = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      for (const m of v.matchAll(HOST_NAME)) if (known.has(m[1].toLowerCase())) found.add(m[1].toLowerCase());
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found].sort(compare);
}

interface Claim extends HostNameClaim {
  readonly urn: string;
}

/** Every resource's claims on a host name, by host name (lowercase, no trailing dot). */
function hostNameClaims(plan: Plan): Map<string, Claim[]> {
  const claims = new Map<string, Claim[]>();
  const add = (host: unknown, claim: Claim) => {
    if (typeof host !== "string") return;
    const key = host.toLowerCase().replace(/\.$/, "");
    claims.set(key, [...(claims.get(key) ?? []), claim]);
  };
  for (const r of plan.resources) {
    const inputs = r.inputs as Record<string, unknown>;
    const base = { resource: r.name, urn: r.urn };
    const zone = (service: string, id: unknown) => (typeof id === "string" ? { zone: `${service} ${id}` } : {});
    switch (r.type) {
      case DISTRIBUTION_TYPE:
        for (const alias of Array.isArray(inputs.aliases) ? inputs.aliases : []) add(alias, { ...base, kind: "cloudfront-alias" });
        break;
      case "aws:route53/record:Record":
      case "cloudflare:index/dnsRecord:DnsRecord":
        add(inputs.name, {
          ...base,
          kind: "dns-record",
          ...(typeof inputs.type === "string" ? { recordType: inputs.type.toUpperCase() } : {}),
          ...zone(r.type.startsWith("aws:") ? "route53" : "cloudflare", inputs.zoneId),
        });
        break;
      case "cloudflare:index/workersCustomDomain:WorkersCustomDomain":
        add(inputs.hostname, { ...base, kind: "worker-custom-domain", ...zone("cloudflare", inputs.zoneId) });
        break;
      case "cloudflare:index/pagesDomain:PagesDomain":
        add(inputs.name, { ...base, kind: "pages-domain", ...zone("cloudflare account", inputs.accountId) });
        break;
    }
  }
  return claims;
}

function toClaim(c: Claim): HostNameClaim {
  return { resource: c.resource, kind: c.kind, ...(c.recordType ? { recordType: c.recordType } : {}), ...(c.zone ? { zone: c.zone } : {}) };
}

/** A domain as the review rules see it; the host names the component kind that serves it. */
function published(plan: Plan, d: PlanDomain): PublishedDomain {
  const componentType = plan.resources.find((r) => r.name === d.component && !r.parent)?.type ?? "";
  const kind = componentType.split(":").pop();
  return {
    policyText: d.policyText,
    policyId: d.policyId,
    ...(d.tlsRptRecord ? { tlsRptRecord: d.tlsRptRecord } : {}),
    host: kind ? `${d.host} (${kind})` : d.host,
  };
}

function policyLineDiff(before: string | undefined, after: string | undefined): PolicyLine[] {
  if (before === after) return [];
  // The policy ends every line with CRLF (RFC 8461 §3.2), so the last split part is empty.
  const lines = (text: string | undefined) => (text === undefined ? [] : text.split("\r\n").slice(0, text.endsWith("\r\n") ? -1 : undefined));
  return diffArrays(lines(before), lines(after)).flatMap((part) =>
    part.value.map((text): PolicyLine => ({ op: part.added ? "+" : part.removed ? "-" : "=", text })),
  );
}

function recordChanges(before: PlanDomain | undefined, after: PlanDomain | undefined): RecordChange[] {
  const out: RecordChange[] = [];
  const push = (name: string, a: string | undefined, b: string | undefined) => {
    if (a !== b) out.push({ name, ...(a !== undefined ? { before: a } : {}), ...(b !== undefined ? { after: b } : {}) });
  };
  const d = (after ?? before)!;
  push(d.stsRecordName, before?.stsRecord, after?.stsRecord);
  push(d.tlsRptRecordName, before?.tlsRptRecord, after?.tlsRptRecord);
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
