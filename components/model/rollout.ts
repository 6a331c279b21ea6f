/**
 * The staged rollout of a domain's MTA-STS policy: which domains move from `testing` to `enforce`
 * now, why every other one stays, and which go back.
 *
 * In `testing` a sender that cannot deliver over valid TLS to a listed MX delivers anyway and
 * reports it; in `enforce` it does not deliver at all (RFC 8461 §5). So a domain is promoted only
 * on evidence: its readiness verdict (tlsrpt-readiness.ts) is `ready` for the policy configured
 * now. Promotion is always a decision taken for a pull request, one domain at a time:
 *
 * - only a domain whose effective mode is `testing` can be promoted; `enforce` and `none` are
 *   never touched, and nothing here ever moves a domain back on its own (a domain in `enforce`
 *   with failures is reported as refusing mail, and `planDemotion` is what a person asks for);
 * - `rollout: hold` on the domain (or in the defaults) keeps it in `testing` whatever its
 *   verdict; `rollout: auto`, the default, leaves it to the evidence;
 * - `only` and `exclude` narrow a run to some domains; `max` caps the promotions of one run, in
 *   the order of the stack file, so a pull request stays reviewable;
 * - a promoted domain whose `max_age` is under 14 days is promoted all the same, with a note to
 *   raise it once `enforce` has held (RFC 8461 §3.2 suggests weeks).
 *
 * Pure: no I/O. The CLI reads the reports and the stack file, and edits the file.
 */
import { ENFORCE_ADVISED_MAX_AGE, PolicyMode } from "./policy";
import type { DomainReadiness, ReadinessReason, ReadinessVerdict } from "./tlsrpt-readiness";

/** `rollout:` of a domain: `auto` lets `promote` move it when the evidence says ready; `hold` keeps it where it is. */
export const ROLLOUT_SETTINGS = ["auto", "hold"] as const;
export type RolloutSetting = (typeof ROLLOUT_SETTINGS)[number];

/** Where a field's effective value is written: in the domain's own entry, in `mta-sts:defaults`, or nowhere (our default). */
export type FieldSource = "domain" | "defaults" | "default";

/** One domain of the stack config as the rollout sees it. */
export interface RolloutDomain {
  /** Lowercase A-label. */
  readonly domain: string;
  /** Index in `mta-sts:domains`. */
  readonly index: number;
  readonly mode: PolicyMode;
  /** Where `policy.mode` is written: a domain that takes it from the defaults gets a `mode` of its own when it changes. */
  readonly modeFrom: Exclude<FieldSource, "default">;
  readonly rollout: RolloutSetting;
  readonly rolloutFrom: FieldSource;
  readonly maxAgeSeconds: number;
  readonly maxAgeFrom: FieldSource;
}

/** Which domains one run may promote. */
export interface PromotionSelection {
  /** Only these domains (A-labels) may be promoted. Defaults to every domain. */
  readonly only?: readonly string[];
  /** These domains (A-labels) are not promoted. Defaults to none. */
  readonly exclude?: readonly string[];
  /** At most this many promotions, the first ready domains in the stack file's order. Defaults to no limit. */
  readonly max?: number;
}

/** Advice about a promoted domain; it is promoted anyway. */
export interface RolloutNote {
  readonly code: "short-max-age";
  readonly message: string;
}

export type Evidence = DomainReadiness["evidence"];

/** A domain that goes from `testing` to `enforce` in this run. */
export interface Promotion {
  readonly domain: string;
  readonly index: number;
  readonly modeFrom: RolloutDomain["modeFrom"];
  readonly evidence: Evidence;
  readonly notes: readonly RolloutNote[];
}

/**
 * Why a `testing` domain stays in `testing`, first match wins: not chosen for this run
 * (`not-selected`, `excluded`), held (`rollout-hold`), not proven (the verdict: `not-ready`,
 * `insufficient-evidence`), or ready but past this run's `max` (`over-max`).
 */
export type StayReasonCode = "not-selected" | "excluded" | "rollout-hold" | "not-ready" | "insufficient-evidence" | "over-max";

