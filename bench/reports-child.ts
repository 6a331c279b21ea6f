/**
 * One reports benchmark sample, in its own process so its peak memory is its own. Modes:
 * - `reports DIR`: `mta-sts reports DIR --json`, the verb itself (readers, parsing, counting,
 *   verdict, JSON output);
 * - `floor DIR`: a bare loop that only reads, gunzips and JSON-parses every file of DIR.
 * Timing starts after the modules are loaded; the floor does not load the CLI at all. Prints one
 * JSON line: wall ms, peak RSS MiB.
 */
import { opendirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

type Main = typeof import("../cli/main").main;

async function run(mode: string, dir: string, main?: Main): Promise<number> {
  if (mode === "floor") {
    let parsed = 0;
    const d = opendirSync(dir);
    for (let e = d.readSync(); e; e = d.readSync()) {
      const doc = JSON.parse(gunzipSync(readFileSync(join(dir, e.name))).toString("utf8"));
      if (doc["report-id"]) parsed++;
    }
    d.closeSync();
    return parsed;
  }
  let out = "";
  const code = await main!(["reports", dir, "--json"], { exitCode: 0, out: (t) => void (out += t), err: () => undefined, readStdin: async () => "" });
  if (code === 2) throw new Error(`mta-sts reports could not run: ${out}`);
  return JSON.parse(out).reports as number;
}

const [mode, dir] = process.argv.slice(2);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const main: Main | undefined = mode === "floor" ? undefined : (require("../cli/main") as typeof import("../cli/main")).main;
const started = process.hrtime.bigint();
run(mode, dir, main).then((reports) => {
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ reports, wallMs, peakRssMiB: process.resourceUsage().maxRSS / 1024 }));
});
