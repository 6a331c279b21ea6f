/**
 * Runs the pack's policies (policies/pack.ts) the way `@pulumi/policy`'s server does: props behind
 * the runtime's unknown-checking proxy (unknown values as the engine's sentinels), resource
 * policies once per resource, stack policies once with every resource; an `UnknownValueError`
 * becomes a "can't run during preview" note, as the server turns it into an advisory.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, UnknownValueError, unknownCheckingProxy } from "@pulumi/policy";
import { policies } from "../../policies/pack";
import { RuleResource, UNKNOWN } from "../../policies/rules";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

export interface PackRun {
  readonly violations: { policy: string; message: string; urn?: string }[];
  readonly cannotRun: { policy: string; message: string }[];
}

/** Resources as the policy runtime hands them over: `UNKNOWN` becomes the engine's sentinel, behind the proxy. */
export function asPolicyResources(resources: readonly RuleResource[]): PolicyResource[] {
  const sentinel = (value: unknown): unknown =>
    value === UNKNOWN ? unknownStringValue : Array.isArray(value) ? value.map(sentinel) : value !== null && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sentinel(v)])) : value;
  const byUrn = new Map<string, any>();
  for (const r of resources) byUrn.set(r.urn, { type: r.type, name: r.name, urn: r.urn, props: unknownCheckingProxy(sentinel(r.props)), opts: {}, dependencies: [], propertyDependencies: {} });
  for (const r of resources) {
    const out = byUrn.get(r.urn);
    out.parent = r.parent ? byUrn.get(r.parent.urn) : undefined;
    out.dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d.urn));
    out.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, list]) => [k, list.map((d) => byUrn.get(d.urn))]));
  }
  return [...byUrn.values()];
}

/** Run every policy of the pack (or those named) over the resources, with per-policy config. */
export async function runPack(resources: readonly RuleResource[], config: Record<string, object> = {}, only?: string[]): Promise<PackRun> {
  const run: PackRun = { violations: [], cannotRun: [] };
  const stack = asPolicyResources(resources);
  for (const policy of policies) {
    if (only && !only.includes(policy.name)) continue;
    const getConfig = <T extends object>() => (config[policy.name] ?? {}) as T;
    const attempt = async (fn: () => Promise<void> | void) => {
      try {
        await fn();
      } catch (err) {
        if (err instanceof UnknownValueError) run.cannotRun.push({ policy: policy.name, message: (err as Error).message });
        else throw err;
      }
    };
    const report = (message: string, urn?: string) => run.violations.push({ policy: policy.name, message, ...(urn ? { urn } : {}) });
    if ("validateStack" in policy) {
      await attempt(() => (policy as StackValidationPolicy).validateStack({ resources: stack, getConfig, stackTags: new Map(), notApplicable: () => undefined as never }, report));
      continue;
    }
    const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
    for (const resource of stack) {
      for (const validate of validations) {
        const args = { type: resource.type, name: resource.name, urn: resource.urn, props: resource.props, opts: resource.opts, stackTags: new Map(), getConfig, isType: () => false, asType: () => undefined, notApplicable: () => undefined as never };
        await attempt(() => validate(args as any, (message) => report(message, resource.urn)));
      }
    }
  }
  return run;
}
