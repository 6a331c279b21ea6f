/**
 * Is a mailed report vouched for by its sender? RFC 8460 §5.3 asks reporters to DKIM-sign their
 * report mails; `organization-name` inside the report is self-declared, and anyone can mail a
 * `rua` address. A report counts as authenticated when a DKIM signature verifies (RFC 6376,
 * with mailauth) and its signing domain is the report submitter's (the `TLS-Report-Submitter`
 * header, RFC 8460 §5.3, else the From domain), or a parent or subdomain of it (Mail.ru signs as
 * corp.mail.ru for submitter mail.ru).
 */
import { dkimVerify } from "mailauth";
import { boundedTxtResolver, dnsResolverFor, TxtResolver } from "./txt-resolver";

export { dnsResolverFor, KEY_LOOKUP_LIMITS } from "./txt-resolver";
export type { TxtResolver } from "./txt-resolver";

export interface DkimOptions {
  /** DNS for the signers' keys; defaults to the system's resolvers. */
  readonly resolver?: TxtResolver;
  /** Time limit for the whole verification, in ms; no key is looked up after it. Defaults to 10000. */
  readonly timeoutMs?: number;
}

export interface DkimVerdict {
  readonly authenticated: boolean;
  readonly signer?: string;
}

function aligned(signer: string, submitter: string): boolean {
  const d = signer.toLowerCase().replace(/\.$/, "");
  const s = submitter.toLowerCase().replace(/\.$/, "");
  return d === s || d.endsWith(`.${s}`) || s.endsWith(`.${d}`);
}

/** Verify the DKIM signatures of one raw mail. Never throws; a failure is `authenticated: false`. */
export async function verifyReportMail(raw: Uint8Array, submitter: string | undefined, options: DkimOptions = {}): Promise<DkimVerdict> {
  const timeoutMs = options.timeoutMs ?? 10000;
  let timer: NodeJS.Timeout | undefined;
  // Every key lookup of this mail: at most a few, each of a key's size, none after the deadline
  // (mailauth cannot be stopped, but without answers it ends at once).
  const dns = boundedTxtResolver(options.resolver ?? dnsResolverFor(undefined));
  try {
    const result = await Promise.race([
      dkimVerify(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), { resolver: dns.resolve } as Parameters<typeof dkimVerify>[1]),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          dns.expire();
          reject(new Error("DKIM verification timed out"));
        }, timeoutMs);
      }),
    ]);
    const want = submitter ?? result.headerFrom?.[0]?.split("@").pop();
    if (!want) return { authenticated: false };
    for (const r of result.results ?? []) {
      const d = r.signingDomain;
      if (r.status?.result === "pass" && d && aligned(d, want)) return { authenticated: true, signer: d.toLowerCase() };
    }
    return { authenticated: false };
  } catch {
    return { authenticated: false };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
