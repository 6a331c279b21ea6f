/**
 * Connecting to an MX host as a sending MTA does before it delivers: TCP to port 25, the
 * server's greeting, EHLO, STARTTLS (RFC 3207), then a TLS handshake whose certificate is
 * returned with node's verdict on it, so the checker can say what a sender enforcing MTA-STS
 * would refuse (RFC 8461 §4.2: the certificate must chain to a trusted root and name the MX
 * host). Nothing is sent after the handshake but QUIT: no mail transaction is started.
 *
 * A small client of its own, on node's `net` and `tls`: the maintained SMTP clients (nodemailer's
 * SMTP connection among them) verify the certificate inside the handshake and either refuse the
 * connection or hide the peer certificate in a private socket field, and none bounds what it
 * reads before STARTTLS. This one needs exactly four exchanges, and keeps two bounds a hostile
 * MX cannot get round:
 *
 * - bytes: everything the server sends before the handshake (greeting, EHLO and STARTTLS
 *   replies) is at most `maxReplyBytes` (16 KiB by default; RFC 5321 §4.5.3.1.5 allows 512
 *   octets per reply line, and real EHLO replies are well under 1 KiB); a server sending more,
 *   a 1 GB banner for instance, is cut off there;
 * - time: the whole exchange, TLS handshake included, ends within `timeoutMs`, whatever the
 *   server does (never answer, answer one byte a second).
 *
 * I/O through node only; inject another `StarttlsProber` to test without a network.
 */
import { connect as connectTcp, Socket } from "node:net";
import { connect as connectTls, TLSSocket } from "node:tls";
import { excerpt } from "../terminal-text";
import { describeCertificate, ServedCertificate } from "./fetch-policy";

export interface StarttlsProbeRequest {
  /** The MX host name: sent as SNI and judged against the certificate, e.g. `mx1.example.com`. */
  readonly host: string;
  /** The address to connect to (one of the host's A/AAAA records). */
  readonly address: string;
  /** Defaults to 25 (RFC 5321 §4.5.4: the SMTP port between MTAs); other values are for test servers. */
  readonly port?: number;
  /** PEM of the certificate authorities to trust instead of the system's. */
  readonly ca?: string | Buffer;
  /** The whole exchange, in milliseconds. Defaults to 10000. */
  readonly timeoutMs?: number;
  /** The name given in EHLO. Defaults to `mta-sts-check.invalid`. */
  readonly ehloName?: string;
  /** What the server may send before the TLS handshake, in bytes. Defaults to 16384. */
  readonly maxReplyBytes?: number;
}

/** Where the exchange stopped, when it did not reach a certificate. */
export type StarttlsStage =
  /** No TCP connection (refused, unreachable, or no answer to it within the time limit). */
  | "connect"
  /** Connected, but no greeting within the time limit: typical of a network that blocks port 25 transparently. */
  | "no-greeting"
  /** The server spoke, but not SMTP as RFC 5321 says (an unexpected reply, too many bytes, a closed connection). */
  | "smtp"
  /** EHLO was answered without the STARTTLS extension (RFC 3207 §4). */
  | "no-starttls"
  /** STARTTLS was refused. */
  | "starttls-refused"
  /** The TLS handshake failed (no TLS 1.2 or newer in common, a broken server). */
  | "tls"
  /** The greeting came, but the rest did not finish within the time limit. */
  | "timeout";

export type StarttlsProbeResult =
  | {
      readonly ok: true;
      /** Negotiated protocol, e.g. `TLSv1.3`. */
      readonly tlsVersion: string;
      readonly certificate: ServedCertificate;
      /** The first line of the greeting, e.g. `220 mx1.example.com ESMTP`. */
      readonly greeting: string;
    }
  | { readonly ok: false; readonly stage: StarttlsStage; readonly code?: string; readonly message: string };

export type StarttlsProber = (req: StarttlsProbeRequest) => Promise<StarttlsProbeResult>;

/** One SMTP reply (RFC 5321 §4.2): a code and its lines' texts. */
interface Reply {
  readonly code: number;
  readonly lines: readonly string[];
}

const CONNECT_CODES = /^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN|EADDRNOTAVAIL|ETIMEDOUT)$/;

