/**
 * The test environment formats the Pulumi SDK's two bookkeeping stacks by V8's plain rule (and
 * keeps the promises' stacks only when PULUMI_DEBUG_PROMISE_LEAKS asks for them), and leaves
 * every other stack to jest, which maps it to the TypeScript source.
 */
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";

const THIS_FILE = "test-environment.test.ts";

test("a stack from test code still points at the TypeScript line that made it", () => {
  const error = new Error("here");
  const line = readFileSync(__filename, "utf8").split("\n").findIndex((text) => text.includes('new Error("here")')) + 1;
  expect(error.stack).toMatch(new RegExp(`^Error: here\\n    at .*${THIS_FILE.replace(/\./g, "\\.")}:${line}:\\d+`));
});

/** The stack the SDK keeps on a promise it makes now. */
function promiseStack(): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { debuggablePromise } = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(p: Promise<T>, ctx: string) => Promise<T> };
  const promise = Promise.resolve(1) as Promise<number> & { _debugStackTrace?: unknown };
  void debuggablePromise(promise, "a test");
  return promise._debugStackTrace;
}

test("the SDK's promise stack is one constant line that says how to keep it, unless PULUMI_DEBUG_PROMISE_LEAKS is set", () => {
  const given = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  let stack: unknown;
  try {
    stack = promiseStack();
  } finally {
    if (given !== undefined) process.env.PULUMI_DEBUG_PROMISE_LEAKS = given;
  }
  expect(stack).toBe("Error: stack not kept (set PULUMI_DEBUG_PROMISE_LEAKS=1 to keep it)");
});

test("with PULUMI_DEBUG_PROMISE_LEAKS set, the SDK's promise stack is formatted only when read, and still names where the promise was made", () => {
  const given = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
  let stack: unknown;
  try {
    stack = promiseStack();
  } finally {
    if (given === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    else process.env.PULUMI_DEBUG_PROMISE_LEAKS = given;
  }
  expect(typeof stack).toBe("object");
  const text = String(stack);
  expect(text).toMatch(/^Error: \n    at debuggablePromise \(.*[\\/]@pulumi[\\/]pulumi[\\/]runtime[\\/]debuggable\.js:\d+:\d+\)/);
  expect(text).toContain(THIS_FILE);
});

test("the SDK's resource stack is a plain string it can parse: the caller's file, line and column", () => {
  const frames = (pulumi.Resource as unknown as { callsites(): { file?: string; line?: number; column?: number }[] }).callsites();
  const here = frames.find((frame) => frame.file?.endsWith(THIS_FILE));
  expect(here).toEqual({ file: expect.stringContaining(THIS_FILE), line: expect.any(Number), column: expect.any(Number) });
});

test("an error the SDK throws is still jest's, mapped like any other", () => {
  let stack = "";
  try {
    new pulumi.ComponentResource("t:index:T", "", {});
  } catch (error) {
    stack = (error as Error).stack ?? "";
  }
  expect(stack).toMatch(/^Error: Missing resource name argument/);
  expect(stack).toContain(THIS_FILE);
});
