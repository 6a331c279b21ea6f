/**
 * The mail lab (root): a sender, an on-path router and "the internet", each a network namespace
 * of its own, wired with veth pairs and holding nothing but what the lab starts:
 *
 *   sender 192.0.2.1 ── 192.0.2.254 router 198.51.100.254 ── net: 198.51.100.53  dnsmasq
 *   (Postfix,                       (nftables, the                 198.51.100.44  nginx (policy hosts)
 *    mta-sts-daemon)                 STARTTLS stripper)             198.51.100.25  the receiving MX
 *
 * - dnsmasq answers MX, A and the `_mta-sts` TXT records, and its answers never change: the
 *   attack is switched on and off in the router only, so DNS stays truthful in every scenario;
 * - nginx serves each policy host with a certificate from a throw-away CA;
 * - the MX (Debian's aiosmtpd, `receiving-mx.py`) offers STARTTLS with a lab-CA certificate
 *   for every MX name and records, per message, whether it arrived over TLS and from where;
 * - the attacker: nftables in the router redirects the sender's SMTP connections to the
 *   STARTTLS stripper (`starttls-stripper.ts`), which relays them to the MX without the STARTTLS
 *   offer and keeps a transcript; it can also refuse connections to the policy host.
 *
 * /etc/netns/<sender>/resolv.conf names the lab's DNS, and `ip netns exec` bind-mounts it over
 * /etc/resolv.conf for everything run in the sender namespace.
 *
 * Namespaces are named `mtasts-mail-<pid>-<role>`; `stop()` kills what is left in them and
 * deletes them, the /etc/netns entry and the temp directory. If the process dies first (killed,
 * or interrupted under jest), a reaper started with the lab does the same, and the namespaces of
 * an earlier run whose process is gone are removed at the next start. Nothing outside these
 * namespaces is touched (nftables runs in the router's).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestCa, TestCa } from "../../support/https-server";
import { deleteNamespace, dnsmasqArgs, isAlive, listeningTcp, namespacePids, parseListeningTcp, run, sleepMs, startReaper, stopReaper, terminate, waitUntil } from "./namespaces";
import { dnsmasqConfig, LabDomain, nginxConfig } from "./netns-lab";
import type { TranscriptEntry } from "./starttls-stripper";
import { TS_REGISTER } from "../../support/ts-register";

const PREFIX = "mtasts-mail-";
const REPO = resolve(__dirname, "../../..");

/** The lab's fixed addresses (RFC 5737 documentation ranges, private to the lab's namespaces). */
export const ADDRESS = {
  sender: "192.0.2.1",
  /** The router, as the sender sees it (where the stripper's relayed connections come from, too). */
  routerSenderSide: "192.0.2.254",
  routerNetSide: "198.51.100.254",
  dns: "198.51.100.53",
  policyHost: "198.51.100.44",
  mx: "198.51.100.25",
} as const;

const STRIPPER_PORT = 10025;
const TABLE = "mtasts_attacker";

export type Role = "sender" | "router" | "net";

/** What the attacker in the router does to the sender's traffic. */
export interface Attack {
  /** Redirect the sender's SMTP (port 25) to the stripper, which removes STARTTLS. */
  readonly stripStartTls: boolean;
  /** Refuse (TCP reset) the sender's HTTPS connections to the policy host. */
  readonly blockPolicyHost: boolean;
}

/** One message the MX accepted (a line of its inbox). */
export interface InboxEntry {
  /** Where the connection came from: the sender, or the router when the stripper relayed it. */
  readonly peer: string;
  /** Whether the session had completed STARTTLS when the message was sent. */
  readonly tls: boolean;
  readonly tlsVersion: string | null;
  readonly mailFrom: string;
  readonly rcptTos: string[];
  readonly content: string;
}

export class MailLab {
  readonly ns: Record<Role, string>;
  readonly dir: string;
  ca!: TestCa;
  private readonly children: { role: Role; command: string; child: ChildProcess; output: string }[] = [];
  private createdNetnsDir = false;
  private started = false;
  private stopped = false;
  private reaper?: ChildProcess;

