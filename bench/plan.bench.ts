/**
 * `npm run bench`: what the offline plan costs as a stack grows. For 10, 100 and 1000 generated
 * domains of each host kind: resources per domain, wall time and peak memory of the plan, and the
 * same for a bare loop declaring as many plain resources under the same mock engine (the floor).
 * Figures only; nothing here asserts a time (machines are shared and noisy).
 * `BENCH_SIZES=10,100` limits the sizes.
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { HOST_KINDS } from "../components/stack/stack-config";

interface Sample {
  mode: string;
  count: number;
  host?: string;
  resources: number;
  wallMs: number;
  peakRssMiB: number;
}

function sample(args: string[]): Sample {
  const child = path.join(__dirname, "plan-child.ts");
  const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", child, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_OPTIONS: "--max-old-space-size=8192" },
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const sizes = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map(Number);
console.log(`# offline plan benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log("host               domains  resources  res/domain   plan s  peak MiB   floor s  floor MiB  time/floor  ms/resource");
for (const host of HOST_KINDS) {
  for (const count of sizes) {
    const plan = sample(["plan", String(count), host]);
    const floor = sample(["floor", String(plan.resources)]);
    const row = [
      host.padEnd(18),
      String(count).padStart(7),
      String(plan.resources).padStart(10),
      (plan.resources / count).toFixed(1).padStart(10),
      (plan.wallMs / 1000).toFixed(2).padStart(8),
      plan.peakRssMiB.toFixed(0).padStart(9),
      (floor.wallMs / 1000).toFixed(2).padStart(9),
      floor.peakRssMiB.toFixed(0).padStart(10),
      (plan.wallMs / floor.wallMs).toFixed(2).padStart(11),
      (plan.wallMs / plan.resources).toFixed(2).padStart(12),
    ];
    console.log(row.join(" "));
  }
}
