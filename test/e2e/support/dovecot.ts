/**
 * A real Dovecot IMAP server for the e2e tests: started by the test on 127.0.0.1 with a config of
 * its own (never /etc/dovecot), its own base_dir, state_dir and log, a passwd-file with one user,
 * a Maildir of test messages, imaps and imap+STARTTLS with a lab CA's certificate. Stopped by
 * the test that started it (its own process only).
 *
 * Debian 12 ships Dovecot 2.3 and Debian 13 ships 2.4, whose configuration differs: 2.4 needs
 * dovecot_config_version and dovecot_storage_version first; ssl_cert/ssl_key became
 * ssl_server_cert_file/ssl_server_key_file (paths, without "<"); mail_location became
 * mail_driver + mail_path; disable_plaintext_auth became auth_allow_cleartext (inverted);
 * passdb/userdb are named blocks with per-driver settings (passwd_file_path, fields { }).
 * The version is read from `dovecot --version` and the matching config written.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { join } from "node:path";

export interface DovecotServer {
  readonly version: string;
  readonly imapPort: number;
  readonly imapsPort: number;
  readonly maildir: string;
  readonly logPath: string;
  /** File names in cur/ and new/, with their flags (`...:2,S`). */
  listMaildir(): string[];
  stop(): Promise<void>;
}

export function dovecotVersion(): string {
  return execFileSync("dovecot", ["--version"], { encoding: "utf8" }).trim().split(/\s/)[0];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function config(v: string, dir: string, ports: { imap: number; imaps: number }, instance: string): string {
  const common = [
    "protocols = imap",
    "listen = 127.0.0.1",
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `instance_name = ${instance}`,
    `log_path = ${dir}/dovecot.log`,
    "default_internal_user = dovecot",
    "default_login_user = dovenull",
    "ssl = yes",
    "ssl_min_protocol = TLSv1.2",
    "auth_mechanisms = plain",
    "namespace inbox {\n  inbox = yes\n}",
    `service imap-login {\n  inet_listener imap {\n    port = ${ports.imap}\n  }\n  inet_listener imaps {\n    port = ${ports.imaps}\n    ssl = yes\n  }\n}`,
  ];
  if (v.startsWith("2.3")) {
    return [
      ...common,
      `ssl_cert = <${dir}/server.pem`,
      `ssl_key = <${dir}/server.key`,
      "disable_plaintext_auth = yes",
      `passdb {\n  driver = passwd-file\n  args = ${dir}/passwd\n}`,
      `userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=${dir}/home\n}`,
      `mail_location = maildir:${dir}/Maildir`,
      "",
    ].join("\n");
  }
  // 2.4 and later: the version settings must come first.
  return [
    "dovecot_config_version = 2.4.0",
    "dovecot_storage_version = 2.4.0",
    ...common,
    `ssl_server_cert_file = ${dir}/server.pem`,
    `ssl_server_key_file = ${dir}/server.key`,
    "auth_allow_cleartext = no",
    `passdb passwd-file {\n  passwd_file_path = ${dir}/passwd\n}`,
    `userdb static {\n  fields {\n    uid = nobody\n    gid = nogroup\n    home = ${dir}/home\n  }\n}`,
    "mail_driver = maildir",
    `mail_path = ${dir}/Maildir`,
    "",
  ].join("\n");
}

/** Wait (bounded) until the IMAP greeting arrives on the port. */
async function waitForGreeting(port: number, child: ChildProcess, logPath: string, timeoutMs = 15000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${safeRead(logPath)}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      const timer = setTimeout(() => (socket.destroy(), resolve(false)), 1000);
      socket.once("data", (d) => (clearTimeout(timer), socket.destroy(), resolve(d.toString().startsWith("* OK"))));
      socket.once("error", () => (clearTimeout(timer), resolve(false)));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`dovecot did not greet on 127.0.0.1:${port} within ${timeoutMs} ms: ${safeRead(logPath)}`);
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8").slice(-2000);
  } catch {
    return "(no log)";
  }
}

/**
 * Start Dovecot in `dir` (which must be traversable by the mail user) serving `messages` in
 * INBOX: each `{ name, body, seen? }` lands in new/ or, when `cur`, in cur/.
 */
export async function startDovecot(opts: {
  dir: string;
  user: string;
  password: string;
  certPem: string;
  keyPem: string;
  messages: { name: string; body: string | Buffer; cur?: boolean }[];
}): Promise<DovecotServer> {
  const { dir } = opts;
  const version = dovecotVersion();
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const sub of ["run", "state", "home", "Maildir/cur", "Maildir/new", "Maildir/tmp"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "server.pem"), opts.certPem);
  writeFileSync(join(dir, "server.key"), opts.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "passwd"), `${opts.user}:{PLAIN}${opts.password}\n`, { mode: 0o644 });
  for (const m of opts.messages) writeFileSync(join(dir, "Maildir", m.cur ? "cur" : "new", m.cur ? `${m.name}:2,` : m.name), m.body);
  // The mail user owns its home and Maildir, as a delivery agent would have left them.
  const nobody = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }));
  const nogroup = Number(execFileSync("getent", ["group", "nogroup"], { encoding: "utf8" }).split(":")[2]);
  for (const p of ["home", "Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"]) chownSync(join(dir, p), nobody, nogroup);
  for (const sub of ["cur", "new"]) for (const f of readdirSync(join(dir, "Maildir", sub))) chownSync(join(dir, "Maildir", sub, f), nobody, nogroup);

  const ports = { imap: await freePort(), imaps: await freePort() };
  const instance = `mta-sts-reports-${process.pid}-${ports.imap}`;
  const confPath = join(dir, "dovecot.conf");
  writeFileSync(confPath, config(version, dir, ports, instance));
  const logPath = join(dir, "dovecot.log");
  const child = spawn("dovecot", ["-F", "-c", confPath], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  try {
    await waitForGreeting(ports.imap, child, logPath);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  return {
    version,
    imapPort: ports.imap,
    imapsPort: ports.imaps,
    maildir: join(dir, "Maildir"),
    logPath,
    listMaildir: () => ["cur", "new"].flatMap((sub) => readdirSync(join(dir, "Maildir", sub)).map((f) => `${sub}/${f}`)).sort(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), 10000);
        child.once("exit", () => (clearTimeout(timer), resolve()));
        child.kill("SIGTERM");
      }),
  };
}

/** A server certificate for 127.0.0.1 (an IP address SAN) from the lab CA made by createTestCa. */
export function issueIpCertificate(caDir: string, label: string): { certPem: string; keyPem: string } {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  writeFileSync(join(caDir, `${label}.ext`), ["[ leaf ]", "basicConstraints = critical,CA:FALSE", "keyUsage = critical,digitalSignature", "extendedKeyUsage = serverAuth", "subjectAltName = IP:127.0.0.1,DNS:localhost", ""].join("\n"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: caDir, stdio: ["ignore", "pipe", "pipe"] });
  run(["req", "-new", ...ec, "-keyout", `${label}.key`, "-out", `${label}.csr`, "-subj", "/CN=127.0.0.1"]);
  run(["ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", `${label}.csr`, "-out", `${label}.pem`, "-days", "30", "-extfile", `${label}.ext`, "-extensions", "leaf"]);
  return { certPem: readFileSync(join(caDir, `${label}.pem`), "utf8"), keyPem: readFileSync(join(caDir, `${label}.key`), "utf8") };
}
