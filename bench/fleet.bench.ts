/**
 * `npm run bench:fleet` (root, Linux): what `mta-sts check --stack` costs as a fleet grows. For
 * 200 and 1,000 domains of the fleet lab (test/e2e/lab/fleet-lab.ts: dnsmasq, nginx and aiosmtpd
 * MX hosts with STARTTLS in a network namespace), at `--concurrency` 16 and 64: the wall time of
 * the whole command (Node's start included) and its peak memory, next to the floor, a bare loop
 * making the same DNS questions, HTTPS fetches and SMTP STARTTLS handshakes at the same
 * concurrency with none of the checker's parsing, judging or reporting (bench/fleet-floor.ts).
 *
 * Linear growth would take 5× the time from 200 to 1,000 domains: the table prints the growth
 * divided by 5 (1.00 is linear, below is better), and the cost of one more domain.
 *
 * The stack file is written by `mta-sts init` on the lab (its time is printed too), then the lab
 * publishes what the file renders, so every domain passes: a failure in the run is printed,
 * because it would make the figure wrong. Every sample is its own process running the compiled
 * JavaScript, as the published `mta-sts` runs; each figure is the median of BENCH_RUNS rounds
 * (default 3), each round running check and floor back to back. Figures only, no asserts.
 * `BENCH_SIZES=200,1000`, `BENCH_CONCURRENCY=16,64` choose what runs.
 */
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadRenderedDomains } from "../cli/config-file";
import { FLEET_ADDRESS, FleetLab } from "../test/e2e/lab/fleet-lab";
import { fleetScenario } from "../test/e2e/lab/fleet-scenario";

const root = path.join(__dirname, "..");
// Inside node_modules so the compiled files resolve the project's dependencies.
const build = path.join(root, "node_modules", ".cache", "pulumi-mta-sts-bench-fleet");
const runs = Number(process.env.BENCH_RUNS ?? 3);
const sizes = (process.env.BENCH_SIZES ?? "200,1000").split(",").map(Number);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? "16,64").split(",").map(Number);

interface Sample {
  wallMs: number;
  peakMiB: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const summary = (samples: Sample[]): Sample => ({ wallMs: median(samples.map((s) => s.wallMs)), peakMiB: median(samples.map((s) => s.peakMiB)) });

/** Run the compiled `script` with `args` in the lab's namespace; wall time and peak memory. */
function sample(lab: FleetLab, script: string, args: string[], check?: (stdout: string) => string | undefined): Sample {
  const started = process.hrtime.bigint();
  const result = lab.exec(process.execPath, ["-r", path.join(build, "bench", "peak-rss.js"), path.join(build, script), ...args], { timeoutMs: 900_000 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const peak = /PEAK_RSS_KIB=(\d+)/.exec(result.stderr);
  if (!peak) throw new Error(`${script} ${args.join(" ")} exited ${result.code} without its figures:\n${result.stderr.slice(0, 2000)}`);
  const problem = check?.(result.stdout);
  if (problem) process.stdout.write(`  (!) ${problem}\n`);
  return { wallMs, peakMiB: Number(peak[1]) / 1024 };
}

function compile(): void {
  rmSync(build, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(__dirname, "tsconfig.json"), "--outDir", build], { stdio: "inherit" });
}

async function measure(size: number): Promise<{ size: number; initMs: number; rows: { concurrency: number; check: Sample; floor: Sample }[] }> {
  const scenario = fleetScenario(size, { cases: false });
  const lab = new FleetLab();
  try {
    await lab.start(scenario.certificates);
    await lab.publish(scenario.before);
    const list = path.join(lab.dir, "domains.txt");
    const stack = path.join(lab.dir, "Pulumi.fleet.yaml");
    writeFileSync(list, scenario.domains.join("\n") + "\n");
    const init = sample(lab, "cli/main.js", ["init", "--domains-file", list, "--resolver", FLEET_ADDRESS.resolver, "--ca-file", lab.ca.caPath, "--rua", "mailto:tlsrpt@fleet.test", "--shared-aws-host", "--out", stack]);
    await lab.publish(scenario.deployed(loadRenderedDomains(stack)));
    const domainsFile = path.join(lab.dir, "domains.json");
    writeFileSync(domainsFile, JSON.stringify(scenario.domains));
    const verdict = (stdout: string) => (/\nOK: 0 of \d+ domain\(s\) failed/.test(stdout) ? undefined : `check did not pass every domain: ${stdout.trimEnd().split("\n").pop()}`);
    const rounds = Array.from({ length: runs }, () =>
      concurrencies.map((concurrency) => ({
        concurrency,
        check: sample(lab, "cli/main.js", ["check", "--stack", stack, "--resolver", FLEET_ADDRESS.resolver, "--ca-file", lab.ca.caPath, "--concurrency", String(concurrency)], verdict),
        floor: sample(lab, "bench/fleet-floor.js", [domainsFile, String(concurrency), lab.ca.caPath]),
      })),
    );
    return {
      size,
      initMs: init.wallMs,
      rows: concurrencies.map((concurrency, i) => ({ concurrency, check: summary(rounds.map((r) => r[i].check)), floor: summary(rounds.map((r) => r[i].floor)) })),
    };
  } finally {
    lab.stop();
  }
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench:fleet runs the fleet lab, which needs root (network namespaces); run it as root");
  compile();
  console.log(`# fleet check benchmark on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, load ${os.loadavg()[0].toFixed(1)}, median of ${runs} rounds`);
  console.log("domains  concurrency  check s  check MiB  floor s  floor MiB  check/floor");
  const results = [];
  for (const size of sizes) {
    const result = await measure(size);
    results.push(result);
    for (const { concurrency, check, floor } of result.rows) {
      console.log([String(size).padStart(7), String(concurrency).padStart(12), (check.wallMs / 1000).toFixed(1).padStart(8), check.peakMiB.toFixed(0).padStart(10), (floor.wallMs / 1000).toFixed(1).padStart(8), floor.peakMiB.toFixed(0).padStart(10), (check.wallMs / floor.wallMs).toFixed(2).padStart(12)].join(" "));
    }
    console.log(`        (init of the ${size} domains, concurrency 16: ${(result.initMs / 1000).toFixed(1)} s)`);
  }
  if (results.length >= 2) {
    const [small, large] = [...results].sort((a, b) => a.size - b.size).slice(-2);
    const factor = large.size / small.size;
    console.log(`\n# growth from ${small.size} to ${large.size} domains (${factor}× the domains), divided by ${factor}: 1.00 is linear, below it better`);
    console.log("concurrency  check time  check memory  floor time  check ms/domain  floor ms/domain");
    for (const concurrency of concurrencies) {
      const a = small.rows.find((r) => r.concurrency === concurrency)!;
      const b = large.rows.find((r) => r.concurrency === concurrency)!;
      const per = (x: Sample, y: Sample) => ((y.wallMs - x.wallMs) / (large.size - small.size)).toFixed(1);
      console.log([String(concurrency).padStart(11), (b.check.wallMs / a.check.wallMs / factor).toFixed(2).padStart(11), (b.check.peakMiB / a.check.peakMiB / factor).toFixed(2).padStart(13), (b.floor.wallMs / a.floor.wallMs / factor).toFixed(2).padStart(11), per(a.check, b.check).padStart(16), per(a.floor, b.floor).padStart(16)].join(" "));
    }
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
