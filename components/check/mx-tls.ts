/**
 * The MX hosts themselves, as a sender enforcing MTA-STS meets them (RFC 8461 §4.2): each live
 * MX host is connected to on port 25, EHLO and STARTTLS (smtp-starttls.ts), and its certificate
 * must chain to a trusted root, name the host, and not be about to expire; the session must be
 * TLS 1.2 or newer. Under `enforce`, a sender refuses an MX host that fails any of these, and
 * mail to it bounces, just as an expired policy-host certificate loses the policy.
 *
 * How a problem counts follows what it does to mail:
 * - `enforce`: a failure (senders refuse the host);
 * - `testing`, `none` or no valid policy: a warning (senders deliver anyway; under enforce they
 *   would not);
 * - a host that cannot be reached from here (no TCP connection, or no greeting) is a warning
 *   whatever the mode: many networks block outbound port 25, so it says nothing about senders.
 * The certificate's days left are judged by the policy host's thresholds (certificate.ts).
 *
 * Whether each live host is admitted by the policy is the `mx-coverage` check's job; here the
 * admitting pattern is only named.
 */
import { mxMatches } from "../model/mx-match";
import { excerpt } from "../terminal-text";
import { CERT_FAIL_DAYS, CERT_WARN_DAYS, chainReason, expiryBand } from "./certificate";
import type { DnsLookup } from "./dns-lookup";
import type { CheckFinding, CheckStatus } from "./findings";
import type { StarttlsProbeResult, StarttlsProber } from "./smtp-starttls";

/** MX hosts connected to per domain, lowest preference first; a domain may list hundreds. */
export const MAX_MX_HOSTS_CHECKED = 10;

/** The check names, in report order; each host gets one finding of each. */
export const MX_TLS_CHECKS = ["mx-starttls", "mx-tls", "mx-certificate-chain", "mx-certificate-name", "mx-certificate-expiry"] as const;

export interface MxTlsIo {
  readonly dns: Pick<DnsLookup, "addresses">;
  readonly probe: StarttlsProber;
}

export interface MxTlsOptions {
  readonly ca?: string | Buffer;
  /** Time limit of each host's exchange. Defaults to 10000 ms. */
  readonly timeoutMs?: number;
  /** Defaults to 25; other values are for test servers. */
  readonly port?: number;
  readonly now: Date;
}

/** What was seen of one MX host, for `--json` consumers. */
export interface MxHostLive {
  readonly host: string;
  readonly address?: string;
  readonly reachable: boolean;
  readonly tlsVersion?: string;
  readonly certificateValidTo?: string;
}

/** What was learnt about one host before judging it. */
export type MxHostOutcome =
  | { readonly kind: "no-address" }
  | { readonly kind: "lookup-failed"; readonly message: string }
  | { readonly kind: "probed"; readonly address: string; readonly result: StarttlsProbeResult };

/** The policy as far as these checks need it: its mode and patterns. */
export interface MxPolicy {
  readonly mode: string;
  readonly mx: readonly string[];
}

/** What was learnt of a domain's MX hosts, before the policy is known: see probeMxHosts. */
export interface ProbedMxHosts {
  /** Every live MX host, each once, by preference. */
  readonly hosts: readonly string[];
  /** The first MAX_MX_HOSTS_CHECKED of them, connected to, and what each gave. */
  readonly checked: readonly string[];
  readonly outcomes: readonly MxHostOutcome[];
}

/**
 * Connect to each live MX host (at most MAX_MX_HOSTS_CHECKED, at once). Needs no policy, so a
 * check can do it while the policy is fetched; `judgeProbedMxHosts` then judges by the policy.
 */
export async function probeMxHosts(mxHosts: readonly string[], io: MxTlsIo, options: Omit<MxTlsOptions, "now">): Promise<ProbedMxHosts> {
  const hosts = [...new Set(mxHosts.filter((h) => h !== ""))];
  const checked = hosts.slice(0, MAX_MX_HOSTS_CHECKED);
  const outcomes = await Promise.all(checked.map((host) => outcomeOf(host, io, options)));
  return { hosts, checked, outcomes };
}

