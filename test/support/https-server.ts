/**
 * Test certificates and a test HTTPS server, for the checker's unit tests (no root, 127.0.0.1,
 * random port) and the network-namespace lab (which uses the same throw-away CA with nginx).
 *
 * `createTestCa` makes a CA with openssl and issues server certificates with any names and any
 * validity window, including ones that expired long ago or expire in three days: `openssl ca`
 * takes explicit start and end dates, which `openssl x509 -days` cannot.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo, isIP } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { createSecureContext, SecureContext } from "node:tls";

export interface IssuedCertificate {
  readonly keyPath: string;
  readonly certPath: string;
  readonly key: string;
  /** The leaf certificate (PEM). */
  readonly cert: string;
}

export interface TestCa {
  readonly dir: string;
  readonly caPath: string;
  readonly caPem: string;
  /** A server certificate for `names` (host names or IP addresses; the first is also the CN), valid from `notBefore` to `notAfter`. */
  issue(label: string, names: readonly string[], validity?: { notBefore?: Date; notAfter?: Date }): IssuedCertificate;
}

const DAY = 86_400_000;

/** `20260101000000Z`, the form `openssl ca -startdate/-enddate` takes. */
function opensslDate(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").replace(/\.\d{3}Z$/, "Z");
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    throw new Error(`openssl ${args.join(" ")} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`);
  }
}

/** A throw-away CA in `dir` (which must exist); certificates are written next to it. */
export function createTestCa(dir: string, name = "pulumi-mta-sts test CA"): TestCa {
  mkdirSync(join(dir, "newcerts"), { recursive: true });
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(
    join(dir, "ca.cnf"),
    [
      "[ ca ]",
      "default_ca = test_ca",
      "[ test_ca ]",
      `dir = ${dir}`,
      `database = ${join(dir, "index.txt")}`,
      `new_certs_dir = ${join(dir, "newcerts")}`,
      `serial = ${join(dir, "serial")}`,
      "default_md = sha256",
      "policy = any_name",
      "unique_subject = no",
      "copy_extensions = none",
      "[ any_name ]",
      "commonName = supplied",
      "",
    ].join("\n"),
  );
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(
    ["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "60", "-subj", `/CN=${name}`,
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    dir,
  );
  const caPath = join(dir, "ca.pem");
  return {
    dir,
    caPath,
    caPem: readFileSync(caPath, "utf8"),
    issue(label, names, validity = {}) {
      const notBefore = validity.notBefore ?? new Date(Date.now() - DAY);
      const notAfter = validity.notAfter ?? new Date(Date.now() + 45 * DAY);
      const keyPath = join(dir, `${label}.key`);
      const certPath = join(dir, `${label}.pem`);
      writeFileSync(
        join(dir, `${label}.ext`),
        [
          "[ leaf ]",
          "basicConstraints = critical,CA:FALSE",
          "keyUsage = critical,digitalSignature",
          "extendedKeyUsage = serverAuth",
          `subjectAltName = ${names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(",")}`,
          "",
        ].join("\n"),
      );
      openssl(["req", "-new", ...ec, "-keyout", keyPath, "-out", `${label}.csr`, "-subj", `/CN=${names[0]}`], dir);
      openssl(
        ["ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
          "-in", `${label}.csr`, "-out", certPath, "-startdate", opensslDate(notBefore), "-enddate", opensslDate(notAfter),
          "-extfile", `${label}.ext`, "-extensions", "leaf"],
        dir,
      );
      return { keyPath, certPath, key: readFileSync(keyPath, "utf8"), cert: readFileSync(certPath, "utf8") };
    },
  };
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Site {
  readonly certificate: IssuedCertificate;
  readonly handler: Handler;
}

export interface TestHttpsServer {
  readonly port: number;
  /** Requests received, as `host path`. */
  readonly requests: string[];
  close(): Promise<void>;
}

/**
 * An HTTPS server on 127.0.0.1 and a random port serving several hosts by SNI; an unknown name
 * gets the first site. `tls` narrows the protocol versions (to test a TLS 1.1-only server).
 */
export async function startHttpsServer(
  sites: Record<string, Site>,
  tls: { minVersion?: "TLSv1" | "TLSv1.1" | "TLSv1.2"; maxVersion?: "TLSv1.1" | "TLSv1.2" | "TLSv1.3"; ciphers?: string } = {},
): Promise<TestHttpsServer> {
  const names = Object.keys(sites);
  if (names.length === 0) throw new Error("startHttpsServer needs at least one site");
  const contexts = new Map<string, SecureContext>(
    names.map((n) => [n, createSecureContext({ key: sites[n].certificate.key, cert: sites[n].certificate.cert, ...tls })]),
  );
  const requests: string[] = [];
  const first = sites[names[0]];
  const server: Server = createServer(
    {
      key: first.certificate.key,
      cert: first.certificate.cert,
      ...tls,
      SNICallback: (servername, cb) => cb(null, contexts.get(servername.toLowerCase()) ?? contexts.get(names[0])),
    },
    (req, res) => {
      const host = (req.headers.host ?? "").toLowerCase();
      requests.push(`${host} ${req.url}`);
      (sites[host] ?? first).handler(req, res);
    },
  );
  const sockets = new Set<Duplex>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // Handshake failures (e.g. a client refusing TLS 1.1) are expected in tests.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Serve `body` with status 200 and `contentType`. */
export function serve(body: string | Buffer, contentType = "text/plain"): Handler {
  return (_req, res) => {
    res.writeHead(200, { "content-type": contentType });
    res.end(body);
  };
}
