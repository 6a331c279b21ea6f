/**
 * The fleet lab (root): hundreds of mail domains in one network namespace of their own, so that
 * `mta-sts init` and `mta-sts check --stack` meet real DNS, HTTPS and SMTP servers:
 *
 *   127.0.0.1:53    dnsmasq, the resolver the CLI asks: authoritative for `.test` and for the
 *                   providers' MX host names the lab uses; the "dark" zones are forwarded to
 *   127.0.0.54:53   a second dnsmasq, authoritative for them, behind nftables in the namespace:
 *   127.0.0.55:53   a rule per address drops the queries, so a domain's DNS times out as when
 *                   its name servers are gone, while every other domain answers
 *   127.0.0.1:443   nginx, one TLS server per policy host (lab-CA certificates, each naming a
 *                   hundred policy hosts, as the shared AWS host's groups do)
 *   127.0.1.N:25    Debian's aiosmtpd (receiving-mx.py), one process per pool of MX hosts:
 *                   STARTTLS with a certificate naming the pool's hosts
 *   127.0.0.26:25   aiosmtpd with a certificate naming another host
 *   127.0.0.27:25   aiosmtpd with a certificate that expires in 5 days
 *   127.0.0.28:25   nothing: an MX host that is not reachable
 *
 * /etc/netns/<ns>/resolv.conf names 127.0.0.1, so every client run with `exec` asks the lab's
 * DNS. `publish` rewrites DNS and the policy hosts and restarts dnsmasq and nginx (the MX hosts
 * keep running), which is how a test moves from "what DNS says before init" to "deployed".
 *
 * Named `mtasts-fleet-<pid>`; `stop()` kills what it started, deletes the namespace, the
 * /etc/netns entry and the temp directory; a reaper does the same if the process dies first, and
 * a namespace of this lab whose process is gone is removed at the next start. Every wait is
 * bounded.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestCa, IssuedCertificate, TestCa } from "../../support/https-server";
import { deleteNamespace, dnsmasqArgs, isAlive, listeningTcp, namespacePids, run, sleepMs, startReaper, stopReaper, terminate, waitUntil } from "./namespaces";
import { LabDomain, nginxConfig } from "./netns-lab";
import { TS_REGISTER } from "../../support/ts-register";

const PREFIX = "mtasts-fleet-";
const REPO = resolve(__dirname, "../../..");
const DAY = 86_400_000;
const TABLE = "mtasts_fleet";

/** The lab's addresses, all on the namespace's loopback. */
export const FLEET_ADDRESS = {
  resolver: "127.0.0.1",
  darkInit: "127.0.0.54",
  darkCheck: "127.0.0.55",
  policyHosts: "127.0.0.1",
  mxOtherName: "127.0.0.26",
  mxExpiring: "127.0.0.27",
  mxUnreachable: "127.0.0.28",
} as const;

/** The address of the `index`th pool of good MX hosts (one aiosmtpd each). */
export function mxPoolAddress(index: number): string {
  return `127.0.1.${index + 1}`;
}

/** The certificates the lab issues, and which MX hosts each aiosmtpd serves. */
export interface FleetCertificates {
  /** Each pool: its address (mxPoolAddress) and the MX host names its certificate names. */
  readonly mxPools: readonly { readonly address: string; readonly names: readonly string[] }[];
  /** Groups of policy hosts (`mta-sts.<domain>`), one certificate each. */
  readonly policyHostGroups: readonly (readonly string[])[];
  /** What the misnamed MX certificate names instead. */
  readonly otherName: string;
  readonly expiringMxNames: readonly string[];
  readonly expiringPolicyHost: string;
}

/** One domain as DNS and the policy hosts publish it. */
export interface PublishedDomain {
  readonly domain: string;
  /** MX records; `null` is the null MX (RFC 7505 `0 .`); empty for none. */
  readonly mx: readonly { readonly priority: number; readonly host: string }[] | null;
  /** The domain's own A record (a domain without MX still exists). */
  readonly address?: string;
  /** TXT at `_mta-sts.<domain>` and `_smtp._tls.<domain>`, each a record of character-strings. */
  readonly stsTxt?: readonly (readonly string[])[];
  readonly tlsRptTxt?: readonly (readonly string[])[];
  /** The policy bytes served at `https://mta-sts.<domain>/.well-known/mta-sts.txt` (with an A record); none: no policy host. */
  readonly policy?: string;
  /** `expiring`: the policy host's certificate expires in 5 days. */
  readonly policyCertificate?: "shared" | "expiring";
  /** Which DNS server is authoritative: the lab's resolver itself, or one behind the nftables drop. */
  readonly zone?: "main" | "dark-init" | "dark-check";
}