/** Connect to each live MX host (at most MAX_MX_HOSTS_CHECKED, at once) and judge what it presents. */
export async function checkMxTls(mxHosts: readonly string[], policy: MxPolicy | undefined, io: MxTlsIo, options: MxTlsOptions): Promise<{ findings: CheckFinding[]; live: MxHostLive[] }> {
  return judgeProbedMxHosts(await probeMxHosts(mxHosts, io, options), policy, options);
}

/** The findings and what was seen, for hosts probed by probeMxHosts, judged by `policy`. */
export function judgeProbedMxHosts(probed: ProbedMxHosts, policy: MxPolicy | undefined, options: Pick<MxTlsOptions, "now" | "port">): { findings: CheckFinding[]; live: MxHostLive[] } {
  const { hosts, checked, outcomes } = probed;
  const findings = checked.flatMap((host, i) => judgeMxHost(host, outcomes[i], policy, options.now, options.port ?? 25));
  if (hosts.length > checked.length) {
    findings.push({ check: "mx-starttls", status: "skip", message: `not checked: ${hosts.length - checked.length} more MX host(s) (${hosts.slice(checked.length, checked.length + 3).join(", ")}${hosts.length - checked.length > 3 ? ", ..." : ""}); only the first ${MAX_MX_HOSTS_CHECKED} by preference are connected to` });
  }
  const live = checked.map((host, i): MxHostLive => {
    const o = outcomes[i];
    if (o.kind !== "probed") return { host, reachable: false };
    const reachable = o.result.ok || !["connect", "no-greeting"].includes(o.result.stage);
    return {
      host,
      address: o.address,
      reachable,
      ...(o.result.ok ? { tlsVersion: o.result.tlsVersion, certificateValidTo: o.result.certificate.validTo.toISOString() } : {}),
    };
  });
  return { findings, live };
}

async function outcomeOf(host: string, io: MxTlsIo, options: Omit<MxTlsOptions, "now">): Promise<MxHostOutcome> {
  let addresses: string[];
  try {
    addresses = await io.dns.addresses(host);
  } catch (err) {
    return { kind: "lookup-failed", message: (err as Error).message };
  }
  if (addresses.length === 0) return { kind: "no-address" };
  const address = addresses[0];
  const result = await io.probe({ host, address, port: options.port, ca: options.ca, timeoutMs: options.timeoutMs }).catch(
    (err: Error): StarttlsProbeResult => ({ ok: false, stage: "connect", message: err.message }),
  );
  return { kind: "probed", address, result };
}

