/**
 * The DNS that DKIM keys (RFC 6376 §3.6.2) are looked up in: TXT only, each query bounded in
 * time, and, per mail, bounded in the number of lookups, the size of what is used, and a deadline
 * after which nothing more is asked. Apart from `dkim.ts` so that a run over report files, which
 * verifies no signature, does not load the DKIM library.
 */
import { Resolver } from "node:dns/promises";

export type TxtResolver = (name: string, rrtype: string) => Promise<string[][]>;

/**
 * The bounds of one mail's key lookups. A key record is a few hundred characters (a 4096-bit
 * RSA key is about 740 in base64), and a report mail carries one or two signatures.
 */
export const KEY_LOOKUP_LIMITS = {
  /** Key lookups per mail: a mail with more signatures has the rest left unverified. */
  maxLookups: 8,
  /** Characters of one key record, its strings joined (RFC 6376 §3.6.2.2); a longer one is not used. */
  maxRecordChars: 4096,
};

/** A TXT resolver that asks one DNS server (`host:port`), each query bounded in time. */
export function dnsResolverFor(server: string | undefined, timeoutMs = 5000): TxtResolver {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
  if (server) resolver.setServers([server]);
  return async (name, rrtype) => {
    if (rrtype !== "TXT") throw notFound(`no ${rrtype} lookups for DKIM`);
    return resolver.resolveTxt(name);
  };
}

/** The lookups of one mail's verification, bounded; `expire()` refuses every later one at once. */
export interface BoundedTxtResolver {
  readonly resolve: TxtResolver;
  /** Lookups passed on to the DNS so far. */
  readonly lookups: () => number;
  /** The verification has given up: later lookups fail without asking the DNS. */
  expire(): void;
}

export function boundedTxtResolver(resolver: TxtResolver, limits = KEY_LOOKUP_LIMITS): BoundedTxtResolver {
  let lookups = 0;
  let expired = false;
  return {
    lookups: () => lookups,
    expire: () => void (expired = true),
    resolve: async (name, rrtype) => {
      if (expired) throw notFound("the DKIM verification has timed out");
      if (lookups >= limits.maxLookups) throw notFound(`more than ${limits.maxLookups} DKIM key lookups for one mail`);
      lookups++;
      const records = await resolver(name, rrtype);
      if (expired) throw notFound("the DKIM verification has timed out");
      // Data from the DNS, of any size: only the first record is a key (mailauth reads no other),
      // and it is handed on only when it is of a key's size.
      const first = records[0];
      if (!first) throw notFound(`no key record at ${name}`);
      if (first.reduce((n, s) => n + s.length, 0) > limits.maxRecordChars) throw notFound(`the key record at ${name} is longer than ${limits.maxRecordChars} characters; not used`);
      return [first];
    },
  };
}

/** An error that mailauth takes as "no key" (RFC 6376 §6.1.2: the signature then fails). */
function notFound(message: string): Error {
  return Object.assign(new Error(message), { code: "ENOTFOUND" });
}
