/**
 * Preloaded (`node -r peak-rss.js ...`) into a benchmark's child process: at exit, writes the
 * process's peak resident memory to stderr as `PEAK_RSS_KIB=<n>` (getrusage's ru_maxrss), so the
 * parent can measure a command it runs inside a network namespace.
 */
import { writeSync } from "node:fs";

process.on("exit", () => {
  writeSync(2, `\nPEAK_RSS_KIB=${process.resourceUsage().maxRSS}\n`);
});