/** Connect, EHLO, STARTTLS, handshake, QUIT; never rejects (see the module doc for the bounds). */
export const probeStarttls: StarttlsProber = (req) => {
  const timeoutMs = req.timeoutMs ?? 10_000;
  const maxReplyBytes = req.maxReplyBytes ?? 16 * 1024;
  return new Promise<StarttlsProbeResult>((resolve) => {
    let settled = false;
    let greeted = false;
    let tlsSocket: TLSSocket | undefined;
    let received = 0;
    let buffer = "";
    let waiting: ((reply: Reply) => void) | undefined;

    const finish = (result: StarttlsProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result.ok && tlsSocket) {
        // A polite end: QUIT, then the connection is closed whatever the server does.
        tlsSocket.end("QUIT\r\n");
        setTimeout(() => tlsSocket?.destroy(), 1000).unref();
      } else {
        tcp.destroy();
        tlsSocket?.destroy();
      }
      resolve(result);
    };
    const fail = (stage: StarttlsStage, message: string, code?: string): void => finish({ ok: false, stage, message, ...(code ? { code } : {}) });

    const tcp: Socket = connectTcp({ host: req.address, port: req.port ?? 25 });
    const timer = setTimeout(() => {
      if (!tcp.connecting && !greeted && !tlsSocket) fail("no-greeting", `connected, but no greeting within ${timeoutMs} ms`, "ETIMEDOUT");
      else if (tcp.connecting) fail("connect", `no connection within ${timeoutMs} ms`, "ETIMEDOUT");
      else fail("timeout", `no complete exchange within ${timeoutMs} ms${tlsSocket ? " (during the TLS handshake)" : ""}`, "ETIMEDOUT");
    }, timeoutMs);

    tcp.on("error", (err: NodeJS.ErrnoException) => {
      if (tlsSocket) return; // reported by the TLS socket
      const code = err.code ?? "EUNKNOWN";
      if (!greeted && (tcp.connecting || CONNECT_CODES.test(code))) fail("connect", err.message, code);
      else fail("smtp", `the connection broke: ${err.message}`, code);
    });
    tcp.on("close", () => {
      if (!tlsSocket) fail(greeted ? "smtp" : "no-greeting", greeted ? "the server closed the connection" : "the server closed the connection without a greeting");
    });
    tcp.on("data", (chunk: Buffer) => {
      if (tlsSocket || settled) return;
      received += chunk.length;
      if (received > maxReplyBytes) return fail("smtp", `the server sent more than ${maxReplyBytes} bytes before STARTTLS; no SMTP server needs that many (RFC 5321 §4.5.3.1.5)`);
      // SMTP replies are ASCII (RFC 5321 §4.2); latin1 keeps every byte as one character.
      buffer += chunk.toString("latin1");
      deliver();
    });

    /** Hand a complete reply to whoever waits for one. */
    function deliver(): void {
      if (!waiting) return;
      const reply = takeReply();
      if (reply === "bad") return fail("smtp", `the server's reply is not SMTP (RFC 5321 §4.2): ${JSON.stringify(excerpt(buffer, 80))}`);
      if (!reply) return;
      const handler = waiting;
      waiting = undefined;
      handler(reply);
    }

    /** The first complete reply in the buffer (removed from it), `undefined` if incomplete, `"bad"` if not SMTP. */
    function takeReply(): Reply | undefined | "bad" {
      const lines: string[] = [];
      let offset = 0;
      let code: number | undefined;
      for (;;) {
        const end = buffer.indexOf("\n", offset);
        if (end < 0) return undefined;
        const line = buffer.slice(offset, end).replace(/\r$/, "");
        offset = end + 1;
        // RFC 5321 §4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF ) Reply-code [ SP textstring ] CRLF
        const match = /^([2-5][0-9][0-9])([ -]|$)(.*)$/.exec(line);
        if (!match || (code !== undefined && Number(match[1]) !== code)) return "bad";
        code = Number(match[1]);
        lines.push(match[3]);
        if (match[2] !== "-") break;
      }
      buffer = buffer.slice(offset);
      return { code, lines };
    }

    const next = (handler: (reply: Reply) => void): void => {
      waiting = handler;
      deliver();
    };
    const send = (line: string): void => void tcp.write(`${line}\r\n`);

    next((greeting) => {
      greeted = true;
      // What the server says is quoted in findings: bounded, like every untrusted text.
      const first = excerpt(`${greeting.code} ${greeting.lines[0] ?? ""}`.trim());
      if (greeting.code !== 220) return fail("smtp", `the greeting is ${JSON.stringify(first)}, not 220: the server does not accept mail (RFC 5321 §4.3.2)`);
      send(`EHLO ${req.ehloName ?? "mta-sts-check.invalid"}`);
      next((ehlo) => {
        if (ehlo.code !== 250) return fail("smtp", `EHLO was answered ${JSON.stringify(excerpt(`${ehlo.code} ${ehlo.lines[0] ?? ""}`.trim()))}`);
        // RFC 3207 §4: the extension keyword STARTTLS on a line of the EHLO reply (the first line is the greeting).
        if (!ehlo.lines.slice(1).some((l) => /^STARTTLS(\s|$)/i.test(l.trim()))) return fail("no-starttls", "EHLO does not offer STARTTLS");
        send("STARTTLS");
        next((ready) => {
          if (ready.code !== 220) return fail("starttls-refused", `STARTTLS was answered ${JSON.stringify(excerpt(`${ready.code} ${ready.lines[0] ?? ""}`.trim()))}`);
          // RFC 3207 §4.2 and §6: nothing may follow the 220 before the handshake; bytes here
          // would be plaintext injected into what follows.
          if (buffer.length > 0) return fail("smtp", `the server sent ${buffer.length} bytes after its 220 to STARTTLS, before the TLS handshake (RFC 3207 §6)`);
          handshake(first);
        });
      });
    });

    function handshake(greeting: string): void {
      tcp.removeAllListeners("data");
      tlsSocket = connectTls({
        socket: tcp,
        servername: req.host,
        // RFC 8461 §4.2 refers to RFC 7525: TLS 1.2 or newer; nothing older is offered.
        minVersion: "TLSv1.2",
        ...(req.ca !== undefined ? { ca: req.ca } : {}),
        // The certificate is judged by the caller (chain, name, dates), so each problem is named.
        rejectUnauthorized: false,
        checkServerIdentity: () => undefined,
      });
      tlsSocket.on("error", (err: NodeJS.ErrnoException) => fail("tls", err.message, err.code));
      tlsSocket.on("close", () => fail("tls", "the server closed the connection during the TLS handshake"));
      tlsSocket.once("secureConnect", () => {
        const socket = tlsSocket!;
        const peer = socket.getPeerX509Certificate();
        if (!peer) return fail("tls", "the server presented no certificate");
        const certificate = describeCertificate(peer, req.host, socket);
        const tlsVersion = socket.getProtocol() ?? "unknown";
        finish({ ok: true, tlsVersion, certificate, greeting });
      });
    }
  });
};
