/**
 * What `mta-sts init` reads about a domain before writing its entry: the live MX records, the
 * `_mta-sts` and `_smtp._tls` records, the addresses of `mta-sts.<domain>`, and, when the domain
 * announces a policy, the policy it serves, fetched exactly as `check` fetches it (HTTPS, TLS 1.2
 * or newer, no redirect followed, 64 KiB and a time limit; fetch-policy.ts).
 *
 * Every question is asked (a failed one does not hide the others), each bounded by the lookup's
 * time limit; a question that got no answer is kept as its error, for the onboarding model
 * (components/model/onboarding.ts) to decide on. I/O only through the injected `DnsLookup` and
 * `PolicyFetcher`.
 */
import type { DomainObservation, Observed, ServedPolicy } from "../model/onboarding";
import { judgeCertificate } from "./certificate";
import type { DnsLookup } from "./dns-lookup";
import type { PolicyFetcher } from "./fetch-policy";

export interface ObserveOptions {
  /** PEM of the authorities to trust for the policy host instead of the system's. */
  readonly ca?: string | Buffer;
  /** Time limit of the policy fetch, in milliseconds. Defaults to 10000. */
  readonly timeoutMs?: number;
  /** Port of the policy host. Defaults to 443 (RFC 8461 §3.3); other values are for test servers. */
  readonly httpsPort?: number;
  /** The time certificates are judged at. Defaults to now. */
  readonly now?: Date;
}

/** Ask every question init needs about `domain` (an A-label). Never rejects. */
export async function observeDomain(domain: string, io: { dns: DnsLookup; fetchPolicy: PolicyFetcher }, options: ObserveOptions = {}): Promise<DomainObservation> {
  const [mx, stsTxt, tlsRptTxt, policyHostAddresses] = await Promise.all([
    observed(() => io.dns.mx(domain)),
    observed(() => io.dns.txt(`_mta-sts.${domain}`)),
    observed(() => io.dns.txt(`_smtp._tls.${domain}`)),
    observed(() => io.dns.addresses(`mta-sts.${domain}`)),
  ]);
  // NXDOMAIN and "exists without MX" both give an empty MX list; only then is the difference asked.
  const exists = mx.ok && mx.value.length === 0 ? await observed(() => io.dns.nameExists(domain)) : undefined;
  const announces = stsTxt.ok && stsTxt.value.some((r) => r.join("").startsWith("v=STSv1"));
  let servedPolicy: ServedPolicy | undefined;
  if (announces) {
    servedPolicy =
      policyHostAddresses.ok && policyHostAddresses.value.length > 0
        ? await fetchServed(domain, policyHostAddresses.value[0], io.fetchPolicy, options)
        : { fetched: false, reason: `mta-sts.${domain} has no address` };
  }
  return { domain, mx, stsTxt, tlsRptTxt, policyHostAddresses, ...(exists ? { exists } : {}), ...(servedPolicy ? { servedPolicy } : {}) };
}

async function fetchServed(domain: string, address: string, fetchPolicy: PolicyFetcher, options: ObserveOptions): Promise<ServedPolicy> {
  const host = `mta-sts.${domain}`;
  const result = await fetchPolicy({ host, address, port: options.httpsPort, ca: options.ca, timeoutMs: options.timeoutMs }).catch(
    (err: Error) => ({ ok: false as const, stage: "connect" as const, message: err.message }),
  );
  if (!result.ok) return { fetched: false, reason: `${result.stage}: ${result.message}` };
  if (result.tooLarge) return { fetched: false, reason: `the body is over ${result.body.length} bytes (RFC 8461 §3.3)` };
  // The same judgement `check` makes; only what a sender would refuse is kept.
  const refused = judgeCertificate(result.certificate, host, options.now ?? new Date()).filter((f) => f.status === "fail");
  return {
    fetched: true,
    status: result.status,
    ...(result.contentType !== undefined ? { contentType: result.contentType } : {}),
    body: result.body.toString("utf8"),
    ...(refused.length > 0 ? { certificateProblem: refused.map((f) => f.message).join("; ") } : {}),
  };
}

async function observed<T>(question: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { ok: true, value: await question() };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
