/**
 * The plan engine's own parts: running the SDK lean (cli/lean-sdk.ts) and noticing a program
 * that never finishes, which the SDK's switched-off leak report would otherwise have told.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { leanSdkDiagnostics } from "../../cli/lean-sdk";
import { diffPlans } from "../../cli/plan-diff";
import { PlannedResource } from "../../cli/plan-engine";
import { Plan } from "../../cli/plan-report";
import { TS_REGISTER } from "../support/ts-register";

const root = path.join(__dirname, "..", "..");

interface Debuggable {
  debuggablePromise: <T>(p: Promise<T>, ctx: string) => Promise<T>;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as Debuggable;
const resourceStatics = pulumi.Resource as unknown as { stackTrace: (skip: number) => unknown[] };

describe("leanSdkDiagnostics", () => {
  test("finds the leak bookkeeping of the SDK we ship with, switches it off, and puts it back", () => {
    const original = debuggable.debuggablePromise;
    const limit = Error.stackTraceLimit;
    const lean = leanSdkDiagnostics();
    try {
      // If this fails after an SDK upgrade, the plan still works, only slower: find the new home
      // of the SDK's promise bookkeeping (runtime/debuggable) and update lean-sdk.ts.
      expect(lean.leakBookkeeping).toBe(true);
      const p = Promise.resolve(1);
      expect(debuggable.debuggablePromise(p, "ctx")).toBe(p);
      expect(Error.stackTraceLimit).toBe(0);
      expect(new Error("x").stack).toBe("Error: x");
      expect(resourceStatics.stackTrace(0)).toEqual([]);
    } finally {
      lean.restore();
    }
    expect(debuggable.debuggablePromise).toBe(original);
    expect(Error.stackTraceLimit).toBe(limit);
    const p = Promise.resolve(1);
    const wrapped = debuggable.debuggablePromise(p, "ctx");
    expect(wrapped).not.toBe(p);
    // Positions come back: this very test file is on the stack.
    expect(JSON.stringify(resourceStatics.stackTrace(0))).toContain("plan-engine.test.ts");
    return wrapped;
  });
});

describe("a program that never finishes", () => {
  test("fails the plan with a message instead of exiting quietly with no plan", () => {
    const script = [
      `const { runProgramOffline } = require(${JSON.stringify(path.join(root, "cli", "plan-engine"))});`,
      `runProgramOffline({ domains: [] }, ${JSON.stringify(path.join(__dirname, "..", "fixtures", "plan", "stalled-program"))})`,
      `  .then(() => { console.log("finished"); process.exit(0); }, (err) => { console.error(err.message); process.exit(3); });`,
    ].join("\n");
    const result = spawnSync(process.execPath, ["-r", TS_REGISTER, "-e", script], {
      cwd: root,
      encoding: "utf8",
      env: process.env,
      timeout: 60_000,
    });
    expect(result.stdout).not.toContain("finished");
    expect(result.status).toBe(3);
    expect(result.stderr).toContain("the program never finished: 1 resource was declared");
    expect(result.stderr).toContain("a dependency cycle between resources, or a promise that never settles");
  });
});

describe("renamed resources (Pulumi aliases)", () => {
  /** The resources the fixture program declares under its old or its new names. */
  function declared(names: "old" | "new"): PlannedResource[] {
    const script = [
      `const { runProgramOffline } = require(${JSON.stringify(path.join(root, "cli", "plan-engine"))});`,
      `runProgramOffline({ domains: [] }, ${JSON.stringify(path.join(__dirname, "..", "fixtures", "plan", "aliased-program"))})`,
      `  .then((run) => { process.stdout.write(JSON.stringify(run.resources)); process.exit(0); }, (err) => { console.error(err.message); process.exit(3); });`,
    ].join("\n");
    const result = spawnSync(process.execPath, ["-r", TS_REGISTER, "-e", script], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, PROGRAM_NAMES: names },
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    return JSON.parse(result.stdout);
  }

  const asPlan = (resources: PlannedResource[]): Plan =>
    ({ kind: "mta-sts-offline-plan", version: 1, notice: "", stack: "s", warnings: [], domains: [], resources, edges: [] }) as Plan;

  test("the plan records the old URNs a resource names as aliases, its own and those its parent's aliases imply", () => {
    const before = declared("old");
    const after = declared("new");
    const oldUrn = (name: string) => before.find((r) => r.name === name)!.urn;
    expect(after.find((r) => r.name === "example.com")!.aliases).toEqual([oldUrn("example-com")]);
    expect(after.find((r) => r.name === "example.com-policy")!.aliases).toContain(oldUrn("example-com-policy"));
    expect(after.find((r) => r.name === "example.com-unaliased")!.aliases).not.toContain(oldUrn("example-com-unaliased"));

    // So a rename with aliases is no change at all, and one without is a delete and a create.
    const diff = diffPlans(asPlan(before), asPlan(after));
    expect(diff.resources.map((r) => `${r.change} ${r.name}`)).toEqual(["delete example-com-unaliased", "create example.com-unaliased"]);
  });
});
