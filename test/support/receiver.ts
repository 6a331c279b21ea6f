/**
 * The TLS-RPT receiver Worker in the real Workers runtime (workerd through miniflare), offline,
 * on 127.0.0.1 over HTTPS with a test CA: the bundle the component uploads (dist/worker, built by
 * jest's globalSetup), each configured receiver as one Worker of a single workerd process (one
 * start-up for a whole test file), with its own in-memory R2 bucket. The first receiver answers
 * on the address itself; the others by their host name (`Host:` and SNI), as Cloudflare routes a
 * custom domain.
 *
 * Also: an HTTPS client that returns the exact bytes and follows nothing, and a webhook server
 * that records what the receiver posts.
 */
import { createServer, IncomingMessage, Server } from "node:http";
import { request } from "node:https";
import { AddressInfo } from "node:net";
import { Miniflare } from "miniflare";
import { loadReceiverBundle } from "../../components/cloudflare/tlsrpt-receiver-bundle";
import { WORKER_COMPATIBILITY_DATE } from "../../components/cloudflare/worker-script";
import { RECEIVER_BINDINGS, RECEIVER_MAIN_MODULE } from "../../components/tlsrpt-receiver/bindings";

export interface ReceiverConfig {
  /** The Worker's name; also the host name that reaches it (all but the first). */
  readonly name: string;
  readonly allowedDomains: readonly string[];
  readonly exportToken: string;
  readonly alertWebhookUrl?: string;
  readonly alertWebhookFormat?: string;
  readonly exportPageSize?: number;
}

export interface RunningReceivers {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The keys stored in a receiver's bucket, in order. */
  keys(name: string): Promise<string[]>;
  dispose(): Promise<void>;
}

/** Start every receiver in one workerd, over HTTPS with `tls` (a certificate for 127.0.0.1 and each name). */
export async function startReceivers(configs: readonly ReceiverConfig[], tls: { key: string; cert: string }): Promise<RunningReceivers> {
  const script = loadReceiverBundle().source;
  const miniflare = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    https: true,
    httpsKey: tls.key,
    httpsCert: tls.cert,
    cf: false,
    workers: configs.map((c, i) => ({
      name: c.name,
      modules: [{ type: "ESModule" as const, path: RECEIVER_MAIN_MODULE, contents: script }],
      compatibilityDate: WORKER_COMPATIBILITY_DATE,
      ...(i > 0 ? { routes: [`${c.name}/*`] } : {}),
      r2Buckets: { [RECEIVER_BINDINGS.reports]: `bucket-${c.name}` },
      bindings: {
        [RECEIVER_BINDINGS.allowedDomains]: [...c.allowedDomains],
        [RECEIVER_BINDINGS.exportToken]: c.exportToken,
        ...(c.alertWebhookUrl ? { [RECEIVER_BINDINGS.alertWebhookUrl]: c.alertWebhookUrl } : {}),
        ...(c.alertWebhookFormat ? { [RECEIVER_BINDINGS.alertWebhookFormat]: c.alertWebhookFormat } : {}),
        ...(c.exportPageSize ? { [RECEIVER_BINDINGS.exportPageSize]: String(c.exportPageSize) } : {}),
      },
    })),
  });
  const ready = await miniflare.ready;
  return {
    url: `https://127.0.0.1:${ready.port}`,
    port: Number(ready.port),
    async keys(name) {
      const bucket = (await miniflare.getR2Bucket(RECEIVER_BINDINGS.reports, name)) as unknown as {
        list(options: { cursor?: string; limit: number }): Promise<{ objects: { key: string }[]; truncated: boolean; cursor?: string }>;
      };
      const keys: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const listed = await bucket.list({ ...(cursor ? { cursor } : {}), limit: 1000 });
        keys.push(...listed.objects.map((o) => o.key));
        if (!listed.truncated) break;
        cursor = listed.cursor;
      }
      return keys;
    },
    dispose: () => miniflare.dispose(),
  };
}

export interface HttpsResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  text(): string;
  json(): any;
}

/**
 * One request to `url` (https://127.0.0.1 only) trusting `ca`; `host` sets `Host:` and SNI (to
 * reach a receiver by its name). A body without `Content-Length` is sent chunked.
 */
export function httpsRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string; ca: string; host?: string; chunked?: boolean },
): Promise<HttpsResult> {
  const target = new URL(url);
  if (target.hostname !== "127.0.0.1") throw new Error(`tests only talk to 127.0.0.1, not ${target.hostname}`);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.host) headers.Host = options.host;
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  if (body && !options.chunked) headers["Content-Length"] = String(body.length);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(target, { method: options.method ?? "GET", headers, ca: options.ca, servername: options.host ?? "", timeout: 15_000 }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes, text: () => bytes.toString("utf8"), json: () => JSON.parse(bytes.toString("utf8")) });
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout: ${options.method ?? "GET"} ${url}`)));
    // A server that refuses a body answers before reading it all and closes: the rest of the
    // upload fails, but the answer is what counts.
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    if (body && options.chunked) {
      // Several writes, so the body really goes out in chunks.
      for (let offset = 0; offset < body.length; offset += 64 * 1024) req.write(body.subarray(offset, offset + 64 * 1024));
      req.end();
    } else req.end(body);
  });
}

export interface WebhookCall {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: any;
}

export interface WebhookServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly calls: WebhookCall[];
  /** Wait (at most `timeoutMs`) until a call to `path` that `match` accepts has arrived; the matching calls are returned. */
  waitFor(path: string, match: (call: WebhookCall) => boolean, timeoutMs?: number): Promise<WebhookCall[]>;
  close(): Promise<void>;
}

/** A webhook on 127.0.0.1: `/fail*` answers 500, everything else 200; every call is recorded. */
export async function startWebhookServer(): Promise<WebhookServer> {
  const calls: WebhookCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: unknown = Buffer.concat(chunks).toString("utf8");
      try {
        body = JSON.parse(body as string);
      } catch {
        // kept as text
      }
      calls.push({ path: req.url ?? "", contentType: req.headers["content-type"], body });
      res.writeHead((req.url ?? "").startsWith("/fail") ? 500 : 200, { "Content-Type": "text/plain" });
      res.end("ok\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    async waitFor(path, match, timeoutMs = 8000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const matching = calls.filter((c) => c.path === path && match(c));
        if (matching.length > 0) return matching;
        if (Date.now() > deadline) throw new Error(`no matching webhook call to ${path} within ${timeoutMs} ms; got ${JSON.stringify(calls.map((c) => c.path))}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
