/**
 * `npm run bench`: what the offline plan costs as a stack grows. For 10, 100 and 1000 generated
 * domains of each host kind: resources per domain, wall time and peak memory of the plan, and the
 * same for two floors under the same mock engine, run as lean as the plan (cli/lean-sdk.ts):
 *
 * - replay: a bare loop declaring exactly the plan's resources (same provider classes, same
 *   inputs, as many resources) with no components' logic, dependencies or validation. Plan ÷
 *   replay is what this project's code adds per resource: the ratio the issue's 1.3× is about;
 * - plain: a bare loop declaring as many one-input resources: what the SDK costs per resource
 *   when a resource has almost no properties.
 *
 * Every sample is its own process running the compiled JavaScript (as the published `mta-sts`
 * command does), so TypeScript compilation is not timed; each figure is the median of
 * BENCH_RUNS samples (default 3). The marginal cost per resource, between the two largest sizes,
 * leaves out what every run pays once (starting Node, loading the SDKs).
 * Figures only; nothing here asserts a time (machines are shared and noisy).
 * `BENCH_SIZES=10,100` limits the sizes, `BENCH_MODES=aws-shared` the host kinds.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BENCH_MODES } from "./generate-stack";

interface Sample {
  resources: number;
  wallMs: number;
  peakRssMiB: number;
}

const root = path.join(__dirname, "..");
// Inside node_modules so the compiled files resolve the project's dependencies.
const build = path.join(root, "node_modules", ".cache", "pulumi-mta-sts-bench");
const runs = Number(process.env.BENCH_RUNS ?? 3);
const sizes = (process.env.BENCH_SIZES ?? "10,100,1000").split(",").map(Number);
const modes = process.env.BENCH_MODES ? process.env.BENCH_MODES.split(",") : [...BENCH_MODES];

function compile(): void {
  rmSync(build, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(__dirname, "tsconfig.json"), "--outDir", build], { stdio: "inherit" });
}

function once(args: string[], env: NodeJS.ProcessEnv): Sample {
  const out = execFileSync(process.execPath, [path.join(build, "bench", "plan-child.js"), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env, NODE_OPTIONS: "--max-old-space-size=8192" },
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

/** The median sample by wall time (its memory figure is that run's own). */
function sample(args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const samples = Array.from({ length: runs }, () => once(args, env)).sort((a, b) => a.wallMs - b.wallMs);
  return samples[Math.floor((samples.length - 1) / 2)];
}

interface Row {
  host: string;
  count: number;
  plan: Sample;
  plain: Sample;
  replay: Sample;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const scratch = mkdtempSync(path.join(os.tmpdir(), "mta-sts-bench-"));
try {
  compile();
  console.log(`# offline plan benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, median of ${runs}`);
  console.log("host               domains  resources  res/domain   plan s  peak MiB  replay s  replay MiB  plain s  plan/replay  plan/plain");
  const rows: Row[] = [];
  for (const host of modes) {
    for (const count of sizes) {
      const capture = path.join(scratch, `${host}-${count}.json`);
      // The capture is written by every plan run; all runs declare the same resources.
      const plan = sample(["plan", String(count), host], { BENCH_CAPTURE: capture });
      const replay = sample(["replay", capture]);
      const plain = sample(["floor", String(plan.resources)]);
      rows.push({ host, count, plan, plain, replay });
      console.log(
        [
          host.padEnd(18),
          String(count).padStart(7),
          String(plan.resources).padStart(10),
          (plan.resources / count).toFixed(1).padStart(10),
          seconds(plan.wallMs).padStart(8),
          plan.peakRssMiB.toFixed(0).padStart(9),
          seconds(replay.wallMs).padStart(9),
          replay.peakRssMiB.toFixed(0).padStart(11),
          seconds(plain.wallMs).padStart(8),
          (plan.wallMs / replay.wallMs).toFixed(2).padStart(12),
          (plan.wallMs / plain.wallMs).toFixed(2).padStart(11),
        ].join(" "),
      );
    }
  }
  if (sizes.length >= 2) {
    const [small, large] = [...sizes].sort((a, b) => a - b).slice(-2);
    console.log(`\n# marginal cost per resource, ${small} → ${large} domains (what one more resource costs, without start-up)`);
    console.log("host               plan ms/res  replay ms/res  plain ms/res  plan/replay  plan/plain");
    for (const host of modes) {
      const a = rows.find((r) => r.host === host && r.count === small)!;
      const b = rows.find((r) => r.host === host && r.count === large)!;
      const added = b.plan.resources - a.plan.resources;
      const per = (pick: (r: Row) => Sample) => (pick(b).wallMs - pick(a).wallMs) / added;
      const [plan, replay, plain] = [per((r) => r.plan), per((r) => r.replay), per((r) => r.plain)];
      console.log(
        [host.padEnd(18), plan.toFixed(3).padStart(11), replay.toFixed(3).padStart(14), plain.toFixed(3).padStart(13), (plan / replay).toFixed(2).padStart(12), (plan / plain).toFixed(2).padStart(11)].join(" "),
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