  constructor() {
    this.ns = { sender: `${PREFIX}${process.pid}-sender`, router: `${PREFIX}${process.pid}-router`, net: `${PREFIX}${process.pid}-net` };
    this.dir = mkdtempSync(join(tmpdir(), "mta-sts-mail-lab-"));
    // Postfix, nginx and the policy daemon run parts of themselves unprivileged under this directory.
    chmodSync(this.dir, 0o755);
  }

  /** Build the namespaces and start DNS, the policy hosts, the MX and the (idle) attacker. */
  async start(domains: readonly LabDomain[]): Promise<void> {
    this.started = true;
    removeStaleLabs();
    this.createdNetnsDir = !existsSync("/etc/netns");
    this.reaper = startReaper(Object.values(this.ns), [this.dir, join("/etc/netns", this.ns.sender)]);
    this.ca = createTestCa(mkdirP(join(this.dir, "ca")));
    this.network();

    const mxHosts = [...new Set(domains.flatMap((d) => d.mx))];
    writeFileSync(
      join(this.dir, "dnsmasq.conf"),
      dnsmasqConfig(domains, { listenAddress: ADDRESS.dns, policyHostAddress: () => ADDRESS.policyHost, hosts: Object.fromEntries(mxHosts.map((h) => [h, ADDRESS.mx])) }),
    );
    writeFileSync(join(this.dir, "nginx.conf"), nginxConfig(this.dir, this.ca, domains, { addressOf: () => ADDRESS.policyHost, defaultAddress: ADDRESS.policyHost }));
    const mxCert = this.ca.issue("mx", mxHosts);
    const dnsmasq = this.spawn("net", "dnsmasq", dnsmasqArgs(join(this.dir, "dnsmasq.conf")));
    this.spawn("net", "nginx", ["-p", this.dir, "-e", join(this.dir, "nginx-error.log"), "-c", join(this.dir, "nginx.conf")]);
    this.spawn("net", "/usr/bin/python3", [join(__dirname, "receiving-mx.py"), ADDRESS.mx, "25", "mx.lab.test", mxCert.certPath, mxCert.keyPath, this.inboxPath]);
    const stripper = this.spawn("router", process.execPath, ["-r", TS_REGISTER, join(__dirname, "starttls-stripper.ts"), String(STRIPPER_PORT), ADDRESS.mx, "25", this.transcriptPath], {
      PATH: process.env.PATH,
    });

    const expected = [`${ADDRESS.dns}:53`, `${ADDRESS.policyHost}:443`, `${ADDRESS.mx}:25`];
    const ready = await waitUntil(() => {
      const net = listeningTcp(dnsmasq.pid!);
      return expected.every((a) => net.has(a)) && listeningTcp(stripper.pid!).has(`0.0.0.0:${STRIPPER_PORT}`);
    }, 20_000);
    if (!ready) throw new Error(`mail lab: the services did not start listening (want ${expected.join(", ")} and the stripper)\n${this.earlyExits()}`);
  }

  get inboxPath(): string {
    return join(this.dir, "inbox.jsonl");
  }

  get transcriptPath(): string {
    return join(this.dir, "attacker-transcript.jsonl");
  }

  /** Switch the attacker on or off; the counters of its rules start again from zero. */
  setAttack(attack: Attack): void {
    const rules = [
      `flush chain ip ${TABLE} strip_starttls`,
      `flush chain ip ${TABLE} block_policy_host`,
      ...(attack.stripStartTls ? [`add rule ip ${TABLE} strip_starttls iifname "to-sender" tcp dport 25 counter redirect to :${STRIPPER_PORT}`] : []),
      ...(attack.blockPolicyHost ? [`add rule ip ${TABLE} block_policy_host ip daddr ${ADDRESS.policyHost} tcp dport 443 counter reject with tcp reset`] : []),
    ];
    run("ip", ["netns", "exec", this.ns.router, "nft", "-f", "-"], rules.join("\n") + "\n");
  }

