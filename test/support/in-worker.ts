/**
 * Run one exported function of a TypeScript module in a worker thread (scripts/ts-register.js)
 * and get its results back. For work that may block: a test awaiting it keeps its event loop, so
 * jest's timeout still fires while the worker computes (a synchronous call in the test itself
 * would hold jest until it returned, however long). `stopWorkers` ends those still running.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { TS_REGISTER } from "./ts-register";

const root = path.join(__dirname, "..", "..");
const running = new Set<Worker>();

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
require(workerData.register);
const exported = require(workerData.modulePath)[workerData.exportName];
parentPort.postMessage(workerData.calls.map((args) => exported(...args)));
`;

/**
 * `exportName(...args)` of the module at `modulePath` (relative to the repository root) for each
 * `args` of `calls`, one after the other in one worker; the results in the same order.
 */
export function callInWorker<T>(modulePath: string, exportName: string, calls: readonly (readonly unknown[])[]): Promise<T[]> {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { register: TS_REGISTER, modulePath: path.join(root, modulePath), exportName, calls },
  });
  running.add(worker);
  return new Promise<T[]>((resolve, reject) => {
    worker.once("message", (value: T[]) => resolve(value));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      running.delete(worker);
      reject(new Error(`the worker exited with code ${code} before answering`));
    });
  }).finally(() => void worker.terminate());
}

/** Terminate every worker still computing (after a test timed out). */
export async function stopWorkers(): Promise<void> {
  await Promise.all([...running].map((w) => w.terminate()));
  running.clear();
}
