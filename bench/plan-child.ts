/**
 * One benchmark sample, in its own process (Pulumi's runtime is a per-process singleton): plan N
 * generated domains of one host kind under the mock engine, or, with `floor`, declare the same
 * number of plain resources in a bare loop under the same engine. Prints one JSON line.
 */
import * as pulumi from "@pulumi/pulumi";
import { HostKind } from "../components/stack/stack-config";
import { generateStack } from "./generate-stack";

/** The cheapest resource the SDK can declare: a custom resource with one input. */
class Plain extends pulumi.CustomResource {
  constructor(name: string, value: string) {
    super("bench:index:Plain", name, { value });
  }
}

async function floor(resources: number): Promise<number> {
  await pulumi.runtime.setMocks({ newResource: (a) => ({ id: `${a.name}-id`, state: a.inputs }), call: () => ({}) }, "bench", "bench", false);
  for (let i = 0; i < resources; i++) new Plain(`plain-${i}`, `v${i}`);
  await pulumi.runtime.disconnect();
  return resources;
}

async function main(): Promise<void> {
  const [mode, countText, host] = process.argv.slice(2);
  const count = Number(countText);
  const started = process.hrtime.bigint();
  let resources: number;
  if (mode === "floor") {
    resources = await floor(count);
  } else {
    const { runProgramOffline } = await import("../cli/plan-engine");
    const run = await runProgramOffline(generateStack(count, host as HostKind));
    resources = run.resources.length;
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ mode, count, host, resources, wallMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 }) + "\n");
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + "\n");
  process.exit(2);
});
