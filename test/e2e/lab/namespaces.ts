/**
 * Small helpers the network-namespace labs share: running a command, the processes inside a
 * namespace, the TCP ports listening there (read from /proc, without entering it), and a reaper
 * that cleans up after a lab whose process was killed.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * dnsmasq's arguments for a lab's server: in the foreground (the lab owns the process) and with no
 * pid file. Every dnsmasq on the machine would otherwise share /var/run/dnsmasq.pid (the
 * namespaces share the file system), and two started at once, in one lab or in two labs running
 * side by side, race for it and one exits.
 */
export function dnsmasqArgs(confFile: string): string[] {
  return ["--keep-in-foreground", "--pid-file=", `--conf-file=${confFile}`];
}

/** Run a command to completion; throws with its stderr on a non-zero exit. */
export function run(command: string, args: readonly string[], input?: string): void {
  try {
    execFileSync(command, args, { stdio: ["pipe", "ignore", "pipe"], input, timeout: 30_000 });
  } catch (err) {
    const stderr = String((err as { stderr?: Buffer }).stderr ?? err);
    throw new Error(`${command} ${args.join(" ")} failed: ${stderr}`);
  }
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM each of the lab's own processes that is still running (one already gone is skipped). */
export function terminate(children: Iterable<ChildProcess>): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      try {
        process.kill(child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
  }
}

export function namespacePids(ns: string): number[] {
  const result = spawnSync("ip", ["netns", "pids", ns], { encoding: "utf8", timeout: 10_000 });
  return result.status === 0 ? result.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

/** SIGKILL whatever is still running in `ns`, then delete it. */
export function deleteNamespace(ns: string): void {
  for (const pid of namespacePids(ns)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  spawnSync("ip", ["netns", "del", ns], { timeout: 10_000 });
}

/**
 * The TCP ports listening in the network namespace of process `pid` (its /proc/<pid>/net/tcp
 * shows its namespace's sockets), as `address:port`; empty when the process is gone.
 */
export function listeningTcp(pid: number): Set<string> {
  try {
    return parseListeningTcp(readFileSync(`/proc/${pid}/net/tcp`, "utf8"));
  } catch {
    return new Set();
  }
}

/** The LISTEN sockets of a /proc/net/tcp table, as `address:port`. */
export function parseListeningTcp(table: string): Set<string> {
  return new Set(listenSockets(table).map((s) => s.address));
}

/** Each LISTEN socket of a /proc/net/tcp table (several may share a port with SO_REUSEPORT), with its inode. */
export function listenSockets(table: string): { address: string; inode: string }[] {
  const sockets: { address: string; inode: string }[] = [];
  for (const line of table.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    const [, local, , state] = fields;
    if (state !== "0A" || !local) continue; // 0A: TCP_LISTEN
    const [hexAddress, hexPort] = local.split(":");
    // The address is a 32-bit number in host (little-endian) byte order.
    const octets = (hexAddress.match(/../g) ?? []).map((h) => parseInt(h, 16)).reverse();
    sockets.push({ address: `${octets.join(".")}:${parseInt(hexPort, 16)}`, inode: fields[9] });
  }
  return sockets;
}

/**
 * Whether process `pid` is the only listener on `address` in its namespace: exactly one LISTEN
 * socket there, and it is one of the process's open files.
 */
export function soleListener(pid: number, address: string): boolean {
  let table: string;
  let fds: string[];
  try {
    table = readFileSync(`/proc/${pid}/net/tcp`, "utf8");
    fds = readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return "";
      }
    });
  } catch {
    return false;
  }
  const listeners = listenSockets(table).filter((s) => s.address === address);
  return listeners.length === 1 && fds.includes(`socket:[${listeners[0].inode}]`);
}

/** Wait (bounded) until `check` holds; false on timeout. */
export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * Clean up after a lab even when its process dies without running its own `stop()` (killed, or a
 * signal under jest, whose test environment never sees the process's signal events): a detached
 * shell that waits (at most two hours) for `owner` to exit, then kills whatever is left in
 * `namespaces`, deletes them and removes `paths`. A lab that stops normally ends it with
 * `stopReaper`.
 */
export function startReaper(namespaces: readonly string[], paths: readonly string[], owner = process.pid): ChildProcess {
  const script = [
    'owner=$1; namespaces=$2; shift 2',
    'i=0; while kill -0 "$owner" 2>/dev/null && [ $i -lt 7200 ]; do sleep 1; i=$((i + 1)); done',
    'for ns in $namespaces; do',
    '  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done',
    '  ip netns del "$ns" 2>/dev/null',
    'done',
    'rm -rf -- "$@"',
  ].join("\n");
  const reaper = spawn("sh", ["-c", script, "lab-reaper", String(owner), namespaces.join(" "), ...paths], { detached: true, stdio: "ignore" });
  reaper.unref();
  return reaper;
}

export function stopReaper(reaper: ChildProcess | undefined): void {
  if (reaper?.pid && reaper.exitCode === null && reaper.signalCode === null) {
    try {
      process.kill(reaper.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
}
