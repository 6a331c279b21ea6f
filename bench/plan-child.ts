/**
 * One benchmark sample, in its own process (Pulumi's runtime is a per-process singleton). Modes:
 * - `plan N host`: plan N generated domains of one host kind under the mock engine; with
 *   `BENCH_CAPTURE=<file>`, also write the declared resources (type, name, inputs) there;
 * - `floor <file>`: declare exactly the captured resources, with the providers' own classes and
 *   the same inputs, in a bare loop: no components' logic, no dependencies, no validation. What
 *   the plan costs beyond this is ours;
 * - `one-input N`: declare N resources of one input each in a bare loop under the same engine.
 * Prints one JSON line.
 */
import { readFileSync, writeFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { leanSdkDiagnostics } from "../cli/lean-sdk";
import { BenchMode, generateStack } from "./generate-stack";

/** The cheapest resource the SDK can declare: a custom resource with one input. */
class Plain extends pulumi.CustomResource {
  constructor(name: string, value: string) {
    super("bench:index:Plain", name, { value });
  }
}

async function oneInput(resources: number): Promise<number> {
  // The SDK runs as lean as in the plan, so the floor differs only in what is declared.
  leanSdkDiagnostics();
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "bench", "bench", false);
  for (let i = 0; i < resources; i++) new Plain(`plain-${i}`, `v${i}`);
  await pulumi.runtime.disconnect();
  return resources;
}

/** A component with no children of its own, as the replay declares them flat. */
class Component extends pulumi.ComponentResource {
  constructor(type: string, name: string) {
    super(type, name);
    this.registerOutputs({});
  }
}

/** The provider class for a type token: `aws:s3/bucket:Bucket` → `require("@pulumi/aws").s3.Bucket`. */
function resourceClass(type: string): new (name: string, args: unknown) => pulumi.Resource {
  const [pkg, modulePath, className] = type.split(":");
  const module = modulePath.split("/")[0];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require(`@pulumi/${pkg}`);
  const cls = module === "index" ? sdk[className] : sdk[module][className];
  if (!cls) throw new Error(`no class for ${type}`);
  return cls;
}

async function replay(file: string): Promise<number> {
  leanSdkDiagnostics();
  const resources = JSON.parse(readFileSync(file, "utf8")) as { type: string; name: string; custom: boolean; inputs: Record<string, unknown> }[];
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "bench", "bench", false);
  for (const r of resources) {
    if (!r.custom) new Component(r.type, r.name);
    else new (resourceClass(r.type))(r.name, r.inputs);
  }
  await pulumi.runtime.disconnect();
  return resources.length;
}

async function main(): Promise<void> {
  const [mode, countText, host] = process.argv.slice(2);
  const count = Number(countText);
  const started = process.hrtime.bigint();
  let resources: number;
  if (mode === "one-input") {
    resources = await oneInput(count);
  } else if (mode === "floor") {
    resources = await replay(countText);
  } else {
    const { runProgramOffline } = await import("../cli/plan-engine");
    const run = await runProgramOffline(generateStack(count, host as BenchMode));
    resources = run.resources.length;
    if (process.env.BENCH_CAPTURE) writeFileSync(process.env.BENCH_CAPTURE, JSON.stringify(run.resources));
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ mode, count, host, resources, wallMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + "\n");
  process.exit(2);
});
