/**
 * Switch off, while the offline plan's program runs, the diagnostics Pulumi's SDK collects for
 * the engine and for its own leak report, none of which the plan reads. Profiled at 1000
 * shared-host domains (about 6,300 resources; the SDK makes four promises per output property of
 * each), they were most of what the plan spent beyond declaring the resources:
 *
 * - a formatted stack trace on every output promise, kept for PULUMI_DEBUG_PROMISE_LEAKS (and,
 *   under ts-node, remapped through source maps: 3× the plan time on its own);
 * - the promise leak bookkeeping itself (`debuggablePromise`): three property definitions, a Set
 *   entry and two extra chained promises per output promise: a fifth of the time and a quarter
 *   of the peak memory. The plan reports a program that never finishes itself (plan-engine.ts);
 * - each resource's source position and full stack trace, taken at unlimited depth, converted to
 *   file URLs and sent to the engine for its diagnostics. The mock engine drops them.
 *
 * The SDK's leak bookkeeping is internal; if a future SDK moves it, `lean.leakBookkeeping` is
 * false and the plan is only slower (a test pins the SDK we ship with).
 */
import * as pulumi from "@pulumi/pulumi";

export interface LeanSdk {
  /** Whether the SDK's promise leak bookkeeping was found and switched off. */
  readonly leakBookkeeping: boolean;
  /** Put everything back as it was. */
  restore(): void;
}

interface DebuggableModule {
  debuggablePromise?: <T>(p: Promise<T>, ctx: unknown) => Promise<T>;
}

interface ResourceStatics {
  stackTrace?: (skip: number) => unknown[];
}

export function leanSdkDiagnostics(): LeanSdk {
  const saved = { prepare: Error.prepareStackTrace, limit: Error.stackTraceLimit };
  // V8's own formatting, and no frames: an `Error().stack` is then just "Error".
  delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
  Error.stackTraceLimit = 0;

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule;
  const originalDebuggable = debuggable.debuggablePromise;
  const leakBookkeeping = typeof originalDebuggable === "function";
  // The SDK's modules call it through the module object, so replacing the export reaches them.
  if (leakBookkeeping) debuggable.debuggablePromise = (p) => p;

  const resource = pulumi.Resource as unknown as ResourceStatics;
  const originalStackTrace = resource.stackTrace;
  // No frames means no source position: the registration carries none, as for a resource
  // declared by a program whose frames the SDK cannot parse.
  if (typeof originalStackTrace === "function") resource.stackTrace = () => [];

  return {
    leakBookkeeping,
    restore() {
      Error.stackTraceLimit = saved.limit;
      if (saved.prepare) Error.prepareStackTrace = saved.prepare;
      if (leakBookkeeping) debuggable.debuggablePromise = originalDebuggable;
      if (typeof originalStackTrace === "function") resource.stackTrace = originalStackTrace;
    },
  };
}