export interface PublishedState {
  readonly domains: readonly PublishedDomain[];
  /** A records of the MX hosts (host → address). */
  readonly mxHosts: Readonly<Record<string, string>>;
}

export class FleetLab {
  readonly ns = `${PREFIX}${process.pid}`;
  readonly dir: string;
  ca!: TestCa;
  private readonly policyCerts = new Map<string, IssuedCertificate>();
  private expiringPolicyCert?: IssuedCertificate;
  private readonly children: { name: string; child: ChildProcess; output: string }[] = [];
  private restartable: { dns?: ChildProcess; darkDns?: ChildProcess; nginx?: ChildProcess } = {};
  private createdNetnsDir = false;
  private started = false;
  private stopped = false;
  private reaper?: ChildProcess;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "mta-sts-fleet-lab-"));
    // nginx workers run unprivileged and read the policy files and certificates under it.
    chmodSync(this.dir, 0o755);
  }

  /** The namespace, the nftables table, the CA, the certificates and the MX hosts. */
  async start(options: FleetCertificates): Promise<void> {
    this.started = true;
    removeStaleLabs();
    this.createdNetnsDir = !existsSync("/etc/netns");
    this.reaper = startReaper([this.ns], [this.dir, join("/etc/netns", this.ns)]);
    run("ip", ["netns", "add", this.ns]);
    run("ip", ["-n", this.ns, "link", "set", "lo", "up"]);
    mkdirSync(join("/etc/netns", this.ns), { recursive: true });
    writeFileSync(join("/etc/netns", this.ns, "resolv.conf"), `nameserver ${FLEET_ADDRESS.resolver}\noptions attempts:1 timeout:2\n`);
    // Dropped on the way in, not out: a drop in the output hook fails the sender's sendto() at
    // once (dnsmasq then answers REFUSED), where a lost packet leaves the question unanswered.
    run("ip", ["netns", "exec", this.ns, "nft", "-f", "-"], [`table inet ${TABLE} {`, "  chain input {", "    type filter hook input priority filter; policy accept;", "  }", "}", ""].join("\n"));

    this.ca = createTestCa(mkdirP(join(this.dir, "ca")));
    options.policyHostGroups.forEach((hosts, i) => {
      const cert = this.ca.issue(`policy-hosts-${i}`, hosts);
      for (const host of hosts) this.policyCerts.set(host, cert);
    });
    this.expiringPolicyCert = this.ca.issue("policy-expiring", [options.expiringPolicyHost], { notAfter: new Date(Date.now() + 5 * DAY) });
    const mx = (address: string, cert: IssuedCertificate, name: string) =>
      this.spawn(`aiosmtpd ${address}`, "/usr/bin/python3", [join(__dirname, "receiving-mx.py"), address, "25", name, cert.certPath, cert.keyPath, join(this.dir, `inbox-${address}.jsonl`)]);
    const first = mx(FLEET_ADDRESS.mxOtherName, this.ca.issue("mx-other-name", [options.otherName]), options.otherName);
    mx(FLEET_ADDRESS.mxExpiring, this.ca.issue("mx-expiring", options.expiringMxNames, { notAfter: new Date(Date.now() + 5 * DAY) }), "mx-expiring.fleet.test");
    options.mxPools.forEach((pool, i) => mx(pool.address, this.ca.issue(`mx-pool-${i}`, pool.names), `mx-pool-${i}.fleet.test`));
    const want = [FLEET_ADDRESS.mxOtherName, FLEET_ADDRESS.mxExpiring, ...options.mxPools.map((p) => p.address)].map((a) => `${a}:25`);
    if (!(await waitUntil(() => want.every((a) => listeningTcp(first.pid!).has(a)), 20_000))) throw new Error(`fleet lab: the MX hosts did not start listening\n${this.earlyExits()}`);
  }

  /** Replace what DNS and the policy hosts say with `state`, restarting dnsmasq and nginx. */
  async publish(state: PublishedState): Promise<void> {
    for (const key of ["dns", "darkDns", "nginx"] as const) {
      const child = this.restartable[key];
      if (child) await this.kill(child);
    }
    const main = state.domains.filter((d) => (d.zone ?? "main") === "main");
    const dark = state.domains.filter((d) => (d.zone ?? "main") !== "main");
    writeFileSync(join(this.dir, "dnsmasq.conf"), dnsmasqConf([FLEET_ADDRESS.resolver], ["test", ...Object.keys(state.mxHosts).filter((h) => !h.endsWith(".test"))], main, state.mxHosts, dark));
    writeFileSync(join(this.dir, "dnsmasq-dark.conf"), dnsmasqConf([FLEET_ADDRESS.darkInit, FLEET_ADDRESS.darkCheck], dark.map((d) => d.domain), dark, {}, []));
    const served: LabDomain[] = state.domains
      .filter((d) => d.policy !== undefined)
      .map((d) => ({ domain: d.domain, stsTxt: [], tlsRptTxt: [], mx: [], answer: { kind: "policy", body: d.policy! } }));
    const expiring = new Set(state.domains.filter((d) => d.policyCertificate === "expiring").map((d) => d.domain));
    writeFileSync(
      join(this.dir, "nginx.conf"),
      nginxConfig(this.dir, this.ca, served, {
        addressOf: () => FLEET_ADDRESS.policyHosts,
        defaultAddress: FLEET_ADDRESS.policyHosts,
        certificateOf: (d) => (expiring.has(d.domain) ? this.expiringPolicyCert! : this.policyCerts.get(`mta-sts.${d.domain}`)!),
      }),
    );
    this.restartable.dns = this.spawn("dnsmasq", "dnsmasq", dnsmasqArgs(join(this.dir, "dnsmasq.conf")));
    this.restartable.darkDns = this.spawn("dnsmasq (dark zones)", "dnsmasq", dnsmasqArgs(join(this.dir, "dnsmasq-dark.conf")));
    this.restartable.nginx = this.spawn("nginx", "nginx", ["-p", this.dir, "-e", join(this.dir, "nginx-error.log"), "-c", join(this.dir, "nginx.conf")]);
    const pid = this.restartable.dns.pid!;
    const ready = await waitUntil(() => {
      const tcp = listeningTcp(pid);
      return [`${FLEET_ADDRESS.resolver}:53`, `${FLEET_ADDRESS.darkInit}:53`, `${FLEET_ADDRESS.darkCheck}:53`, ...(served.length > 0 ? [`${FLEET_ADDRESS.policyHosts}:443`] : [])].every((a) => tcp.has(a));
    }, 30_000);
    if (!ready) throw new Error(`fleet lab: dnsmasq or nginx did not start listening\n${this.earlyExits()}`);
  }

  /** Drop every DNS query to `address` (UDP and TCP port 53) inside the namespace, counting them. */
  dropDns(address: string): void {
    run("ip", ["netns", "exec", this.ns, "nft", "-f", "-"], [
      `add rule inet ${TABLE} input ip daddr ${address} udp dport 53 counter drop comment "drop-${address}"`,
      `add rule inet ${TABLE} input ip daddr ${address} tcp dport 53 counter drop comment "drop-${address}"`,
      "",
    ].join("\n"));
  }

  /** Packets each drop rule has matched, by address. */
  droppedPackets(): Record<string, number> {
    const { code, stdout, stderr } = this.exec("nft", ["-j", "list", "table", "inet", TABLE]);
    if (code !== 0) throw new Error(`nft list failed: ${stderr}`);
    const out: Record<string, number> = {};
    for (const item of (JSON.parse(stdout) as { nftables: { rule?: { comment?: string; expr: { counter?: { packets: number } }[] } }[] }).nftables) {
      const address = item.rule?.comment?.replace(/^drop-/, "");
      const packets = item.rule?.expr.find((e) => e.counter)?.counter?.packets;
      if (address && packets !== undefined) out[address] = (out[address] ?? 0) + packets;
    }
    return out;
  }

  /** Run a command inside the namespace; never throws on a non-zero exit. */
  exec(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
    const result = spawnSync("ip", ["netns", "exec", this.ns, command, ...args], {
      env: options.env ?? { PATH: process.env.PATH, LANG: "C.UTF-8" },
      cwd: REPO,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      timeout: options.timeoutMs ?? 120_000,
    });
    if (result.error) throw result.error;
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /** `mta-sts <args>` from the sources (scripts/ts-register.js), inside the namespace. */
  mtaSts(args: readonly string[], timeoutMs = 180_000): { code: number; stdout: string; stderr: string } {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: "C.UTF-8" };
    return this.exec(process.execPath, ["-r", TS_REGISTER, join(REPO, "cli", "main.ts"), ...args], { env, timeoutMs });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    terminate(Array.from(this.children, ({ child }) => child));
    if (this.started) {
      for (let i = 0; i < 30 && namespacePids(this.ns).length > 0; i++) sleepMs(100);
      deleteNamespace(this.ns);
      rmSync(join("/etc/netns", this.ns), { recursive: true, force: true });
      if (this.createdNetnsDir && existsSync("/etc/netns") && readdirSync("/etc/netns").length === 0) rmdirSync("/etc/netns");
    }
    rmSync(this.dir, { recursive: true, force: true });
    stopReaper(this.reaper);
  }

  private spawn(name: string, command: string, args: readonly string[]): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.ns, command, ...args], { cwd: REPO, env: { PATH: process.env.PATH, LANG: "C.UTF-8" }, stdio: ["ignore", "pipe", "pipe"] });
    const entry = { name, child, output: "" };
    const keep = (d: Buffer) => {
      if (entry.output.length < 16_000) entry.output += d.toString();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.children.push(entry);
    return child;
  }

  private async kill(child: ChildProcess): Promise<void> {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    if (!(await waitUntil(() => child.exitCode !== null || child.signalCode !== null, 5000, 50))) child.kill("SIGKILL");
    // nginx's workers follow their master; give them a moment to release the port.
    await waitUntil(() => false, 100, 50);
  }

  private earlyExits(): string {
    return this.children
      .filter(({ child }) => child.exitCode !== null || child.signalCode !== null)
      .map(({ name, child, output }) => `${name} exited (${child.exitCode ?? child.signalCode}): ${output}`)
      .join("\n");
  }
}

