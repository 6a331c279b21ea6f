/**
 * The DNS questions a sender asks about a mail domain, behind one small interface so the checker
 * runs against the internet, a test server on a random port or the network-namespace lab alike.
 *
 * A sender reads the TXT records at `_mta-sts.<domain>` (RFC 8461 §3.1) and `_smtp._tls.<domain>`
 * (RFC 8460 §3), the MX records of the domain (RFC 5321 §5.1), and the addresses of
 * `mta-sts.<domain>` to fetch the policy (RFC 8461 §3.3). "The name has no such record"
 * (NXDOMAIN, NODATA) is an answer, returned as an empty list; anything else (timeout, refused,
 * SERVFAIL) is a `DnsLookupError`: the question could not be answered, and a caller should report
 * that it could not check rather than conclude that the record is absent.
 */
import { promises as dns } from "node:dns";
import { isIP } from "node:net";

/** One MX record: `10 mx1.example.com.` is `{ priority: 10, exchange: "mx1.example.com" }`. */
export interface MxRecord {
  readonly priority: number;
  readonly exchange: string;
}

/** The lookups the checker and the enforce guard need. */
export interface DnsLookup {
  /** Every TXT record at `name`, each as its character-strings (RFC 1035 §3.3.14), unjoined. */
  txt(name: string): Promise<string[][]>;
  /** The MX records of `name`; an empty list when it has none. */
  mx(name: string): Promise<MxRecord[]>;
  /** IPv4 and IPv6 addresses of `name`; an empty list when it has none. */
  addresses(name: string): Promise<string[]>;
  /** False when `name` does not exist at all (NXDOMAIN), true when it exists, with or without records. */
  nameExists(name: string): Promise<boolean>;
}

/** A lookup that got no answer at all; `code` is node's (`ETIMEOUT`, `ECONNREFUSED`, `ESERVFAIL`...). */
export class DnsLookupError extends Error {
  constructor(
    readonly queryName: string,
    readonly rrtype: string,
    readonly code: string,
    detail?: string,
  ) {
    super(`DNS ${rrtype} lookup of ${queryName} failed: ${code}${detail ? ` (${detail})` : ""}`);
    this.name = "DnsLookupError";
  }
}

export interface DnsLookupOptions {
  /** `host:port` (`127.0.0.1:5353`, `[::1]:53`) or `host` of the server to ask; defaults to the system's resolvers. */
  readonly server?: string;
  /** Time limit of each question, its retries included, in milliseconds. Defaults to 5000. */
  readonly timeoutMs?: number;
  /** Tries per question, within its time limit. Defaults to 2. */
  readonly tries?: number;
}

/** Answers that mean "no such record" rather than "no answer". */
const NO_RECORD = new Set(["ENOTFOUND", "ENODATA", "NOTFOUND", "NODATA"]);

/**
 * Parse a `--resolver` value into the form node's `Resolver.setServers` takes. Accepts `host`,
 * `host:port`, `[v6]`, `[v6]:port` and a bare IPv6 address; throws a `TypeError` naming what is
 * wrong otherwise.
 */
export function parseServerAddress(value: string): string {
  const text = value.trim();
  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const bareV6 = /^[0-9A-Fa-f:]+$/.test(text) && text.includes("::") ? text : undefined;
  let host: string | undefined;
  let port: string | undefined;
  if (bracketed) [, host, port] = bracketed;
  else if (v4) [, host, port] = v4;
  else if (bareV6) host = bareV6;
  // The patterns only pick out the host; node decides whether it is an address (999.1.1.1 and 1::2::3 are not).
  if (!host || isIP(host) === 0) throw new TypeError(`"${value}" is not an address: write an IP address with an optional port, e.g. 127.0.0.1:5353 or [::1]:53`);
  const portNumber = port === undefined ? 53 : Number(port);
  if (!Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) throw new TypeError(`"${value}" has port ${port}; a port is 1 to 65535`);
  return host.includes(":") ? `[${host}]:${portNumber}` : `${host}:${portNumber}`;
}

/**
 * A `DnsLookup` on node's resolver (c-ares), optionally asking one given server. Each question
 * ends within `timeoutMs`, retries included: c-ares doubles its per-try timeout at each retry
 * (t + 2t + ... = t(2^tries - 1)), so the per-try timeout is chosen to fit, and a deadline cancels
 * a question that still has no answer when the time is up.
 */
export function createDnsLookup(options: DnsLookupOptions = {}): DnsLookup {
  const timeoutMs = options.timeoutMs ?? 5000;
  const tries = options.tries ?? 2;
  const perTryMs = Math.max(1, Math.floor(timeoutMs / (2 ** tries - 1)));
  const servers = options.server !== undefined ? [parseServerAddress(options.server)] : undefined;

  async function answer<T>(name: string, rrtype: string, query: (resolver: dns.Resolver) => Promise<T[]>): Promise<T[]> {
    // One resolver per question, so that cancelling it at the deadline cancels only this one.
    const resolver = new dns.Resolver({ timeout: perTryMs, tries });
    if (servers) resolver.setServers(servers);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        resolver.cancel();
        reject(new DnsLookupError(name, rrtype, "ETIMEOUT", `no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([query(resolver), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function ask<T>(name: string, rrtype: string, query: (resolver: dns.Resolver) => Promise<T[]>): Promise<T[]> {
    try {
      return await answer(name, rrtype, query);
    } catch (err) {
      if (err instanceof DnsLookupError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? "EUNKNOWN";
      if (NO_RECORD.has(code)) return [];
      throw new DnsLookupError(name, rrtype, code, (err as Error).message);
    }
  }

  return {
    txt: (name) => ask(name, "TXT", (r) => r.resolveTxt(name)),
    mx: (name) =>
      ask(name, "MX", async (r) =>
        (await r.resolveMx(name)).map((record) => ({ priority: record.priority, exchange: record.exchange.replace(/\.$/, "") })),
      ),
    // A sender can use either family: one failing lookup is only an error when the other found nothing.
    addresses: async (name) => {
      const [v4, v6] = await Promise.allSettled([ask(name, "A", (r) => r.resolve4(name)), ask(name, "AAAA", (r) => r.resolve6(name))]);
      const found = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
      if (found.length === 0 && v4.status === "rejected") throw v4.reason;
      if (found.length === 0 && v6.status === "rejected") throw v6.reason;
      return found;
    },
    // c-ares says ENOTFOUND for NXDOMAIN (no such name) and ENODATA for a name without the type.
    nameExists: async (name) => {
      try {
        await answer(name, "MX", (r) => r.resolveMx(name));
        return true;
      } catch (err) {
        if (err instanceof DnsLookupError) throw err;
        const code = (err as NodeJS.ErrnoException).code ?? "EUNKNOWN";
        if (code === "ENOTFOUND" || code === "NOTFOUND") return false;
        if (code === "ENODATA" || code === "NODATA") return true;
        throw new DnsLookupError(name, "MX", code, (err as Error).message);
      }
    },
  };
}
