/**
 * The end-to-end lab: a network namespace of its own (`ip netns`, root), holding
 * - dnsmasq on 127.0.0.1:53, authoritative for `.test`, answering exactly the TXT, MX and A
 *   records given (the project's rendering, or a deliberately broken variant);
 * - nginx on 127.0.0.1:443, one TLS server per policy host, certificates from a throw-away CA
 *   (openssl), serving the given policy bytes at /.well-known/mta-sts.txt (or a broken answer);
 * - /etc/netns/<ns>/resolv.conf (`nameserver 127.0.0.1`), which `ip netns exec` bind-mounts over
 *   /etc/resolv.conf, so every client run in the namespace (mta-sts-query's aiodns, node's c-ares)
 *   asks the lab's DNS and nothing else; the namespace has no route anywhere but its loopback.
 *
 * `stop()` kills what it started (by pid), deletes the namespace, the /etc/netns entry and the
 * temp directory. If the process dies first (killed, or interrupted under jest, whose test
 * environment never sees the process's signal events), a reaper started with the lab does the
 * same, and a namespace left by a killed earlier run (its owner pid gone) is removed at the next
 * start.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestCa, IssuedCertificate, TestCa } from "../../support/https-server";
import { deleteNamespace, dnsmasqArgs, isAlive, namespacePids, run, sleepMs, startReaper, stopReaper, terminate } from "./namespaces";

const PREFIX = "mtasts-e2e-";
const DAY = 86_400_000;

/** What one policy host answers on /.well-known/mta-sts.txt. */
export type PolicyAnswer =
  | { kind: "policy"; body: string; contentType?: string }
  | { kind: "redirect"; location: string }
  | { kind: "status"; status: number };

export interface LabDomain {
  /** The mail domain (A-label). */
  readonly domain: string;
  /** Every TXT record at `_mta-sts.<domain>`, each as its character-strings. */
  readonly stsTxt: string[][];
  /** TXT records at `_smtp._tls.<domain>`. */
  readonly tlsRptTxt: string[][];
  /** Live MX hosts, in priority order. */
  readonly mx: string[];
  readonly answer: PolicyAnswer;
  /** `valid` (default), `expired`, or `other-name` (a certificate for someone else's host). */
  readonly certificate?: "valid" | "expired" | "other-name";
  /**
   * `modern` (default): TLS 1.2 and 1.3. `legacy`: TLS 1.0 and 1.1 only, served from 127.0.0.2
   * by a server of its own, so the protocol versions do not depend on SNI.
   */
  readonly tls?: "modern" | "legacy";
}

