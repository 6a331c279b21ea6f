/**
 * What the rules see of a stack, and what they answer.
 *
 * The rules are pure functions over plain objects shaped like `@pulumi/policy`'s `PolicyResource`
 * (type, name, urn, props, parent, dependencies, propertyDependencies), so they can be unit-tested
 * without the policy runtime. `policies/index.ts` adapts the runtime's objects to this shape.
 *
 * Unknown values. During `pulumi preview`, an input computed from another resource's output
 * (a bucket id, an ARN) is not known yet. `@pulumi/policy` hands such props to validators behind a
 * proxy that throws on access; the pack's adapter replaces each with `UNKNOWN`. A rule that meets
 * `UNKNOWN` where it needs a value answers "cannot judge" (an `undecidable` entry), never a silent
 * pass: the pack turns it into Pulumi's own advisory "can't run policy ... during preview" line,
 * and the same rule runs again at `pulumi up`, when the value is known, with its configured level.
 * A value that only decides whether a rule applies at all (a record's name, a distribution's
 * aliases) being unknown makes the rule skip that resource at preview; it is judged at `pulumi up`.
 */

/** Stands for a value that is not known yet (preview). */
export const UNKNOWN: unique symbol = Symbol.for("pulumi-mta-sts.policies.unknown");
export type Unknown = typeof UNKNOWN;

export function isUnknown(value: unknown): value is Unknown {
  return value === UNKNOWN;
}

/** A resource as the rules see it: `PolicyResource` without the runtime's helper methods. */
export interface RuleResource {
  /** Pulumi type token, e.g. `aws:route53/record:Record`. */
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Inputs (resource rules) or outputs (stack rules); unknown values are `UNKNOWN`. */
  readonly props: Record<string, any>;
  readonly parent?: RuleResource;
  /** Resources this one waits for, as the engine records them. */
  readonly dependencies?: readonly RuleResource[];
  /** For each top-level input, the resources its value came from (when the engine gives them). */
  readonly propertyDependencies?: Readonly<Record<string, readonly RuleResource[]>>;
}

/** A finding that blocks (mandatory) or warns (advisory), with what to change. */
export interface Violation {
  readonly message: string;
  /** The resource at fault, for stack rules. */
  readonly urn?: string;
}

/** A check that could not be made because a value it needs is unknown (preview). */
export interface Undecidable {
  readonly reason: string;
  readonly urn?: string;
}

export interface Outcome {
  readonly violations: Violation[];
  readonly undecidable: Undecidable[];
}

export function outcome(): Outcome {
  return { violations: [], undecidable: [] };
}

/** How a resource is named in messages: `"example-com-sts-txt" (aws:route53/record:Record)`. */
export function describe(resource: RuleResource): string {
  return `"${resource.name}" (${resource.type})`;
}

/** A host name compared as DNS compares it: lowercase, no trailing dot. */
export function normaliseHost(name: string): string {
  return name.trim().toLowerCase().replace(/\.+$/, "");
}
