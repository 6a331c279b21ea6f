/**
 * `npm run bench`: every benchmark, one after the other, each in its own process.
 * `BENCH=plan` or `BENCH=reports` runs one of them.
 */
import { execFileSync } from "node:child_process";
import * as path from "node:path";

const all = ["plan", "reports"];
const picked = (process.env.BENCH ?? all.join(",")).split(",").map((s) => s.trim());
for (const name of picked) {
  if (!all.includes(name)) throw new Error(`BENCH=${name}: the benchmarks are ${all.join(", ")}`);
  execFileSync(process.execPath, ["-r", path.join(__dirname, "..", "scripts", "ts-register.js"), path.join(__dirname, `${name}.bench.ts`)], { stdio: "inherit" });
}