export class NetnsLab {
  readonly ns = `${PREFIX}${process.pid}`;
  readonly dir: string;
  ca!: TestCa;
  private processes: ChildProcess[] = [];
  private createdNetnsDir = false;
  private stopped = false;
  private reaper?: ChildProcess;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "mta-sts-lab-"));
    // nginx workers run as an unprivileged user and must read the policy files.
    chmodSync(this.dir, 0o755);
  }

  /** Start the namespace, DNS and HTTPS for `domains`. */
  async start(domains: readonly LabDomain[]): Promise<void> {
    removeStaleLabs();
    if (!existsSync("/etc/netns")) this.createdNetnsDir = true;
    this.reaper = startReaper([this.ns], [this.dir, join("/etc/netns", this.ns)]);
    this.ca = createTestCa(mkdirP(join(this.dir, "ca")));
    run("ip", ["netns", "add", this.ns]);
    run("ip", ["-n", this.ns, "link", "set", "lo", "up"]);
    mkdirP(join("/etc/netns", this.ns));
    writeFileSync(join("/etc/netns", this.ns, "resolv.conf"), "nameserver 127.0.0.1\noptions attempts:1 timeout:2\n");

    writeFileSync(join(this.dir, "dnsmasq.conf"), dnsmasqConfig(domains));
    writeFileSync(join(this.dir, "nginx.conf"), nginxConfig(this.dir, this.ca, domains));
    this.spawn("dnsmasq", dnsmasqArgs(join(this.dir, "dnsmasq.conf")));
    this.spawn("nginx", ["-p", this.dir, "-e", join(this.dir, "nginx-error.log"), "-c", join(this.dir, "nginx.conf")]);
    await this.waitListening();
  }

  /** Run a command inside the namespace; never throws on a non-zero exit. */
  exec(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): { code: number; stdout: string; stderr: string } {
    const result = spawnSync("ip", ["netns", "exec", this.ns, command, ...args], { env, encoding: "utf8", timeout: timeoutMs });
    if (result.error) throw result.error;
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    terminate(this.processes);
    // nginx workers follow their master; wait until nothing of ours is left in the namespace.
    for (let i = 0; i < 50 && namespacePids(this.ns).length > 0; i++) sleepMs(100);
    for (const pid of namespacePids(this.ns)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    spawnSync("ip", ["netns", "del", this.ns]);
    rmSync(join("/etc/netns", this.ns), { recursive: true, force: true });
    if (this.createdNetnsDir && existsSync("/etc/netns") && readdirSync("/etc/netns").length === 0) rmdirSync("/etc/netns");
    rmSync(this.dir, { recursive: true, force: true });
    stopReaper(this.reaper);
  }

  private spawn(command: string, args: string[]): void {
    const child = spawn("ip", ["netns", "exec", this.ns, command, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.on("exit", (code) => {
      if (!this.stopped) process.stderr.write(`lab: ${command} exited early (${code}): ${output}\n`);
    });
    this.processes.push(child);
  }

  private async waitListening(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const tcp = this.exec("ss", ["-Hltn", "sport = :443"]).stdout;
      const udp = this.exec("ss", ["-Hlun", "sport = :53"]).stdout;
      if (tcp.trim() && udp.trim()) return;
      if (this.processes.some((p) => p.exitCode !== null)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const log = existsSync(join(this.dir, "nginx-error.log")) ? readFileSync(join(this.dir, "nginx-error.log"), "utf8") : "";
    throw new Error(`lab: dnsmasq or nginx did not start listening in ${this.ns}\n${log}`);
  }
}

/** Where the lab's DNS listens and what addresses it hands out. */
export interface DnsmasqOptions {
  /** The address dnsmasq listens on. Defaults to 127.0.0.1. */
  readonly listenAddress?: string;
  /** The A record of each domain's policy host. Defaults to the namespace lab's own (127.0.0.1, 127.0.0.2 for `legacy`). */
  readonly policyHostAddress?: (d: LabDomain) => string;
  /** Further A records, host name → address (e.g. the MX hosts). Defaults to none. */
  readonly hosts?: Readonly<Record<string, string>>;
}

/** dnsmasq: authoritative answers for `.test` from the lab's records only, NXDOMAIN otherwise. */
export function dnsmasqConfig(domains: readonly LabDomain[], options: DnsmasqOptions = {}): string {
  const quote = (s: string) => {
    if (/["\\]/.test(s)) throw new Error(`lab: TXT string with a quote or backslash is not supported: ${s}`);
    return `"${s}"`;
  };
  const policyHostAddress = options.policyHostAddress ?? addressOf;
  const lines = ["port=53", `listen-address=${options.listenAddress ?? "127.0.0.1"}`, "bind-interfaces", "no-resolv", "no-hosts", "no-poll", "local=/test/", "log-facility=-"];
  for (const d of domains) {
    // Each TXT record is written as its character-strings, so a >255-octet record reaches clients split (RFC 1035 §3.3.14).
    for (const record of d.stsTxt) lines.push(`txt-record=_mta-sts.${d.domain},${record.map(quote).join(",")}`);
    for (const record of d.tlsRptTxt) lines.push(`txt-record=_smtp._tls.${d.domain},${record.map(quote).join(",")}`);
    d.mx.forEach((host, i) => lines.push(`mx-host=${d.domain},${host},${10 * (i + 1)}`));
    lines.push(`host-record=mta-sts.${d.domain},${policyHostAddress(d)}`);
  }
  for (const [host, address] of Object.entries(options.hosts ?? {})) lines.push(`host-record=${host},${address}`);
  return lines.join("\n") + "\n";
}

/**
 * nginx: one TLS server per policy host (certificate from `ca`), serving each domain's answer at
 * /.well-known/mta-sts.txt; any other name gets 421 from a default server on `defaultAddress`.
 * Writes the policy files, certificates and temp paths under `dir`.
 */
export function nginxConfig(
  dir: string,
  ca: TestCa,
  domains: readonly LabDomain[],
  listen: { addressOf: (d: LabDomain) => string; defaultAddress: string; certificateOf?: (d: LabDomain) => IssuedCertificate } = { addressOf, defaultAddress: "127.0.0.1" },
): string {
  const fallback = ca.issue("default-server", ["default.invalid"]);
  mkdirP(join(dir, "policies"));
  mkdirP(join(dir, "nginx-tmp"));
  const servers = domains.map((d) => {
    // A lab of hundreds of domains shares certificates: one openssl run per domain would take minutes.
    const cert = listen.certificateOf?.(d) ?? certificateFor(ca, d);
    let location: string;
    if (d.answer.kind === "policy") {
      const file = join(dir, "policies", `${d.domain}.txt`);
      writeFileSync(file, d.answer.body);
      // No mime types: the type is exactly what the lab says, and the bytes are the file's.
      location = `types { } default_type ${d.answer.contentType ?? "text/plain"}; charset off; alias ${file};`;
    } else if (d.answer.kind === "redirect") {
      location = `return 301 ${d.answer.location};`;
    } else {
      location = `return ${d.answer.status};`;
    }
    const legacy = d.tls === "legacy";
    const tls = legacy ? "ssl_protocols TLSv1 TLSv1.1;\n    ssl_ciphers DEFAULT:@SECLEVEL=0;" : "ssl_protocols TLSv1.2 TLSv1.3;";
    return `  server {
    listen ${listen.addressOf(d)}:443 ssl;
    server_name mta-sts.${d.domain};
    ssl_certificate ${cert.certPath};
    ssl_certificate_key ${cert.keyPath};
    ${tls}
    location = /.well-known/mta-sts.txt { ${location} }
    location / { return 404; }
  }`;
  });
  const tmp = join(dir, "nginx-tmp");
  return `worker_processes 1;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "nginx-error.log")} warn;
events { worker_connections 1024; }
http {
  # The host each request named, so a lab can tell which policy a client fetched.
  log_format lab '$remote_addr $host "$request" $status';
  access_log ${join(dir, "nginx-access.log")} lab;
  client_body_temp_path ${tmp}/body;
  proxy_temp_path ${tmp}/proxy;
  fastcgi_temp_path ${tmp}/fastcgi;
  uwsgi_temp_path ${tmp}/uwsgi;
  scgi_temp_path ${tmp}/scgi;
  server_names_hash_bucket_size 128;
  server_names_hash_max_size 16384;
  server_tokens off;
  server {
    listen ${listen.defaultAddress}:443 ssl default_server;
    server_name _;
    ssl_certificate ${fallback.certPath};
    ssl_certificate_key ${fallback.keyPath};
    return 421;
  }
${servers.join("\n")}
}
`;
}

function certificateFor(ca: TestCa, d: LabDomain): IssuedCertificate {
  const host = `mta-sts.${d.domain}`;
  const label = d.domain.replace(/[^a-z0-9-]/g, "_");
  switch (d.certificate ?? "valid") {
    case "expired":
      return ca.issue(label, [host], { notBefore: new Date(Date.now() - 120 * DAY), notAfter: new Date(Date.now() - 30 * DAY) });
    case "other-name":
      return ca.issue(label, [`mta-sts.someone-else.test`]);
    default:
      return ca.issue(label, [host]);
  }
}

function addressOf(d: LabDomain): string {
  return d.tls === "legacy" ? "127.0.0.2" : "127.0.0.1";
}

function mkdirP(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/**
 * Namespaces of earlier runs of this lab (exactly `<prefix><pid>`) whose process is gone: kill
 * what is left in them and delete them. Any other name is someone else's and is left alone.
 */
function removeStaleLabs(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout ?? "";
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0];
    const owned = new RegExp(`^${PREFIX}(\\d+)$`).exec(name);
    if (!owned) continue;
    const owner = Number(owned[1]);
    if (owner === process.pid || isAlive(owner)) continue;
    deleteNamespace(name);
    rmSync(join("/etc/netns", name), { recursive: true, force: true });
  }
}
