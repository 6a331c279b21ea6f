/**
 * One reports benchmark sample, in its own process so its peak memory is its own. Modes:
 * - `reports DIR`: `mta-sts reports DIR --json`, the verb itself (readers, parsing, counting,
 *   verdict, JSON output);
 * - `floor DIR`: a bare loop that only reads, gunzips and JSON-parses every file of DIR, listing
 *   the directory and reading each file the way the verb does (synchronously, in one read).
 * Both are timed from the start of the process to the end of the work, as a user waiting for the
 * command sees it: the floor loads no module of this project, the verb loads what `mta-sts
 * reports` loads (counted in its time and memory). Prints one JSON line: reports read, wall ms,
 * CPU ms (user + system), peak RSS MiB.
 */
import { opendirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { gunzipSync } from "node:zlib";

function floor(dir: string): number {
  let parsed = 0;
  const d = opendirSync(dir, { bufferSize: 256 });
  for (let e = d.readSync(); e; e = d.readSync()) {
    const doc = JSON.parse(gunzipSync(readFileSync(join(dir, e.name))).toString("utf8"));
    if (doc["report-id"]) parsed++;
  }
  d.closeSync();
  return parsed;
}

async function verb(dir: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require("../cli/main") as typeof import("../cli/main");
  const out: string[] = [];
  const code = await main(["reports", dir, "--json"], { exitCode: 0, out: (t) => void out.push(t), err: () => undefined, readStdin: async () => "" });
  if (code === 2) throw new Error(`mta-sts reports could not run: ${out.join("")}`);
  return out.join("");
}

async function sample(mode: string, dir: string): Promise<void> {
  const out = mode === "floor" ? floor(dir) : await verb(dir);
  const wallMs = performance.now();
  const usage = process.resourceUsage();
  // Reading the verb's output back is the bench's work, not the verb's: after the clock stops.
  const reports = typeof out === "number" ? out : (JSON.parse(out) as { reports: number }).reports;
  const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
  console.log(JSON.stringify({ reports, wallMs, cpuMs, peakRssMiB: usage.maxRSS / 1024 }));
}

const [mode, dir] = process.argv.slice(2);
void sample(mode, dir);
