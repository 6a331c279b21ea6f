/**
 * A real sending MTA in the mail lab's sender namespace: Debian's Postfix, asking Debian's
 * `mta-sts-daemon` (postfix-mta-sts-resolver) for each destination's TLS policy through
 * `smtp_tls_policy_maps = socketmap:inet:127.0.0.1:<port>:postfix`, as the resolver's manual
 * sets it up.
 *
 * Postfix runs with a config_directory, queue_directory, data_directory and maillog_file of its
 * own under the lab's directory, never the machine's configuration, and logs to that file only
 * (no syslog). `postfix -c <dir>`, `postqueue -c` and `postmap -c` need no
 * `alternate_config_directories` entry in the machine's /etc/postfix/main.cf because they run as
 * root, whom Postfix trusts to name a configuration directory (3.7 and 3.10 alike). Its opportunistic default (`smtp_tls_security_level = may`) is what a sender does
 * without a policy; the daemon's answer (`secure match=<mx patterns>`) is what MTA-STS adds.
 *
 * One sender per scenario: a fresh daemon has an empty policy cache (an old daemon would answer
 * from what it cached before), on a port chosen for the scenario that is checked free before it
 * starts and then checked to be its alone (the daemon binds with SO_REUSEPORT, so a stale one
 * could share it); a fresh Postfix has an empty queue and no memory of earlier deliveries.
 * `stop()` stops both.
 *
 * Written for Postfix 3.7 (Debian 12) and 3.10 (Debian 13), resolver 1.1 and 1.5: only
 * settings both understand; `compatibility_level = 3.6` is valid in both; the daemon's `tlsrpt`
 * attributes (1.5) stay off, so Postfix 3.10 gets the same `secure match=` answer as 3.7 and
 * keeps its classic behaviour (`smtp_tls_enforce_sts_mx_patterns` applies only to policies
 * that carry those attributes).
 */
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { MailLab } from "./mail-lab";
import { listeningTcp, soleListener, waitUntil } from "./namespaces";

/** How a delivery attempt ended, from the sender's log. */
export interface DeliveryOutcome {
  readonly status: "sent" | "deferred" | "bounced";
  /** The text in parentheses after the status (the MX's reply, or why it was not delivered). */
  readonly reason: string;
  readonly line: string;
}

/** One message in the sender's queue (`postqueue -j`). */
export interface QueuedMessage {
  readonly queue_name: string;
  readonly queue_id: string;
  readonly recipients: { address: string; delay_reason?: string }[];
}

export class PostfixSender {
  readonly dir: string;
  readonly policyMap: string;
  private readonly port: number;
  private daemon?: ChildProcess;
  private postfix?: ChildProcess;

  constructor(private readonly lab: MailLab, name: string) {
    this.dir = join(lab.dir, `sender-${name}`);
    this.port = freePort(lab.listening("sender"));
    this.policyMap = `socketmap:inet:127.0.0.1:${this.port}:postfix`;
  }

  get configDirectory(): string {
    return join(this.dir, "config");
  }

  get logPath(): string {
    return join(this.dir, "maillog");
  }

