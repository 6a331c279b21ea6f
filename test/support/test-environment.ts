/**
 * Jest's Node environment, with one change: the two stack traces the Pulumi SDK takes on every
 * promise and every resource are formatted by V8's plain rule instead of through jest's source
 * maps.
 *
 * - The SDK records `new Error().stack` for each promise it creates (for its leak report) and a
 *   full stack for each resource (its source position). Under mocks nothing reads either; the
 *   promises' stacks are kept only when PULUMI_DEBUG_PROMISE_LEAKS asks for them.
 * - Jest remaps every frame of every stack to the TypeScript source, which made these two stacks
 *   the largest cost of a component test: about half of a shared-host test's CPU time.
 * - Every other stack (a failing assertion, an error a test expects, an error our code throws) is
 *   still remapped by jest, as before.
 */
import type { EnvironmentContext, JestEnvironmentConfig } from "@jest/environment";
import NodeEnvironment from "jest-environment-node";

const PROMISE_SITE = /[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js$/;
const RESOURCE_SITE = /[\\/]@pulumi[\\/]pulumi[\\/]resource\.js$/;
/** The SDK prints each leaked promise's stack only with PULUMI_DEBUG_PROMISE_LEAKS set (runtime/debuggable.js). */
const PROMISE_STACK_NOT_KEPT = "Error: stack not kept (set PULUMI_DEBUG_PROMISE_LEAKS=1 to keep it)";

/** Which of the SDK's bookkeeping stacks this is, by the function that takes it. */
function bookkeeping(frames: NodeJS.CallSite[]): "promise" | "resource" | undefined {
  const top = frames[0];
  if (!top) return undefined;
  const fn = top.getFunctionName();
  if (fn === "debuggablePromise" && PROMISE_SITE.test(top.getFileName() ?? "")) return "promise";
  if (fn === "callsites" && RESOURCE_SITE.test(top.getFileName() ?? "")) return "resource";
  return undefined;
}

const plain = (error: Error, frames: NodeJS.CallSite[]) => `${error.name}: ${error.message}${frames.map((frame) => `\n    at ${frame}`).join("")}`;

export default class PulumiTestEnvironment extends NodeEnvironment {
  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    // Jest's formatter is installed on this process's own Error after the environment is made,
    // so it is looked up at each call, not here.
    const outer = Error;
    const inner = this.global.Error as ErrorConstructor;
    // The test's own process.env, as the SDK in the test reads it.
    const env = (this.global.process as NodeJS.Process).env;
    inner.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
      switch (bookkeeping(frames)) {
        case "promise":
          // Read only by the SDK's report of leaked promises, and only when PULUMI_DEBUG_PROMISE_LEAKS
          // is set; otherwise one constant line, not a lazy string holding on to the call sites
          // of each of the thousands of promises a host makes (the garbage collector's work for
          // those was a third of a shared-host test's CPU time).
          return env.PULUMI_DEBUG_PROMISE_LEAKS ? { toString: () => plain(error, frames) } : PROMISE_STACK_NOT_KEPT;
        case "resource":
          // Parsed at once by the SDK for the resource's source position.
          return plain(error, frames);
        default:
          return outer.prepareStackTrace ? outer.prepareStackTrace(error, frames) : plain(error, frames);
      }
    };
  }
}
