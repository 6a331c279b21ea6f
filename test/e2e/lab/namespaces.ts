/**
 * Small helpers the network-namespace labs share: running a command, the processes inside a
 * namespace, and the TCP ports listening there (read from /proc, without entering it).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

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