/**
 * A dnsmasq config authoritative for the `zones` (NXDOMAIN for a name it does not hold), holding
 * `domains`' records and the MX hosts' addresses, and forwarding `forwarded`'s zones to the dark
 * server (a longer `server=` match wins over `local=`).
 */
function dnsmasqConf(listen: readonly string[], zones: readonly string[], domains: readonly PublishedDomain[], mxHosts: Readonly<Record<string, string>>, forwarded: readonly PublishedDomain[]): string {
  const quote = (s: string) => {
    if (/["\\]/.test(s)) throw new Error(`fleet lab: TXT string with a quote or backslash is not supported: ${s}`);
    return `"${s}"`;
  };
  const lines = ["port=53", `listen-address=${listen.join(",")}`, "bind-interfaces", "no-resolv", "no-hosts", "no-poll", "log-facility=/dev/null", "cache-size=0"];
  for (const zone of zones) lines.push(`local=/${zone}/`);
  for (const d of domains) {
    for (const r of d.stsTxt ?? []) lines.push(`txt-record=_mta-sts.${d.domain},${r.map(quote).join(",")}`);
    for (const r of d.tlsRptTxt ?? []) lines.push(`txt-record=_smtp._tls.${d.domain},${r.map(quote).join(",")}`);
    // dnsmasq writes "." as the root name: the null MX of RFC 7505.
    if (d.mx === null) lines.push(`mx-host=${d.domain},.,0`);
    else for (const m of d.mx) lines.push(`mx-host=${d.domain},${m.host},${m.priority}`);
    if (d.address) lines.push(`host-record=${d.domain},${d.address}`);
    if (d.policy !== undefined) lines.push(`host-record=mta-sts.${d.domain},${FLEET_ADDRESS.policyHosts}`);
  }
  for (const [host, address] of Object.entries(mxHosts)) lines.push(`host-record=${host},${address}`);
  for (const d of forwarded) lines.push(`server=/${d.domain}/${d.zone === "dark-init" ? FLEET_ADDRESS.darkInit : FLEET_ADDRESS.darkCheck}`);
  return lines.join("\n") + "\n";
}

function mkdirP(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/** Namespaces of earlier runs of this lab (exactly `mtasts-fleet-<pid>`) whose process is gone. */
function removeStaleLabs(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8", timeout: 10_000 }).stdout ?? "";
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
