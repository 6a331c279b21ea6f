/**
 * `npm run bench`: what the offline plan costs as a stack grows. For 10, 100 and 1000 generated
 * domains of each host kind: resources per domain, wall time and peak memory of the plan, and the
 * same for two bare loops under the same mock engine, run as lean as the plan (cli/lean-sdk.ts):
 *
 * - floor: a bare loop declaring exactly the plan's resources, replayed (same provider classes,
 *   same inputs, as many resources) with no components' logic, wiring or validation. Plan ÷ floor
 *   is what this project's code adds per resource;
 * - 1-input: a bare loop declaring as many resources of one input each: what the SDK itself costs
 *   per resource when a resource has almost no properties (a CloudFront distribution has about
 *   40, each an Output with its own promises), for scale.
 *
 * Every sample is its own process running the compiled JavaScript (as the published `mta-sts`
 * command does), so TypeScript compilation is not timed. Each figure is the median of
 * BENCH_RUNS rounds (default 3), each round running the plan and both floors back to back, so a
 * ratio compares runs made at the same moment of a shared machine. The marginal cost per
 * resource, between the two largest sizes, leaves out what every run pays once (starting Node,
 * loading the SDKs).
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

function once(args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const out = execFileSync(process.execPath, [path.join(build, "bench", "plan-child.js"), ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...env, NODE_OPTIONS: "--max-old-space-size=8192" },
  });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Medians of each figure over the runs. */
function summary(samples: Sample[]): Sample {
  return { resources: samples[0].resources, wallMs: median(samples.map((s) => s.wallMs)), peakRssMiB: median(samples.map((s) => s.peakRssMiB)) };
}

/**
 * BENCH_RUNS rounds of plan, floor and 1-input, one after the other within each round, so the
 * three see the same moment of a shared machine; the ratios are medians of each round's ratio.
 */
function measure(host: string, count: number, capture: string): Row {
  const rounds = Array.from({ length: runs }, () => {
    const plan = once(["plan", String(count), host], { BENCH_CAPTURE: capture });
    return { plan, replay: once(["floor", capture]), plain: once(["one-input", String(plan.resources)]) };
  });
  return {
    host,
    count,
    plan: summary(rounds.map((r) => r.plan)),
    replay: summary(rounds.map((r) => r.replay)),
    plain: summary(rounds.map((r) => r.plain)),
    planPerFloor: median(rounds.map((r) => r.plan.wallMs / r.replay.wallMs)),
    planPerOneInput: median(rounds.map((r) => r.plan.wallMs / r.plain.wallMs)),
  };
}

interface Row {
  host: string;
  count: number;
  plan: Sample;
  plain: Sample;
  replay: Sample;
  planPerFloor: number;
  planPerOneInput: number;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const scratch = mkdtempSync(path.join(os.tmpdir(), "mta-sts-bench-"));
try {
  compile();
  console.log(`# offline plan benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, median of ${runs} rounds`);
  console.log("host               domains  resources  res/domain   plan s  peak MiB   floor s  floor MiB  1-input s  1-input MiB  plan/floor  plan/1-input");
  const rows: Row[] = [];
  for (const host of modes) {
    for (const count of sizes) {
      const capture = path.join(scratch, `${host}-${count}.json`);
      const row = measure(host, count, capture);
      const { plan, replay, plain } = row;
      rows.push(row);
      console.log(
        [
          host.padEnd(18),
          String(count).padStart(7),
          String(plan.resources).padStart(10),
          (plan.resources / count).toFixed(1).padStart(10),
          seconds(plan.wallMs).padStart(8),
          plan.peakRssMiB.toFixed(0).padStart(9),
          seconds(replay.wallMs).padStart(9),
          replay.peakRssMiB.toFixed(0).padStart(10),
          seconds(plain.wallMs).padStart(10),
          plain.peakRssMiB.toFixed(0).padStart(12),
          row.planPerFloor.toFixed(2).padStart(11),
          row.planPerOneInput.toFixed(2).padStart(13),
        ].join(" "),
      );
    }
  }
  if (sizes.length >= 2) {
    const [small, large] = [...sizes].sort((a, b) => a - b).slice(-2);
    console.log(`\n# marginal cost per resource, ${small} → ${large} domains, from the medians (what one more resource costs, without start-up)`);
    console.log("host               plan ms/res  floor ms/res  1-input ms/res  plan/floor  plan/1-input");
    for (const host of modes) {
      const a = rows.find((r) => r.host === host && r.count === small)!;
      const b = rows.find((r) => r.host === host && r.count === large)!;
      const added = b.plan.resources - a.plan.resources;
      const per = (pick: (r: Row) => Sample) => (pick(b).wallMs - pick(a).wallMs) / added;
      const [plan, replay, plain] = [per((r) => r.plan), per((r) => r.replay), per((r) => r.plain)];
      console.log(
        [host.padEnd(18), plan.toFixed(3).padStart(11), replay.toFixed(3).padStart(13), plain.toFixed(3).padStart(15), (plan / replay).toFixed(2).padStart(11), (plan / plain).toFixed(2).padStart(13)].join(" "),
      );
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