export interface StayInTesting {
  readonly domain: string;
  readonly index: number;
  readonly reason: { readonly code: StayReasonCode; readonly message: string };
  readonly verdict: ReadinessVerdict;
  /** The verdict's reasons (what is missing, what failed). */
  readonly verdictReasons: readonly ReadinessReason[];
  readonly evidence: Evidence;
}

/** A domain in `enforce` or `none`: never changed by a promotion. */
export interface NotInTesting {
  readonly domain: string;
  readonly index: number;
  readonly mode: Exclude<PolicyMode, "testing">;
  readonly verdict: ReadinessVerdict;
  /** In `enforce` with failures over the tolerated rate: senders refuse mail to it now. */
  readonly refusingMail: boolean;
  readonly verdictReasons: readonly ReadinessReason[];
  readonly evidence: Evidence;
}

export interface PromotionPlan {
  /** In the stack file's order. */
  readonly promote: readonly Promotion[];
  readonly stay: readonly StayInTesting[];
  readonly others: readonly NotInTesting[];
}

const NO_EVIDENCE: Evidence = { days: 0, reporters: [], successfulSessions: 0, failedSessions: 0 };

/**
 * Decide a promotion run. `readiness` holds the verdict of each domain, judged against its
 * configured policy (`aggregateReports` with `configured`); a domain without one has no evidence.
 * Check `selection` first with `selectionProblems`: names it does not know are ignored here.
 */
export function planPromotion(domains: readonly RolloutDomain[], readiness: readonly DomainReadiness[], selection: PromotionSelection = {}): PromotionPlan {
  const verdicts = new Map(readiness.map((r) => [r.domain, r]));
  const only = selection.only && selection.only.length > 0 ? new Set(selection.only) : undefined;
  const exclude = new Set(selection.exclude ?? []);
  const promote: Promotion[] = [];
  const stay: StayInTesting[] = [];
  const others: NotInTesting[] = [];

  for (const d of [...domains].sort((a, b) => a.index - b.index)) {
    const r = verdicts.get(d.domain);
    const verdict: ReadinessVerdict = r?.readiness.verdict ?? "insufficient-evidence";
    const verdictReasons = r?.readiness.reasons ?? [];
    const evidence = r?.evidence ?? NO_EVIDENCE;
    if (d.mode !== "testing") {
      others.push({ domain: d.domain, index: d.index, mode: d.mode, verdict, refusingMail: d.mode === "enforce" && verdictReasons.some((x) => x.code === "enforce-refusing-mail"), verdictReasons, evidence });
      continue;
    }
    const keep = (code: StayReasonCode, message: string) => stay.push({ domain: d.domain, index: d.index, reason: { code, message }, verdict, verdictReasons, evidence });
    const verdictWord = verdict === "ready" ? "its reports say ready" : `its verdict is ${verdict}`;
    if (only && !only.has(d.domain)) keep("not-selected", `not named by --only (${verdictWord})`);
    else if (exclude.has(d.domain)) keep("excluded", `named by --exclude (${verdictWord})`);
    else if (d.rollout === "hold") {
      const where = d.rolloutFrom === "defaults" ? "rollout: hold in mta-sts:defaults; give it rollout: auto to let promote move it" : "rollout: hold in its entry; remove it to let promote move it";
      keep("rollout-hold", `${where} (${verdictWord})`);
    } else if (verdict !== "ready") keep(verdict, verdictSummary(verdict, verdictReasons));
    else if (selection.max !== undefined && promote.length >= selection.max) {
      keep("over-max", `ready, but --max ${selection.max} promotions per run were made already; the next run promotes it`);
    } else promote.push({ domain: d.domain, index: d.index, modeFrom: d.modeFrom, evidence, notes: promotionNotes(d) });
  }
  return { promote, stay, others };
}

/** `not-ready: certificate-expired: 2 failed sessions ...; ...`, the reasons in the verdict's order. */
function verdictSummary(verdict: ReadinessVerdict, reasons: readonly ReadinessReason[]): string {
  if (reasons.length === 0) return verdict;
  return reasons.map((r) => r.message).join("; ");
}

