/**
 * The enforce guard as both components use it: look up the domain's live MX hosts and compare
 * them with the mx patterns parsed back from the bytes that will be served (not the config).
 * The returned Output is what the policy content and the `_mta-sts` value wait for: it rejects,
 * failing `pulumi preview`/`up` before the policy or the id change, when `enforce` leaves a live
 * MX host uncovered; in `testing` it warns on the component. With the guard off there is nothing
 * to wait for: no Output at all, so the values stay plain (`afterGuard`).
 */
import * as pulumi from "@pulumi/pulumi";
import { MtaStsConfigError } from "../model/config";
import { parsePolicy } from "../model/policy";
import { RenderedMailDomain } from "../model/rendered";
import { checkMxCoverage, dnsMxResolver, MxCoverage } from "./mx-guard";

export interface LiveMxGuardArgs {
  /** Off: no lookup, resolves at once. Defaults to true. */
  verifyLiveMx?: boolean;
  /** DNS server as an IP address with an optional port. Defaults to the system's resolvers. */
  dnsResolver?: string;
}

/** The guard's verdict to wait for, or undefined when the guard is off. */
export type LiveMxGuard = pulumi.Output<MxCoverage> | undefined;

export function guardLiveMx(component: pulumi.Resource, rendered: RenderedMailDomain, args: LiveMxGuardArgs): LiveMxGuard {
  if (args.verifyLiveMx === false) return undefined;
  const served = parsePolicy(rendered.policyText);
  if (!served.ok) throw new Error(`internal error: the rendered policy does not parse: ${served.error.message}`);
  const resolveMx = dnsMxResolver(args.dnsResolver !== undefined ? { server: args.dnsResolver } : {});
  const verdict = checkMxCoverage({ domain: rendered.domain, mode: served.value.mode, mx: served.value.mx }, resolveMx).then((coverage) => {
    // The same error type as config errors, so the program and the CLI report it the same way.
    if (coverage.level === "error") throw new MtaStsConfigError([{ path: "policy.mx", message: coverage.message }]);
    if (coverage.level === "warning") pulumi.log.warn(`policy.mx: ${coverage.message}`, component);
    return coverage;
  });
  return pulumi.output(verdict);
}

/** `value` once the guard has passed; the plain value when the guard is off. */
export function afterGuard<T>(guard: LiveMxGuard, value: T): pulumi.Input<T> {
  return guard === undefined ? value : guard.apply(() => value);
}

/**
 * `value` once the guard has passed and `upstream` (a resource output the value must wait for,
 * such as the policy object's ETag) is known: how the `_mta-sts` value is derived from what
 * serves the policy (docs/invariants.md: publish before announce).
 */
export function afterGuardAnd<T>(guard: LiveMxGuard, upstream: pulumi.Output<unknown>, value: T): pulumi.Output<T> {
  return (guard === undefined ? upstream : pulumi.all([guard, upstream])).apply(() => value);
}