  /** Packets each active attack rule has matched since `setAttack` (absent when the rule is off). */
  attackCounters(): { stripStartTls?: number; blockPolicyHost?: number } {
    const { code, stdout, stderr } = this.exec("router", "nft", ["-j", "list", "table", "ip", TABLE]);
    if (code !== 0) throw new Error(`nft list failed: ${stderr}`);
    const items = (JSON.parse(stdout) as { nftables: { rule?: { chain: string; expr: { counter?: { packets: number } }[] } }[] }).nftables;
    const packets = (chain: string) => {
      const rule = items.find((i) => i.rule?.chain === chain)?.rule;
      return rule?.expr.find((e) => e.counter)?.counter?.packets;
    };
    return { stripStartTls: packets("strip_starttls"), blockPolicyHost: packets("block_policy_host") };
  }

  inbox(): InboxEntry[] {
    return readJsonLines<InboxEntry>(this.inboxPath);
  }

  transcript(): TranscriptEntry[] {
    return readJsonLines<TranscriptEntry>(this.transcriptPath);
  }

  /** nginx's access log: `<client> <host> "<request>" <status>`, one per policy request. */
  policyRequests(): string[] {
    const path = join(this.dir, "nginx-access.log");
    return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
  }

  /** The TXT records at `name` as the sender's resolver sees them now (character-strings joined). */
  senderTxt(name: string): string[] {
    const script = `require("node:dns").promises.resolveTxt(process.argv[1]).then(
      (r) => console.log(JSON.stringify(r.map((s) => s.join("")))),
      (e) => (e.code === "ENOTFOUND" || e.code === "ENODATA" ? console.log("[]") : (console.error(String(e)), process.exit(1))))`;
    const { code, stdout, stderr } = this.exec("sender", process.execPath, ["-e", script, name]);
    if (code !== 0) throw new Error(`resolving TXT ${name} in the sender namespace failed: ${stderr}`);
    return JSON.parse(stdout) as string[];
  }

  /** The TCP sockets listening in a namespace right now, as `address:port`. */
  listening(role: Role): Set<string> {
    const { code, stdout } = this.exec(role, "cat", ["/proc/net/tcp"]);
    if (code !== 0) throw new Error(`mail lab: cannot read /proc/net/tcp in ${this.ns[role]}`);
    return parseListeningTcp(stdout);
  }

  /** Run a command in one of the lab's namespaces; never throws on a non-zero exit. */
  exec(role: Role, command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
    const result = spawnSync("ip", ["netns", "exec", this.ns[role], command, ...args], {
      env: options.env ?? { PATH: process.env.PATH, LANG: "C.UTF-8" },
      input: options.input,
      encoding: "utf8",
      timeout: options.timeoutMs ?? 30_000,
    });
    if (result.error) throw result.error;
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
  }

