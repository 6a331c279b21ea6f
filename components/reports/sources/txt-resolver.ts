/**
 * The DNS that DKIM keys (RFC 6376 §3.6.2) are looked up in: TXT only, each query bounded in
 * time. Apart from `dkim.ts` so that a run over report files, which verifies no signature, does
 * not load the DKIM library.
 */
import { Resolver } from "node:dns/promises";

export type TxtResolver = (name: string, rrtype: string) => Promise<string[][]>;

/** A TXT resolver that asks one DNS server (`host:port`), each query bounded in time. */
export function dnsResolverFor(server: string | undefined, timeoutMs = 5000): TxtResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (server) resolver.setServers([server]);
  return async (name, rrtype) => {
    if (rrtype !== "TXT") throw Object.assign(new Error(`no ${rrtype} lookups for DKIM`), { code: "ENOTFOUND" });
    return resolver.resolveTxt(name);
  };
}