  async start(): Promise<void> {
    for (const sub of ["config", "queue", "data", "empty-ca-dir"]) mkdirSync(join(this.dir, sub), { recursive: true });
    // Postfix's master keeps its lock file in data_directory, as the mail owner.
    const owner = postfixOwner();
    chownSync(join(this.dir, "data"), owner.uid, owner.gid);
    writeFileSync(join(this.dir, "mta-sts-daemon.yml"), daemonConfig(this.port));
    writeFileSync(join(this.configDirectory, "main.cf"), mainCf(this.dir, this.lab.ca.caPath, this.policyMap));
    writeFileSync(join(this.configDirectory, "master.cf"), MASTER_CF);

    // Both start at once (Postfix asks the daemon only when it delivers).
    const daemon = this.lab.spawn("sender", "mta-sts-daemon", ["-c", join(this.dir, "mta-sts-daemon.yml"), "-v", "debug", "-l", join(this.dir, "mta-sts-daemon.log")], {
      PATH: process.env.PATH,
      LANG: "C.UTF-8",
      // aiohttp verifies with Python's default context, which OpenSSL points at these: the lab
      // CA, and an empty directory instead of the system's roots.
      SSL_CERT_FILE: this.lab.ca.caPath,
      SSL_CERT_DIR: join(this.dir, "empty-ca-dir"),
    });
    this.daemon = daemon;
    const postfix = this.lab.spawn("sender", "postfix", ["-c", this.configDirectory, "start-fg"]);
    this.postfix = postfix;

    const address = `127.0.0.1:${this.port}`;
    const [daemonUp, postfixUp] = await Promise.all([
      waitUntil(() => listeningTcp(daemon.pid!).has(address), 20_000),
      waitUntil(() => listeningTcp(postfix.pid!).has("127.0.0.1:25"), 30_000),
    ]);
    if (!daemonUp) throw new Error(`mta-sts-daemon did not listen on ${address}: ${this.lab.output(daemon)}${this.daemonLog()}`);
    // The daemon always binds with SO_REUSEPORT (resolver 1.1 and 1.5 cannot start without it),
    // so a stale daemon on the port would silently share it: the port must be this daemon's alone.
    if (!soleListener(daemon.pid!, address)) throw new Error(`another process also listens on ${address} in ${this.lab.ns.sender}; a stale policy daemon would answer from its old cache`);
    if (!postfixUp) throw new Error(`postfix did not start: ${this.lab.output(postfix)}\n${this.log()}`);
  }

  /** Submit a message over SMTP to the sender's own smtpd (127.0.0.1:25); returns its queue id. */
  send(message: { from: string; to: string; subject: string; body: string }): string {
    const text = [
      `From: <${message.from}>`,
      `To: <${message.to}>`,
      `Subject: ${message.subject}`,
      `Date: ${new Date().toUTCString()}`,
      "",
      message.body,
      "",
    ].join("\r\n");
    const script = [
      "import smtplib, sys",
      "s = smtplib.SMTP('127.0.0.1', 25, timeout=20)",
      "s.ehlo('submit.lab.test')",
      "code, reply = s.mail(sys.argv[1]); assert code == 250, reply",
      "code, reply = s.rcpt(sys.argv[2]); assert code == 250, reply",
      "code, reply = s.data(sys.stdin.buffer.read()); assert code == 250, reply",
      "print(reply.decode())",
      "s.quit()",
    ].join("\n");
    const { code, stdout, stderr } = this.lab.exec("sender", "/usr/bin/python3", ["-c", script, message.from, message.to], { input: text });
    const queued = /queued as ([0-9A-Za-z]+)/.exec(stdout);
    if (code !== 0 || !queued) throw new Error(`submitting to the sender failed (${code}): ${stdout}${stderr}\n${this.log()}`);
    return queued[1];
  }

  /** Wait (bounded) for the delivery attempt of `queueId` to end, as the sender logs it. */
  async outcome(queueId: string, timeoutMs = 30_000): Promise<DeliveryOutcome> {
    const pattern = new RegExp(`^.*\\b${queueId}: to=<[^>]*>,.* status=(sent|deferred|bounced) \\((.*)\\)$`, "m");
    let found: RegExpExecArray | null = null;
    await waitUntil(() => (found = pattern.exec(this.log())) !== null, timeoutMs, 200);
    if (!found) throw new Error(`no delivery outcome for ${queueId} within ${timeoutMs} ms:\n${this.log()}\n${this.daemonLog()}`);
    const [line, status, reason] = found as RegExpExecArray;
    return { status: status as DeliveryOutcome["status"], reason, line };
  }

