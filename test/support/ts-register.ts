/**
 * How a test starts this repository's TypeScript in a child process or a worker thread:
 * `node -r <TS_REGISTER> file.ts`, as `npm run mta-sts` does (scripts/ts-register.js: esbuild,
 * with its output cached, so a process does not compile the CLI again).
 */
import * as path from "node:path";

export const TS_REGISTER = path.join(__dirname, "..", "..", "scripts", "ts-register.js");
