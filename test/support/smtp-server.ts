/**
 * A Node stand-in for an MX host, for the checker's unit tests (127.0.0.1, random port, no root):
 * greeting, EHLO with or without STARTTLS, then a TLS session with a certificate chosen by SNI,
 * the way a receiving MTA offers it (RFC 3207). Each `behaviour` is one way a real or hostile MX
 * goes wrong, so the client's time and size bounds can be tested: a server that never speaks, a
 * 1 GB banner, a refused STARTTLS, plaintext after the 220, only TLS 1.1.
 */
import { createServer, Server, Socket } from "node:net";
import { AddressInfo } from "node:net";
import { createSecureContext, SecureContext, TLSSocket } from "node:tls";
import type { IssuedCertificate } from "./https-server";

export type SmtpBehaviour =
  /** A correct MX: 220, EHLO with STARTTLS, 220, TLS. */
  | "starttls"
  /** EHLO without STARTTLS. */
  | "no-starttls"
  /** STARTTLS answered 454. */
  | "refuse-starttls"
  /** Accepts the connection and never writes a byte. */
  | "silent"
  /** Sends a banner that never ends (up to `floodBytes`). */
  | "flood"
  /** Sends plaintext right after its 220 to STARTTLS (RFC 3207 §6 command injection). */
  | "inject-after-220"
  /** Greets with 554 (no mail accepted here). */
  | "reject";

export interface SmtpStandInOptions {
  readonly behaviour?: SmtpBehaviour;
  /** Certificate per SNI name; an unknown name gets the first. */
  readonly certificates: Record<string, IssuedCertificate>;
  /** Narrow the TLS versions (e.g. `{ maxVersion: "TLSv1.1", ciphers: "DEFAULT:@SECLEVEL=0" }`). */
  readonly tls?: { minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2"; maxVersion?: "TLSv1.1" | "TLSv1.2" | "TLSv1.3"; ciphers?: string };
  /** For `flood`: how much to send at most. Defaults to 1 GiB. */
  readonly floodBytes?: number;
}

export interface SmtpStandIn {
  readonly port: number;
  /** Per connection: the commands received, and how many bytes were written to it. */
  readonly sessions: { commands: string[]; bytesWritten: number; tls: boolean }[];
  behaviour: SmtpBehaviour;
  close(): Promise<void>;
}

export async function startSmtpServer(options: SmtpStandInOptions): Promise<SmtpStandIn> {
  const names = Object.keys(options.certificates);
  const contexts = new Map<string, SecureContext>(names.map((n) => [n, createSecureContext({ key: options.certificates[n].key, cert: options.certificates[n].cert, ...options.tls })]));
  const sockets = new Set<Socket>();
  const standIn: SmtpStandIn = { port: 0, sessions: [], behaviour: options.behaviour ?? "starttls", close: async () => undefined };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const session = { commands: [] as string[], bytesWritten: 0, tls: false };
    standIn.sessions.push(session);
    const write = (s: Socket | TLSSocket, text: string) => {
      session.bytesWritten += Buffer.byteLength(text);
      s.write(text);
    };
    const behaviour = standIn.behaviour;
    if (behaviour === "silent") return;
    if (behaviour === "flood") {
      const chunk = Buffer.alloc(64 * 1024, "A");
      const limit = options.floodBytes ?? 1024 ** 3;
      const pump = () => {
        while (!socket.destroyed && session.bytesWritten < limit) {
          session.bytesWritten += chunk.length;
          if (!socket.write(chunk)) return void socket.once("drain", pump);
        }
      };
      socket.write("220-");
      pump();
      return;
    }
    if (behaviour === "reject") {
      write(socket, "554 5.7.1 no mail here\r\n");
      return;
    }
    write(socket, "220 mx.stand-in.test ESMTP\r\n");
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString("latin1");
      for (let end = buffer.indexOf("\r\n"); end >= 0; end = buffer.indexOf("\r\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        session.commands.push(line);
        const verb = line.split(" ")[0].toUpperCase();
        if (verb === "EHLO") write(socket, `250-mx.stand-in.test\r\n250-PIPELINING\r\n${behaviour === "no-starttls" ? "250 8BITMIME" : "250-8BITMIME\r\n250 STARTTLS"}\r\n`);
        else if (verb === "QUIT") write(socket, "221 bye\r\n");
        else if (verb === "STARTTLS" && behaviour === "refuse-starttls") write(socket, "454 4.7.0 TLS not available\r\n");
        else if (verb === "STARTTLS") {
          write(socket, behaviour === "inject-after-220" ? "220 go ahead\r\n250 injected\r\n" : "220 2.0.0 ready\r\n");
          socket.removeListener("data", onData);
          const secure = new TLSSocket(socket, {
            isServer: true,
            secureContext: contexts.get(names[0]),
            SNICallback: (servername, cb) => cb(null, contexts.get(servername.toLowerCase()) ?? contexts.get(names[0])),
          });
          secure.on("error", () => undefined);
          secure.on("secure", () => void (session.tls = true));
          secure.on("data", (d: Buffer) => {
            session.commands.push(`(tls) ${d.toString("latin1").trim()}`);
            if (/^QUIT/i.test(d.toString("latin1"))) secure.end("221 bye\r\n");
          });
          return;
        } else write(socket, "502 5.5.1 not here\r\n");
      }
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  Object.assign(standIn, {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  });
  return standIn;
}
