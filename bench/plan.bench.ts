/**
 * `npm run bench`: what the offline plan costs as a stack grows. For 10, 100 and 1000 generated
 * domains of each host kind: resources per domain, wall time and peak memory of the plan, and the
 * same for two floors under the same mock engine: a bare loop declaring as many plain resources,
 * and a bare loop replaying exactly the plan's resources (same provider classes, same inputs, no
 * components or dependencies). Plan ÷ replay is what our code adds.
 * Figures only; nothing here asserts a time (machines are shared and noisy).
 * `BENCH_SIZES=10,100` limits the sizes.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BENCH_MODES } from "./generate-stack";

interface Sample {
  mode: string;
  count: number;
  host?: string;
  resources: number;
  wallMs: number;
  peakRssMiB: number;
}

function sample(args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const child = path.join(__dirname, "plan-child.ts");
  const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", child, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env, NODE_OPTIONS: "--max-old-space-size=8192" },
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const sizes = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map(Number);
const scratch = mkdtempSync(path.join(os.tmpdir(), "mta-sts-bench-"));
const seconds = (ms: number) => (ms / 1000).toFixed(2);
console.log(`# offline plan benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`);
console.log("host               domains  resources  res/domain   plan s  peak MiB  plain-floor s  replay s  replay MiB  plan/plain  plan/replay");
try {
  for (const host of BENCH_MODES) {
    for (const count of sizes) {
      const capture = path.join(scratch, `${host}-${count}.json`);
      const plan = sample(["plan", String(count), host], { BENCH_CAPTURE: capture });
      const plain = sample(["floor", String(plan.resources)]);
      const replay = sample(["replay", capture]);
      const row = [
        host.padEnd(18),
        String(count).padStart(7),
        String(plan.resources).padStart(10),
        (plan.resources / count).toFixed(1).padStart(10),
        seconds(plan.wallMs).padStart(8),
        plan.peakRssMiB.toFixed(0).padStart(9),
        seconds(plain.wallMs).padStart(14),
        seconds(replay.wallMs).padStart(9),
        replay.peakRssMiB.toFixed(0).padStart(11),
        (plan.wallMs / plain.wallMs).toFixed(2).padStart(11),
        (plan.wallMs / replay.wallMs).toFixed(2).padStart(12),
      ];
      console.log(row.join(" "));
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