  /** The sender's whole log (its maillog_file). */
  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, "utf8") : "";
  }

  daemonLog(): string {
    const path = join(this.dir, "mta-sts-daemon.log");
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  }

  /** The messages in the sender's queue. */
  queue(): QueuedMessage[] {
    const { code, stdout, stderr } = this.lab.exec("sender", "postqueue", ["-c", this.configDirectory, "-j"]);
    if (code !== 0) throw new Error(`postqueue -j failed (${code}): ${stderr}`);
    return stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as QueuedMessage);
  }

  /** What the policy daemon answers Postfix for `domain` now (`postmap -q`), or undefined for "no policy". */
  policyFor(domain: string): string | undefined {
    const { code, stdout, stderr } = this.lab.exec("sender", "postmap", ["-c", this.configDirectory, "-q", domain, this.policyMap]);
    if (code === 0) return stdout.trim();
    if (code === 1 && stderr.trim() === "") return undefined;
    throw new Error(`postmap -q ${domain} failed (${code}): ${stderr}`);
  }

  /** Stop Postfix (`postfix stop`, then the master by pid if need be) and the policy daemon. */
  async stop(): Promise<void> {
    const { daemon, postfix } = this;
    this.daemon = this.postfix = undefined;
    const daemonStopped = daemon ? this.lab.kill(daemon) : Promise.resolve();
    if (postfix) {
      this.lab.exec("sender", "postfix", ["-c", this.configDirectory, "stop"], { timeoutMs: 20_000 });
      if (!(await waitUntil(() => postfix.exitCode !== null || postfix.signalCode !== null, 10_000))) {
        const pidFile = join(this.dir, "queue", "pid", "master.pid");
        const master = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : NaN;
        if (Number.isInteger(master) && master > 0) {
          try {
            process.kill(master, "SIGKILL");
          } catch {
            // gone
          }
        }
        await this.lab.kill(postfix, 1000);
      }
    }
    await daemonStopped;
  }
}

/** A port between 20000 and 59999 that nothing listens on in the sender namespace. */
function freePort(listening: Set<string>): number {
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    if (![...listening].some((a) => a.endsWith(`:${port}`))) return port;
  }
  throw new Error("no free port for the policy daemon");
}

function postfixOwner(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync("id", [flag, "postfix"], { encoding: "utf8" }).stdout.trim());
  const owner = { uid: id("-u"), gid: id("-g") };
  if (!Number.isInteger(owner.uid) || !Number.isInteger(owner.gid)) throw new Error("the mail lab needs the postfix user (apt-get install postfix)");
  return owner;
}

/** mta-sts-daemon.yml (resolver 1.1 and 1.5): an in-memory cache, this port, no tlsrpt attributes. */
function daemonConfig(port: number): string {
  return [
    "host: 127.0.0.1",
    `port: ${port}`,
    "shutdown_timeout: 1",
    "cache:",
    "  type: internal",
    "  options:",
    "    cache_size: 100",
    "default_zone:",
    // RFC 8461 §5: a testing policy does not change delivery.
    "  strict_testing: false",
    "  timeout: 4",
    "  require_sni: true",
    // Resolver 1.5: keep its answer the plain `secure match=...` that 1.1 gives and Postfix 3.7 reads.
    "  tlsrpt: false",
    "zones: {}",
    "",
  ].join("\n");
}

function mainCf(dir: string, caPath: string, policyMap: string): string {
  return `# The lab's sending MTA: its own directories and log, nothing of the machine's Postfix.
compatibility_level = 3.6
queue_directory = ${join(dir, "queue")}
data_directory = ${join(dir, "data")}
maillog_file = ${join(dir, "maillog")}
maillog_file_prefixes = ${dir}
myhostname = sender.lab.test
mydomain = lab.test
myorigin = $myhostname
mydestination =
local_transport = error:5.1.1 the lab delivers nothing locally
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost =
biff = no
# What a sender does without a policy: TLS when offered, in clear otherwise.
smtp_tls_security_level = may
smtp_tls_CAfile = ${caPath}
smtp_tls_loglevel = 1
# MTA-STS: the policy daemon's answer overrides the level for domains with an enforce policy.
smtp_tls_policy_maps = ${policyMap}
smtp_connection_cache_on_demand = no
smtp_connect_timeout = 5s
smtp_helo_timeout = 15s
`;
}

/** Only the services a relaying sender needs; nothing chrooted (the lab's paths are absolute). */
const MASTER_CF = `smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
scache    unix  -       -       n       -       1       scache
anvil     unix  -       -       n       -       1       anvil
postlog   unix-dgram n  -       n       -       1       postlogd
`;
