/**
 * A pull request's review from two offline plans: the diff (plan-diff.ts) judged by the review
 * rules of the model (components/model/review-risks.ts), with the risks a reviewer accepted
 * (`--allow CODE`) marked as allowed. Pure; the text, markdown and JSON views read this.
 */
import { parsePolicy } from "../components/model/policy";
import { judgeDomainChange, ReviewRisk, ReviewRiskCode } from "../components/model/review-risks";
import { diffPlans, DomainChangeKind, DomainDiff, ResourceChange, ResourceChangeKind } from "./plan-diff";
import { Plan, PLAN_FORMAT_VERSION } from "./plan-report";

export interface ReviewedRisk extends ReviewRisk {
  readonly domain: string;
  /** Accepted with `--allow <code>`: listed, but it does not block. */
  readonly allowed: boolean;
}

export interface ReviewedDomain extends DomainDiff {
  readonly risks: readonly ReviewedRisk[];
}

export interface ReviewSummary {
  readonly domainsChanged: number;
  readonly added: number;
  readonly removed: number;
  readonly risks: number;
  /** Risks of severity `block` that were not allowed: any makes the exit code 1. */
  readonly blocking: number;
  readonly allowed: number;
  /** Resource changes by kind. */
  readonly resources: Readonly<Record<ResourceChangeKind, number>>;
}

export interface Review {
  /** What the head was compared with, e.g. `origin/main:Pulumi.prod.yaml`. */
  readonly base: string;
  /** The stack file of the head. */
  readonly stack: string;
  readonly summary: ReviewSummary;
  /** Every domain of either side, sorted by name. */
  readonly domains: readonly ReviewedDomain[];
  /** Every risk, blocking ones first. */
  readonly risks: readonly ReviewedRisk[];
  /** Every resource that changes, sorted by name. */
  readonly resources: readonly ResourceChange[];
}

const SEVERITY_ORDER = { block: 0, warn: 1, info: 2 } as const;

export function reviewPlans(base: Plan, head: Plan, options: { baseLabel: string; allow?: readonly ReviewRiskCode[] }): Review {
  const allow = new Set(options.allow ?? []);
  const diff = diffPlans(base, head);
  const domains = diff.domains.map((d): ReviewedDomain => ({
    ...d,
    risks: d.change === "unchanged" ? [] : judgeDomainChange(d.facts).map((r) => ({ ...r, domain: d.domain, allowed: allow.has(r.code) })),
  }));
  const risks = domains
    .flatMap((d) => d.risks)
    .sort((a, b) => Number(a.allowed) - Number(b.allowed) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : 0));
  const count = (kind: DomainChangeKind) => domains.filter((d) => d.change === kind).length;
  const resourceCount = (kind: ResourceChangeKind) => diff.resources.filter((r) => r.change === kind).length;
  return {
    base: options.baseLabel,
    stack: head.stack,
    summary: {
      domainsChanged: count("changed"),
      added: count("added"),
      removed: count("removed"),
      risks: risks.length,
      blocking: risks.filter((r) => r.severity === "block" && !r.allowed).length,
      allowed: risks.filter((r) => r.allowed).length,
      resources: { create: resourceCount("create"), update: resourceCount("update"), replace: resourceCount("replace"), delete: resourceCount("delete") },
    },
    domains,
    risks,
    resources: diff.resources,
  };
}

/** `3 domains changed, 1 added, 1 removed; 2 risks (1 blocking); resources: 14 create, 3 update` */
export function summaryLine(s: ReviewSummary): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const allowed = s.allowed > 0 ? `, ${s.allowed} allowed` : "";
  const kinds = (["create", "update", "replace", "delete"] as const).filter((k) => s.resources[k] > 0).map((k) => `${s.resources[k]} ${k}`);
  return (
    `${plural(s.domainsChanged, "domain", "domains")} changed, ${s.added} added, ${s.removed} removed; ` +
    `${plural(s.risks, "risk", "risks")} (${s.blocking} blocking${allowed}); ` +
    `resources: ${kinds.length ? kinds.join(", ") : "no change"}`
  );
}

/** The `mode` of a policy text (RFC 8461 §3.2), or undefined without a readable policy. */
export function policyMode(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const parsed = parsePolicy(text);
  return parsed.ok ? parsed.value.mode : undefined;
}

/** The review as the `--json` document. Unchanged domains carry their name and nothing else. */
export function reviewToJson(review: Review): Record<string, unknown> {
  return {
    ok: true,
    kind: "mta-sts-plan-review",
    version: PLAN_FORMAT_VERSION,
    stack: review.stack,
    base: review.base,
    summary: {
      domainsChanged: review.summary.domainsChanged,
      added: review.summary.added,
      removed: review.summary.removed,
      risks: review.summary.risks,
      blocking: review.summary.blocking,
      allowed: review.summary.allowed,
      resources: review.summary.resources,
    },
    domains: review.domains.map((d) => {
      if (d.change === "unchanged") return { domain: d.domain, change: d.change };
      const defined = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
      return defined({
        domain: d.domain,
        change: d.change,
        modeBefore: policyMode(d.before?.policyText),
        modeAfter: policyMode(d.after?.policyText),
        idBefore: d.before?.policyId,
        idAfter: d.after?.policyId,
        policyBefore: d.before?.policyText,
        policyAfter: d.after?.policyText,
        records: d.records,
        resources: d.resources.map((r) => r.name),
        sharedResources: d.sharedResources.map((r) => r.name),
        risks: d.risks.map((r) => ({ code: r.code, severity: r.severity, message: r.message, fix: r.fix, allowed: r.allowed })),
      });
    }),
    resources: review.resources.map((r) => ({
      name: r.name,
      type: r.type,
      change: r.change,
      ...(r.formerName ? { formerName: r.formerName } : {}),
      domains: r.domains,
      properties: r.properties,
    })),
  };
}
