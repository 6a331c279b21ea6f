/**
 * Run generated Cloudflare code in the real Workers runtime, offline, on 127.0.0.1 only:
 * - `startWorker`: a Worker module script in workerd through miniflare, on a random port;
 * - `startPagesDev`: a static folder served by `wrangler pages dev` (workerd underneath), on a
 *   random free port, in its own process group so `stop()` ends wrangler and every workerd it
 *   started, also when a test fails;
 * - `httpRequest`: a plain HTTP/1.1 request that returns the exact body bytes and never follows
 *   a redirect (node:http follows nothing and decompresses nothing).
 */
import { ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Miniflare } from "miniflare";

/**
 * The newest compatibility date the installed workerd supports is 2026-04-26 (its version);
 * the tests pin one not newer than that so they never depend on the calendar.
 */
export const TEST_COMPATIBILITY_DATE = "2026-04-01";

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One HTTP request to `url` (http: on 127.0.0.1 only); the response as received, redirects not followed. */
export function httpRequest(url: string, method = "GET", headers: Record<string, string> = {}): Promise<HttpResult> {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1") throw new Error(`tests only talk to 127.0.0.1, not ${target.hostname}`);
  return new Promise((resolve, reject) => {
    const req = request(target, { method, headers, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

export interface RunningWorker {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly miniflare: Miniflare;
  dispose(): Promise<void>;
}

/** Run an ES module Worker in workerd on a random port of 127.0.0.1 (no `Request.cf` fetch). */
export async function startWorker(script: string, compatibilityDate: string): Promise<RunningWorker> {
  const miniflare = new Miniflare({ modules: true, script, compatibilityDate, host: "127.0.0.1", port: 0, cf: false });
  const ready = await miniflare.ready;
  return { url: `http://127.0.0.1:${ready.port}`, miniflare, dispose: () => miniflare.dispose() };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The environment that keeps wrangler off the network and out of the home directory:
 * no telemetry (WRANGLER_SEND_METRICS), no npm update check (it runs only for the banner,
 * WRANGLER_HIDE_BANNER), no download of the `Request.cf` object from workers.cloudflare.com
 * (CLOUDFLARE_CF_FETCH_ENABLED, read by miniflare), logs in a scratch folder.
 */
export function offlineWranglerEnv(scratch: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    WRANGLER_LOG_PATH: join(scratch, "logs"),
    XDG_CONFIG_HOME: join(scratch, "config"),
    CI: "true",
    NO_COLOR: "1",
  };
}

export interface PagesDev {
  readonly url: string;
  /** Everything wrangler printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

const WRANGLER_BIN = join(__dirname, "..", "..", "node_modules", "wrangler", "bin", "wrangler.js");

/** Serve `folder` with `wrangler pages dev` on a free port of 127.0.0.1; resolves once it answers. */
export async function startPagesDev(folder: string, compatibilityDate = TEST_COMPATIBILITY_DATE): Promise<PagesDev> {
  const scratch = await mkdtemp(join(tmpdir(), "mta-sts-pages-dev-"));
  const port = await freePort();
  const args = [WRANGLER_BIN, "pages", "dev", folder, "--ip", "127.0.0.1", "--port", String(port), "--compatibility-date", compatibilityDate, "--persist-to", join(scratch, "state"), "--log-level", "info"];
  // detached: wrangler leads a new process group, so stop() can end workerd and esbuild with it.
  const child = spawn(process.execPath, args, { cwd: scratch, env: offlineWranglerEnv(scratch), detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.on("data", (d) => (text += d));
  child.stderr!.on("data", (d) => (text += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    await killGroup(child, exited);
    await rm(scratch, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(url, child, () => text, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, output: () => text, stop };
}

async function waitUntilAnswering(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler pages dev exited with ${child.exitCode}:\n${output()}`);
    if (output().includes("Ready on")) {
      try {
        await httpRequest(`${url}/`, "HEAD");
        return;
      } catch {
        // not listening yet
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler pages dev did not answer on ${url} within ${timeoutMs} ms:\n${output()}`);
}

/** SIGTERM the process group, SIGKILL it if it has not exited after 5 s. */
async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timedOut = await raceTimeout(exited, 5000);
  signal("SIGKILL"); // also reaps a workerd that outlived its parent
  if (timedOut) await raceTimeout(exited, 2000);
}

/** Wait for `promise` at most `ms`; true when the time ran out. Leaves no timer behind. */
async function raceTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), ms)));
  try {
    return await Promise.race([promise.then(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
