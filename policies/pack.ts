/**
 * The CrossGuard wiring of the rules in ./rules: one `@pulumi/policy` policy per rule, with its
 * default enforcement level and config schema, so a config file can set each to mandatory,
 * advisory or disabled. Kept apart from index.ts (which starts the policy server) so tests can
 * call the policies with arguments shaped like the engine's.
 */
import { Policies, PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { Outcome, Rule, RuleResource, RULES, UNKNOWN } from "./rules";

/**
 * A deep plain copy of props as the runtime hands them over, with each value that is unknown at
 * preview (the runtime's proxy throws `UnknownValueError` when it is read) replaced by `UNKNOWN`.
 */
export function plainProps(value: unknown): any {
  if (value === null || typeof value !== "object") return value;
  const read = (key: string | number): unknown => {
    try {
      return plainProps((value as any)[key]);
    } catch (err) {
      if (err instanceof UnknownValueError) return UNKNOWN;
      throw err;
    }
  };
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => read(i));
  return Object.fromEntries(Object.keys(value).map((key) => [key, read(key)]));
}

/** The stack's resources as the rules see them: same graph, plain props. */
export function toRuleResources(resources: readonly PolicyResource[]): RuleResource[] {
  type Mutable = { -readonly [K in keyof RuleResource]: RuleResource[K] };
  const byUrn = new Map<string, Mutable>();
  for (const r of resources) byUrn.set(r.urn, { type: r.type, name: r.name, urn: r.urn, props: plainProps(r.props) ?? {} });
  const find = (list: readonly PolicyResource[] | undefined): RuleResource[] => (list ?? []).map((d) => byUrn.get(d.urn)).filter((d): d is Mutable => d !== undefined);
  for (const r of resources) {
    const out = byUrn.get(r.urn)!;
    if (r.parent) out.parent = byUrn.get(r.parent.urn);
    out.dependencies = find(r.dependencies);
    out.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([key, list]) => [key, find(list)]));
  }
  return [...byUrn.values()];
}

/**
 * Report an outcome: violations at the policy's level; then, when a check needed a value that is
 * unknown at preview, Pulumi's own "can't run policy ... during preview" advisory with the reasons
 * (raised by throwing `UnknownValueError`, which the policy runtime turns into that advisory).
 * The same check runs again at `pulumi up` with the values known.
 */
export function reportOutcome(result: Outcome, reportViolation: ReportViolation): void {
  for (const violation of result.violations) reportViolation(violation.message, violation.urn);
  if (result.undecidable.length > 0) {
    // The runtime exports the class but its declaration is internal: build one without its
    // constructor (which wants an unknown sentinel) and give it the reasons as its message.
    const error = Object.create(UnknownValueError.prototype) as Error;
    throw Object.assign(error, { name: "UnknownValueError", message: result.undecidable.map((u) => u.reason).join("; ") });
  }
}

function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
  const base = {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...(rule.config ? { configSchema: { properties: rule.config } } : {}),
  };
  const config = (getConfig: () => object) => ({ ...Object.fromEntries(Object.entries(rule.config ?? {}).map(([k, p]) => [k, p.default])), ...(getConfig() as Record<string, unknown>) });
  if (rule.kind === "resource") {
    return {
      ...base,
      validateResource: (args, reportViolation) => {
        const resource: RuleResource = { type: args.type, name: args.name, urn: args.urn, props: plainProps(args.props) ?? {} };
        reportOutcome(rule.check(resource, config(() => args.getConfig())), reportViolation);
      },
    };
  }
  return {
    ...base,
    validateStack: (args, reportViolation) => {
      reportOutcome(rule.check(toRuleResources(args.resources), config(() => args.getConfig())), reportViolation);
    },
  };
}

/** The policies of the pack, one per rule. */
export const policies: Policies = RULES.map(toPolicy);
