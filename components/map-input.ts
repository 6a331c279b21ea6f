/**
 * `f` applied to an Input: directly when the value is already plain, through `apply` only when it
 * is an Output or a promise. Every Output costs the SDK several promises, and most values the
 * components pass (TXT values, record names) are plain strings known at declaration; at 1000
 * domains the needless Outputs were a measurable share of the offline plan.
 */
import * as pulumi from "@pulumi/pulumi";

export function mapInput<T, U>(value: pulumi.Input<T>, f: (v: T) => U): pulumi.Input<U> {
  // `pulumi.output()` of an Output is a copy through one more `apply`: go to the Output itself.
  if (pulumi.Output.isInstance(value)) return (value as pulumi.Output<T>).apply(f);
  if (isPromiseLike(value)) return pulumi.output(value).apply((v) => f(v as T));
  return f(value as T);
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && typeof value === "object" && typeof (value as { then?: unknown }).then === "function";
}