/** The five findings for one MX host (see the module doc for how each counts). */
export function judgeMxHost(host: string, outcome: MxHostOutcome, policy: MxPolicy | undefined, now: Date, port = 25): CheckFinding[] {
  const severe: CheckStatus = policy?.mode === "enforce" ? "fail" : "warn";
  const consequence =
    policy?.mode === "enforce"
      ? "senders enforcing the policy refuse this MX host, so mail to it bounces (RFC 8461 §4.2)"
      : policy?.mode === "testing"
        ? "senders report it as a failure, and under enforce they would refuse this MX host (RFC 8461 §4.2)"
        : "under an enforce policy, senders would refuse this MX host (RFC 8461 §4.2)";
  const findings: CheckFinding[] = [];
  const add = (check: (typeof MX_TLS_CHECKS)[number], status: CheckStatus, message: string, fix?: string) =>
    findings.push({ check, status, host, message: `${host}: ${message}`, ...(fix && status !== "pass" ? { fix } : {}) });
  const skipRest = (from: number, why: string) => {
    for (const check of MX_TLS_CHECKS.slice(from)) add(check, "skip", `not checked: ${why}`);
  };
  const fromHere = "run check where outbound port 25 is open to see what senders see, or pass --skip-mx-tls";

  if (outcome.kind === "no-address") {
    add("mx-starttls", "warn", `has no A or AAAA record, so no sender can connect to it (RFC 5321 §5.1)`, `give ${host} an address, or remove its MX record`);
    skipRest(1, `${host} has no address`);
    return findings;
  }
  if (outcome.kind === "lookup-failed") {
    add("mx-starttls", "warn", `could not be resolved from here (${outcome.message})`, fromHere);
    skipRest(1, `${host} could not be resolved`);
    return findings;
  }
  const { address, result } = outcome;
  const at = `${host} (${address}) port ${port}`;
  if (!result.ok) {
    switch (result.stage) {
      case "connect":
      case "no-greeting":
        add("mx-starttls", "warn", `not reachable from here: ${at}: ${result.message}; many networks block outbound port 25, so this says nothing about what senders see`, fromHere);
        skipRest(1, `${host} was not reachable from here`);
        return findings;
      case "tls":
        add("mx-starttls", "pass", `offers STARTTLS at ${address} port ${port} (RFC 3207)`);
        add("mx-tls", severe, `no TLS 1.2 or newer handshake after STARTTLS (${`${result.code ?? ""} ${result.message}`.trim()}); ${consequence}`, `serve TLS 1.2 or 1.3 with a valid certificate on ${host}`);
        skipRest(2, "the TLS handshake failed");
        return findings;
      default: {
        const what = { "no-starttls": "does not offer STARTTLS", "starttls-refused": "refuses STARTTLS", smtp: "does not speak SMTP as expected", timeout: "did not finish the exchange" }[result.stage];
        add("mx-starttls", severe, `${what} at ${address} port ${port}: ${result.message}; ${consequence}`, `make ${host} offer STARTTLS (RFC 3207) with a valid certificate`);
        skipRest(1, `${host} gave no TLS session`);
        return findings;
      }
    }
  }

  const cert = result.certificate;
  add("mx-starttls", "pass", `offers STARTTLS at ${address} port ${port} (RFC 3207)`);
  add("mx-tls", "pass", `${result.tlsVersion} after STARTTLS (RFC 8461 §4.2 requires TLS 1.2 or newer, RFC 7525)`);
  const renew = `renew or replace the certificate of ${host} with one from a public CA that names ${host}, and serve the full chain`;
  if (cert.chainTrusted) add("mx-certificate-chain", "pass", `the certificate chains to a trusted authority (issuer ${excerpt(cert.issuer)})`);
  else {
    const code = cert.chainError ?? "UNKNOWN";
    add("mx-certificate-chain", severe, `the certificate is not trusted: ${chainReason(code)} (${code}); ${consequence}`, renew);
  }
  const admitting = policy?.mx.find((pattern) => mxMatches(pattern, host));
  const admitted = policy && policy.mode !== "none" ? (admitting ? `, which the policy's mx pattern "${admitting}" admits` : "; no mx pattern of the policy admits the host (see mx-coverage)") : "";
  if (cert.matchesHost) add("mx-certificate-name", "pass", `the certificate is valid for ${host}${admitted}`);
  else {
    add("mx-certificate-name", severe, `the certificate does not name ${host} (subject ${excerpt(cert.subject)}; ${briefNames(cert.subjectAltName)}); ${consequence}`, `issue a certificate whose subjectAltName includes DNS:${host}`);
  }
  const { band, days } = expiryBand(cert, now);
  const until = cert.validTo.toISOString();
  if (band === "ok") add("mx-certificate-expiry", "pass", `the certificate is valid for ${days} more days, until ${until}`);
  else if (band === "under-warn") add("mx-certificate-expiry", "warn", `the certificate expires in ${days} days, on ${until} (under ${CERT_WARN_DAYS} days)`, `renew the certificate of ${host} soon; check that automatic renewal works`);
  else {
    const why = band === "not-yet-valid" ? `the certificate is not valid before ${cert.validFrom.toISOString()}` : band === "expired" ? `the certificate expired on ${until}` : `the certificate expires in ${days} day(s), on ${until} (under ${CERT_FAIL_DAYS} days)`;
    add("mx-certificate-expiry", severe, `${why}; ${consequence}`, `${renew} now; automate renewal`);
  }
  return findings;
}

/** A subjectAltName as a reader needs it: a shared MX certificate can name hundreds of hosts. */
function briefNames(subjectAltName: string | undefined): string {
  if (!subjectAltName) return "no subjectAltName";
  const names = subjectAltName.split(", ");
  return excerpt(names.length <= 5 ? subjectAltName : `${names.slice(0, 5).join(", ")} and ${names.length - 5} more`, 400);
}
