/**
 * The stack config's side of a rollout (components/model/rollout.ts): each domain with where its
 * mode, `rollout` and `maxAgeSeconds` are written, the in-place edits that change modes, and the
 * check that the edited file means exactly the old one with those modes changed.
 *
 * Pure (text and parsed config in, values out); the CLI reads and writes the file.
 */
import { isDeepStrictEqual } from "node:util";
import { formatPath } from "../model/config";
import { PolicyMode } from "../model/policy";
import { FieldSource, RolloutDomain } from "../model/rollout";
import { StackFileEdit, YamlPath } from "./stack-file-edit";
import { DomainDeployment, StackConfigInput } from "./stack-config";

/** A mode to write into one domain's entry. */
export interface ModeChange {
  /** Index in `mta-sts:domains`. */
  readonly index: number;
  readonly mode: PolicyMode;
}

/**
 * Each validated domain with where its fields come from, read from the raw config the
 * validation was given (the defaults merge under each entry, so only the raw entry says whether
 * the domain wrote `policy.mode` itself).
 */
export function rolloutDomains(input: StackConfigInput, domains: readonly DomainDeployment[]): RolloutDomain[] {
  const raw = Array.isArray(input.domains) ? input.domains : [];
  const defaults = record(input.defaults);
  return domains.map((d) => {
    const entry = record(raw[d.index]);
    const source = (field: string, inPolicy: boolean): FieldSource => {
      const own = inPolicy ? record(entry.policy) : entry;
      const shared = inPolicy ? record(defaults.policy) : defaults;
      return Object.hasOwn(own, field) ? "domain" : Object.hasOwn(shared, field) ? "defaults" : "default";
    };
    const modeFrom = source("mode", true);
    return {
      domain: d.intent.domain,
      index: d.index,
      mode: d.intent.policy.mode,
      // A mode is required, so a valid domain has it in its entry or in the defaults.
      modeFrom: modeFrom === "default" ? "defaults" : modeFrom,
      rollout: d.rollout,
      rolloutFrom: source("rollout", false),
      maxAgeSeconds: d.intent.policy.maxAgeSeconds,
      maxAgeFrom: source("maxAgeSeconds", true),
    };
  });
}

/**
 * The edits that write each mode into its domain's own entry: `policy.mode` is replaced where
 * the entry has it, and inserted (with `policy:` if need be) where the domain took its mode from
 * `mta-sts:defaults`, so the defaults, and every other domain that uses them, stay as they are.
 */
export function modeEdits(domainsPath: YamlPath, changes: readonly ModeChange[]): StackFileEdit[] {
  return changes.map((c) => ({ path: [...domainsPath, c.index, "policy", "mode"], value: c.mode }));
}

/**
 * What differs between the domains of the file before and after the edit, other than the asked
 * modes: every problem as a line naming the domain. Empty when the new file means the old one
 * with exactly those modes changed (the same domains, in the same order, with the same
 * deployment, mx, max_age, TLS-RPT and rollout).
 */
export function modeChangeProblems(before: readonly DomainDeployment[], after: readonly DomainDeployment[], changes: readonly ModeChange[]): string[] {
  const wanted = new Map(changes.map((c) => [c.index, c.mode]));
  const problems: string[] = [];
  if (before.length !== after.length) return [`the edited file has ${after.length} domains instead of ${before.length}`];
  before.forEach((old, i) => {
    const now = after[i];
    const at = formatPath(["domains", old.index]);
    if (now.index !== old.index || now.intent.domain !== old.intent.domain) {
      problems.push(`${at}: ${old.intent.domain} became ${now.intent.domain} in the edited file`);
      return;
    }
    const mode = wanted.get(old.index) ?? old.intent.policy.mode;
    if (now.intent.policy.mode !== mode) problems.push(`${at}: ${old.intent.domain} has mode ${now.intent.policy.mode} in the edited file, not ${mode}`);
    const same = { ...now, intent: { ...now.intent, policy: { ...now.intent.policy, mode: old.intent.policy.mode } } };
    if (!isDeepStrictEqual(same, old)) problems.push(`${at}: ${old.intent.domain} changed in more than its mode in the edited file`);
  });
  return problems;
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
