/**
 * `npm run bench` (reports): what `mta-sts reports` costs on a year of reports. For 20,000 and
 * 100,000 generated `.json.gz` reports (300 domains, 3 reporters a day each, as many days as that
 * makes), the wall time, CPU time and peak memory of `mta-sts reports DIR --json`, against a floor
 * measured in the same round: a bare loop that only lists the directory and reads, gunzips and
 * JSON-parses the same files, the way the verb reads them. Every sample is its own process running
 * the compiled JavaScript (as the published `mta-sts` command does), timed from the start of the
 * process, so the verb's time and memory include loading its modules. Each figure is the median
 * of BENCH_RUNS rounds (default 3); a round runs the verb and the floor back to back, and the
 * ratios are the medians of each round's ratio. Goal: at most 1.5x the floor, under 300 MiB at
 * 100,000. `BENCH_REPORTS=20000` changes the sizes. Figures only; nothing here asserts a time.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { gzipSync } from "node:zlib";

interface Sample {
  reports: number;
  wallMs: number;
  cpuMs: number;
  peakRssMiB: number;
}

const runs = Number(process.env.BENCH_RUNS ?? 3);
const sizes = (process.env.BENCH_REPORTS ?? "20000,100000").split(",").map(Number);
const ORGS = ["Google Inc.", "Microsoft Corporation", "Mail.ru"];
const DOMAINS = 300;

/** Report i: domain i % 300, reporter (i / 300) % 3, day i / 900; one failure in every 500. */
function report(i: number): Buffer {
  const domain = `d${i % DOMAINS}.example`;
  const org = ORGS[Math.floor(i / DOMAINS) % ORGS.length];
  const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(i / (DOMAINS * ORGS.length)) * 86400000).toISOString().slice(0, 10);
  const failed = i % 500 === 0 ? 2 : 0;
  return gzipSync(
    JSON.stringify({
      "organization-name": org,
      "date-range": { "start-datetime": `${day}T00:00:00Z`, "end-datetime": `${day}T23:59:59Z` },
      "contact-info": "smtp-tls-reporting@reporter.example",
      "report-id": `${day}T00:00:00Z_${domain}_${i}`,
      policies: [
        {
          policy: { "policy-type": "sts", "policy-string": ["version: STSv1", "mode: testing", `mx: mx1.${domain}`, `mx: mx2.${domain}`, "max_age: 604800"], "policy-domain": domain, "mx-host": [`mx1.${domain}`, `mx2.${domain}`] },
          summary: { "total-successful-session-count": 100 + (i % 37), "total-failure-session-count": failed },
          ...(failed ? { "failure-details": [{ "result-type": "certificate-expired", "sending-mta-ip": "192.0.2.1", "receiving-mx-hostname": `mx1.${domain}`, "failed-session-count": failed }] } : {}),
        },
      ],
    }),
  );
}

// Inside node_modules so the compiled files resolve the project's dependencies.
const build = path.join(__dirname, "..", "node_modules", ".cache", "pulumi-mta-sts-reports-bench");

function compile(): void {
  rmSync(build, { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(__dirname, "tsconfig.json"), "--outDir", build], { stdio: "inherit" });
}

function once(mode: string, dir: string): Sample {
  const out = execFileSync(process.execPath, [path.join(build, "bench", "reports-child.js"), mode, dir], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(out.trim().split("\n").pop()!) as Sample;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

compile();
const scratch = mkdtempSync(path.join(os.tmpdir(), "mta-sts-reports-bench-"));
try {
  console.log(`# mta-sts reports: ${runs} rounds per size, medians; node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log("reports   domains  reports s  peak MiB  floor s  floor MiB  reports/floor  cpu: reports s  floor s  reports/floor");
  for (const size of sizes) {
    const dir = path.join(scratch, String(size));
    mkdirSync(dir);
    for (let i = 0; i < size; i++) writeFileSync(path.join(dir, `r${i}.json.gz`), report(i));
    const rounds: { verb: Sample; floor: Sample }[] = [];
    for (let r = 0; r < runs; r++) rounds.push({ verb: once("reports", dir), floor: once("floor", dir) });
    if (rounds.some((x) => x.verb.reports !== size || x.floor.reports !== size)) throw new Error(`a run did not read all ${size} reports`);
    const wall = median(rounds.map((x) => x.verb.wallMs));
    const floor = median(rounds.map((x) => x.floor.wallMs));
    const ratio = median(rounds.map((x) => x.verb.wallMs / x.floor.wallMs));
    const cpu = median(rounds.map((x) => x.verb.cpuMs));
    const floorCpu = median(rounds.map((x) => x.floor.cpuMs));
    const cpuRatio = median(rounds.map((x) => x.verb.cpuMs / x.floor.cpuMs));
    console.log(
      [
        String(size).padStart(7),
        String(DOMAINS).padStart(8),
        (wall / 1000).toFixed(2).padStart(10),
        median(rounds.map((x) => x.verb.peakRssMiB)).toFixed(0).padStart(9),
        (floor / 1000).toFixed(2).padStart(8),
        median(rounds.map((x) => x.floor.peakRssMiB)).toFixed(0).padStart(10),
        ratio.toFixed(2).padStart(14),
        (cpu / 1000).toFixed(2).padStart(15),
        (floorCpu / 1000).toFixed(2).padStart(8),
        cpuRatio.toFixed(2).padStart(14),
      ].join(" "),
    );
    // Every round, so that a reader can see the spread behind the medians.
    for (const [i, x] of rounds.entries()) {
      const s = (ms: number) => (ms / 1000).toFixed(2);
      console.log(
        `#   round ${i + 1}: reports ${s(x.verb.wallMs)} s (cpu ${s(x.verb.cpuMs)} s) ${x.verb.peakRssMiB.toFixed(0)} MiB, floor ${s(x.floor.wallMs)} s (cpu ${s(x.floor.cpuMs)} s) ${x.floor.peakRssMiB.toFixed(0)} MiB, ratio ${(x.verb.wallMs / x.floor.wallMs).toFixed(2)} (cpu ${(x.verb.cpuMs / x.floor.cpuMs).toFixed(2)})`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
