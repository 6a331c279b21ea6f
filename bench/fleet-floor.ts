/**
 * The floor of the fleet benchmark: the network exchanges `check --stack` makes for each domain,
 * and nothing else, at the same concurrency. Per domain: the TXT records at `_mta-sts` and
 * `_smtp._tls`, the MX records, the addresses of `mta-sts.<domain>`, one HTTPS GET of the policy,
 * and for each MX host its addresses and an SMTP session up to the TLS handshake (greeting, EHLO,
 * STARTTLS). No parsing, no judging, no bounds, no report: what a fleet check cannot do for less.
 *
 * Run: node fleet-floor.js <domains.json> <concurrency> <ca.pem>; prints one JSON line
 * `{ "domains", "wallMs" }` when done (the parent measures peak memory).
 */
import { promises as dns } from "node:dns";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { connect as tcp } from "node:net";
import { connect as tls } from "node:tls";

const [file, concurrencyText, caFile] = process.argv.slice(2);
const domains = JSON.parse(readFileSync(file, "utf8")) as string[];
const ca = readFileSync(caFile);
const resolver = new dns.Resolver({ timeout: 5000, tries: 1 });
const quiet = <T>(p: Promise<T>) => p.catch(() => undefined);

function fetchPolicy(host: string, address: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: address, servername: host, port: 443, path: "/.well-known/mta-sts.txt", headers: { host }, ca, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve());
    });
    req.on("error", () => resolve());
    req.end();
  });
}

function starttls(host: string, address: string): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcp({ host: address, port: 25 });
    let step = 0;
    let buffer = "";
    socket.on("error", () => resolve());
    socket.on("data", (chunk) => {
      buffer += chunk.toString("latin1");
      // One complete reply: a line whose code is followed by a space.
      if (!/(^|\n)\d{3} [^\n]*\n$/.test(buffer)) return;
      buffer = "";
      if (step === 0) socket.write("EHLO floor.invalid\r\n");
      else if (step === 1) socket.write("STARTTLS\r\n");
      else {
        socket.removeAllListeners("data");
        const secure = tls({ socket, servername: host, ca, rejectUnauthorized: false });
        secure.on("secureConnect", () => {
          secure.end("QUIT\r\n");
          secure.destroy();
          resolve();
        });
        secure.on("error", () => resolve());
      }
      step++;
    });
  });
}

async function one(domain: string): Promise<void> {
  const [, , mx, addresses] = await Promise.all([
    quiet(resolver.resolveTxt(`_mta-sts.${domain}`)),
    quiet(resolver.resolveTxt(`_smtp._tls.${domain}`)),
    quiet(resolver.resolveMx(domain)),
    quiet(resolver.resolve4(`mta-sts.${domain}`)),
    quiet(resolver.resolve6(`mta-sts.${domain}`)),
  ]);
  await Promise.all([
    addresses?.[0] ? fetchPolicy(`mta-sts.${domain}`, addresses[0]) : undefined,
    ...(mx ?? []).map(async ({ exchange }) => {
      const [v4] = await Promise.all([quiet(resolver.resolve4(exchange)), quiet(resolver.resolve6(exchange))]);
      if (v4?.[0]) await starttls(exchange, v4[0]);
    }),
  ]);
}

async function main(): Promise<void> {
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < domains.length) await one(domains[next++]);
  };
  await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
  process.stdout.write(`${JSON.stringify({ domains: domains.length, wallMs: Date.now() - started })}\n`);
}

void main();