/** RFC 8461 §3.2: in enforce, a max_age of weeks, so a downgrade attacker cannot outwait the cached policy. */
function promotionNotes(d: RolloutDomain): RolloutNote[] {
  if (d.maxAgeSeconds >= ENFORCE_ADVISED_MAX_AGE) return [];
  const origin = d.maxAgeFrom === "default" ? ", the default" : d.maxAgeFrom === "defaults" ? ", from mta-sts:defaults" : "";
  return [
    {
      code: "short-max-age",
      message:
        `max_age is ${d.maxAgeSeconds} s (${shortDuration(d.maxAgeSeconds)}${origin}), under 14 days; once enforce has held, raise policy.maxAgeSeconds to ${ENFORCE_ADVISED_MAX_AGE} (14 days) or more ` +
        "(RFC 8461 §3.2 suggests weeks, so an attacker who blocks the policy fetch cannot outwait it)",
    },
  ];
}

/** `604800` → `7 days`, `86400` → `1 day`, `5400` → `1.5 hours`: a max_age under 14 days, for people. */
function shortDuration(seconds: number): string {
  const [size, unit] = seconds >= 86400 ? [86400, "day"] : seconds >= 3600 ? [3600, "hour"] : [60, "minute"];
  // Rounded down: 1209599 s is "13.9 days", never "14 days", under a 14-day advice.
  const n = Math.floor((seconds / size) * 10) / 10;
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * What is wrong with `only` and `exclude`: a name that is not a domain of the stack (a typo would
 * otherwise silently promote nothing, or the wrong domain), or a domain named by both.
 * Names must already be A-labels.
 */
export function selectionProblems(domains: readonly RolloutDomain[], selection: PromotionSelection): string[] {
  const known = new Set(domains.map((d) => d.domain));
  const problems: string[] = [];
  for (const [flag, names] of [["--only", selection.only ?? []], ["--exclude", selection.exclude ?? []]] as const) {
    for (const name of names) if (!known.has(name)) problems.push(`${flag} ${name} is not a domain of the stack config; name a domain listed in mta-sts:domains`);
  }
  const excluded = new Set(selection.exclude ?? []);
  for (const name of selection.only ?? []) if (excluded.has(name) && known.has(name)) problems.push(`${name} is named by both --only and --exclude; name it once`);
  if (selection.max !== undefined && (!Number.isInteger(selection.max) || selection.max < 1)) problems.push(`--max ${selection.max} must be a whole number from 1`);
  return problems;
}

/** A domain that goes from `enforce` back to `testing`. */
export interface Demotion {
  readonly domain: string;
  readonly index: number;
  readonly modeFrom: RolloutDomain["modeFrom"];
}

export interface DemotionPlan {
  readonly demote: readonly Demotion[];
  /** Named but not in `enforce`: already `testing` (nothing to do) or `none` (being retired, left alone). */
  readonly unchanged: readonly { readonly domain: string; readonly index: number; readonly mode: Exclude<PolicyMode, "enforce">; readonly message: string }[];
  /** Names that are no domain of the stack. */
  readonly unknown: readonly string[];
}

/**
 * Return the named domains to `testing`, for when mail to them is being refused: senders then
 * deliver again while the failures are fixed, and keep reporting them (RFC 8461 §5). A domain in
 * `none` is being retired and stays so. Names must already be A-labels.
 */
export function planDemotion(domains: readonly RolloutDomain[], names: readonly string[]): DemotionPlan {
  const byName = new Map(domains.map((d) => [d.domain, d]));
  const demote: Demotion[] = [];
  const unchanged: DemotionPlan["unchanged"][number][] = [];
  const unknown: string[] = [];
  for (const name of [...new Set(names)]) {
    const d = byName.get(name);
    if (!d) unknown.push(name);
    else if (d.mode === "enforce") demote.push({ domain: d.domain, index: d.index, modeFrom: d.modeFrom });
    else if (d.mode === "testing") unchanged.push({ domain: d.domain, index: d.index, mode: d.mode, message: "already in testing; nothing to change" });
    else unchanged.push({ domain: d.domain, index: d.index, mode: d.mode, message: "is in mode none (being retired); demote moves enforce to testing only, so it is left alone" });
  }
  demote.sort((a, b) => a.index - b.index);
  return { demote, unchanged, unknown };
}