  /**
   * Start a long-running process in a namespace (`ip netns exec` keeps the pid, so the returned
   * child's pid is the process itself); what it prints is kept for `output`. `stop()` kills it if
   * it is still running.
   */
  spawn(role: Role, command: string, args: readonly string[], env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: "C.UTF-8" }): ChildProcess {
    const child = spawn("ip", ["netns", "exec", this.ns[role], command, ...args], { env, cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    const entry = { role, command, child, output: "" };
    const keep = (d: Buffer) => {
      if (entry.output.length < 16_000) entry.output += d.toString();
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.children.push(entry);
    return child;
  }

  /** Stop one process started with `spawn`: SIGTERM, then SIGKILL after `graceMs`. */
  async kill(child: ChildProcess, graceMs = 3000): Promise<void> {
    if (!child.pid || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    if (!(await waitUntil(() => child.exitCode !== null || child.signalCode !== null, graceMs, 50))) child.kill("SIGKILL");
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    terminate(Array.from(this.children, ({ child }) => child));
    if (this.started) {
      // Postfix's and nginx's children follow their masters; whatever is left after that is killed.
      const roles = Object.values(this.ns);
      for (let i = 0; i < 30 && roles.some((ns) => namespacePids(ns).length > 0); i++) sleepMs(100);
      for (const ns of roles) deleteNamespace(ns);
      rmSync(join("/etc/netns", this.ns.sender), { recursive: true, force: true });
      if (this.createdNetnsDir && existsSync("/etc/netns") && readdirSync("/etc/netns").length === 0) rmdirSync("/etc/netns");
    }
    rmSync(this.dir, { recursive: true, force: true });
    stopReaper(this.reaper);
  }

  /** Namespaces, veth pairs (created directly inside them), addresses, routes, forwarding, nftables. */
  private network(): void {
    const { sender, router, net } = this.ns;
    for (const ns of [sender, router, net]) {
      run("ip", ["netns", "add", ns]);
      run("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    run("ip", ["link", "add", "to-router", "netns", sender, "type", "veth", "peer", "name", "to-sender", "netns", router]);
    run("ip", ["link", "add", "to-router", "netns", net, "type", "veth", "peer", "name", "to-net", "netns", router]);
    const ip = (ns: string, ...args: string[]) => run("ip", ["-n", ns, ...args]);
    ip(sender, "addr", "add", `${ADDRESS.sender}/24`, "dev", "to-router");
    ip(router, "addr", "add", `${ADDRESS.routerSenderSide}/24`, "dev", "to-sender");
    ip(router, "addr", "add", `${ADDRESS.routerNetSide}/24`, "dev", "to-net");
    for (const a of [ADDRESS.dns, ADDRESS.policyHost, ADDRESS.mx]) ip(net, "addr", "add", `${a}/24`, "dev", "to-router");
    ip(sender, "link", "set", "to-router", "up");
    ip(router, "link", "set", "to-sender", "up");
    ip(router, "link", "set", "to-net", "up");
    ip(net, "link", "set", "to-router", "up");
    ip(sender, "route", "add", "default", "via", ADDRESS.routerSenderSide);
    ip(net, "route", "add", "default", "via", ADDRESS.routerNetSide);
    // /proc/sys/net is the writer's own namespace's (no procps needed for sysctl).
    run("ip", ["netns", "exec", router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
    // The attacker's table, idle until setAttack: a NAT chain (the redirect) and a filter chain (the block).
    run("ip", ["netns", "exec", router, "nft", "-f", "-"], [
      `table ip ${TABLE} {`,
      `  chain strip_starttls { type nat hook prerouting priority dstnat; policy accept; }`,
      `  chain block_policy_host { type filter hook forward priority filter; policy accept; }`,
      `}`,
      "",
    ].join("\n"));

    mkdirP(join("/etc/netns", sender));
    writeFileSync(join("/etc/netns", sender, "resolv.conf"), `nameserver ${ADDRESS.dns}\noptions attempts:2 timeout:2\n`);
  }

  /** What a process started with `spawn` has printed so far (the first 16 000 characters). */
  output(child: ChildProcess): string {
    return this.children.find((c) => c.child === child)?.output ?? "";
  }

  private earlyExits(): string {
    return this.children
      .filter(({ child }) => child.exitCode !== null || child.signalCode !== null)
      .map(({ role, command, child, output }) => `${role}: ${command} exited (${child.exitCode ?? child.signalCode}): ${output}`)
      .join("\n");
  }
}

function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
}

function mkdirP(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

/**
 * Namespaces of earlier runs of this lab (exactly `mtasts-mail-<pid>-<role>`) whose process is
 * gone: kill what is left in them and delete them. Any other name is someone else's.
 */
function removeStaleLabs(): void {
  const list = spawnSync("ip", ["netns", "list"], { encoding: "utf8", timeout: 10_000 }).stdout ?? "";
  for (const line of list.split("\n")) {
    const name = line.split(" ")[0];
    const owned = /^mtasts-mail-(\d+)-(sender|router|net)$/.exec(name);
    if (!owned) continue;
    const owner = Number(owned[1]);
    if (owner === process.pid || isAlive(owner)) continue;
    deleteNamespace(name);
    rmSync(join("/etc/netns", name), { recursive: true, force: true });
  }
}
