/**
 * Fetching the policy file the way RFC 8461 §3.3 tells a sender to: HTTPS to
 * `https://mta-sts.<domain>/.well-known/mta-sts.txt`, TLS 1.2 or newer (RFC 8461 §3.3 refers to
 * RFC 7525), no redirect followed, a size limit and a time limit. Node's own `https`/`tls`; the
 * certificate is not refused during the handshake but returned with the verdict, so the checker
 * can say precisely what is wrong with it and still read what the server would have served.
 */
import { X509Certificate } from "node:crypto";
import { request } from "node:https";
import type { TLSSocket } from "node:tls";
import { MAX_POLICY_BYTES } from "../model/policy";
import { POLICY_PATH } from "../model/rendered";

export interface FetchPolicyRequest {
  /** The policy host, used for SNI, the Host header and the certificate name: `mta-sts.example.com`. */
  readonly host: string;
  /** The address to connect to (one of the host's A/AAAA records). */
  readonly address: string;
  /** Defaults to 443. */
  readonly port?: number;
  /** Defaults to `/.well-known/mta-sts.txt`. */
  readonly path?: string;
  /** PEM of the certificate authorities to trust instead of the system's; defaults to the system's. */
  readonly ca?: string | Buffer;
  /** Whole exchange (connect, handshake, response), in milliseconds. Defaults to 10000. */
  readonly timeoutMs?: number;
  /** Bodies longer than this are cut off and flagged. Defaults to 65536 (RFC 8461 §3.3). */
  readonly maxBytes?: number;
}

/** The server's certificate and what node's verification said of it. */
export interface ServedCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltName?: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** Chain verified against the trusted authorities (not the name; see `matchesHost`). */
  readonly chainTrusted: boolean;
  /** OpenSSL's reason when not trusted, e.g. `CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`. */
  readonly chainError?: string;
  /** The certificate names `host` (RFC 6125 via `X509Certificate.checkHost`). */
  readonly matchesHost: boolean;
}

export type FetchPolicyResult =
  | {
      readonly ok: true;
      /** Negotiated protocol, e.g. `TLSv1.3`. */
      readonly tlsVersion: string;
      readonly certificate: ServedCertificate;
      readonly status: number;
      /** `content-type` as sent, or undefined. */
      readonly contentType?: string;
      /** `location` of a redirect, which is reported and never followed. */
      readonly location?: string;
      /** Up to `maxBytes` of the body. */
      readonly body: Buffer;
      /** The body was longer than `maxBytes` (reading stopped there). */
      readonly tooLarge: boolean;
    }
  | {
      readonly ok: false;
      /** Where it failed: TCP connect, TLS handshake, the time limit, or the HTTP exchange. */
      readonly stage: "connect" | "tls" | "timeout" | "http";
      readonly code?: string;
      readonly message: string;
    };

/** How the checker fetches; inject another to test without a network. */
export type PolicyFetcher = (req: FetchPolicyRequest) => Promise<FetchPolicyResult>;

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$|ECONNRESET$)/;

/** Fetch one policy over HTTPS: never follows redirects, TLS ≥ 1.2, size and time limits. */
export const fetchPolicy: PolicyFetcher = (req) => {
  const maxBytes = req.maxBytes ?? MAX_POLICY_BYTES;
  const timeoutMs = req.timeoutMs ?? 10000;
  return new Promise<FetchPolicyResult>((resolve) => {
    let settled = false;
    let handshakeDone = false;
    const finish = (result: FetchPolicyResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clientRequest.destroy();
      resolve(result);
    };
    const clientRequest = request({
      host: req.address,
      port: req.port ?? 443,
      path: req.path ?? POLICY_PATH,
      method: "GET",
      servername: req.host,
      headers: { host: req.host, "user-agent": "pulumi-mta-sts check", accept: "text/plain" },
      agent: false,
      // RFC 8461 §3.3: HTTPS with TLS 1.2 or newer; nothing older is offered.
      minVersion: "TLSv1.2",
      ...(req.ca !== undefined ? { ca: req.ca } : {}),
      // The certificate is judged below (chain, name, dates) so that each problem is named.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    const timer = setTimeout(
      () => finish({ ok: false, stage: "timeout", code: "ETIMEDOUT", message: `no complete answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    clientRequest.on("socket", (socket) => {
      socket.once("secureConnect", () => {
        handshakeDone = true;
      });
    });
    clientRequest.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code ?? "EUNKNOWN";
      const stage = !handshakeDone && (TLS_CODES.test(code) || /SSL|TLS|alert/i.test(err.message)) ? "tls" : handshakeDone ? "http" : "connect";
      finish({ ok: false, stage, code, message: err.message });
    });
    clientRequest.on("response", (response) => {
      const socket = response.socket as TLSSocket;
      const peer = socket.getPeerX509Certificate?.();
      if (!peer) {
        finish({ ok: false, stage: "tls", message: "the server presented no certificate" });
        return;
      }
      const certificate = describeCertificate(peer, req.host, socket);
      const tlsVersion = socket.getProtocol() ?? "unknown";
      const chunks: Buffer[] = [];
      let length = 0;
      let tooLarge = false;
      const done = (): void => {
        const body = Buffer.concat(chunks).subarray(0, maxBytes);
        finish({
          ok: true,
          tlsVersion,
          certificate,
          status: response.statusCode ?? 0,
          contentType: header(response.headers["content-type"]),
          location: header(response.headers.location),
          body,
          tooLarge,
        });
      };
      response.on("data", (chunk: Buffer) => {
        if (settled) return;
        chunks.push(chunk);
        length += chunk.length;
        // RFC 8461 §3.3: stop reading at the limit instead of downloading whatever is sent.
        if (length > maxBytes) {
          tooLarge = true;
          done();
        }
      });
      response.on("end", done);
      response.on("error", (err) => finish({ ok: false, stage: "http", message: err.message }));
    });
    clientRequest.end();
  });
};

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}

/** A peer certificate and node's verdict on its chain, judged for `host` (also used for MX hosts after STARTTLS). */
export function describeCertificate(cert: X509Certificate, host: string, socket: TLSSocket): ServedCertificate {
  const chainError = socket.authorizationError;
  return {
    subject: cert.subject.replace(/\n/g, ", "),
    issuer: cert.issuer.replace(/\n/g, ", "),
    subjectAltName: cert.subjectAltName,
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    chainTrusted: socket.authorized,
    chainError: chainError ? String((chainError as unknown as { code?: string }).code ?? chainError) : undefined,
    matchesHost: cert.checkHost(host, { wildcards: true, partialWildcards: false }) !== undefined,
  };
}
