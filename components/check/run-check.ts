/**
 * `mta-sts check`: look at a live mail domain the way a careful sending MTA does (RFC 8461 §3,
 * §4; RFC 8460 §3), and a little more (certificate expiry ahead, MX coverage, drift from the
 * config). All I/O comes in through `CheckIo`, so the same logic runs against the internet, a
 * local test server on random ports and the network-namespace lab.
 *
 * Order, as a sender goes: `_mta-sts` TXT → policy host addresses → HTTPS (TLS, certificate,
 * status, type, size, time) → policy grammar → live MX against the policy's patterns → each MX
 * host's STARTTLS and certificate (mx-tls.ts); then the TLS-RPT record, then, with an expected
 * rendering, drift. A check that cannot run because an
 * earlier one failed is reported as `skip` with the reason. Where a sender would stop (no record,
 * two records), we keep going so that one run shows every problem.
 */
import { analysePolicy, Policy } from "../model/policy";
import { selectStsRecord, selectTlsRptRecord } from "../model/records";
import { POLICY_PATH, RenderedMailDomain } from "../model/rendered";
import { mxCoverage as judgeMxCoverage } from "../model/mx-match";
import { daysUntil, judgeCertificate } from "./certificate";
import { DnsLookup, DnsLookupError } from "./dns-lookup";
import { FetchPolicyResult, PolicyFetcher } from "./fetch-policy";
import { CheckFinding, CheckReport, summarise } from "./findings";
import { judgeProbedMxHosts, MxHostLive, probeMxHosts } from "./mx-tls";
import type { StarttlsProber } from "./smtp-starttls";

export interface CheckOptions {
  /** The mail domain, already an A-label (`normaliseHostname`). */
  readonly domain: string;
  /** What the config renders for this domain; enables the drift checks (`--expect`). */
  readonly expect?: RenderedMailDomain;
  /** PEM of the authorities to trust for the policy host instead of the system's. */
  readonly ca?: string | Buffer;
  /** Time limit of the policy fetch in milliseconds. Defaults to 10000. */
  readonly timeoutMs?: number;
  /** Port of the policy host. Defaults to 443 (RFC 8461 §3.3); other values are for test servers. */
  readonly httpsPort?: number;
  /** The current time, for certificate expiry. Defaults to now. */
  readonly now?: Date;
  /** Port of the MX hosts. Defaults to 25; other values are for test servers. */
  readonly smtpPort?: number;
  /** Do not connect to the MX hosts (`--skip-mx-tls`): reported as one skipped check. */
  readonly skipMxTls?: boolean;
}

export interface CheckIo {
  readonly dns: DnsLookup;
  readonly fetchPolicy: PolicyFetcher;
  /** STARTTLS to each MX host (mx-tls.ts); without it, the MX hosts are not connected to. */
  readonly probeMx?: StarttlsProber;
}

/** The check could not start (the DNS gave no answer at all): exit code 2, not a finding. */
export class CheckCouldNotRun extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckCouldNotRun";
  }
}

export async function runCheck(options: CheckOptions, io: CheckIo): Promise<CheckReport> {
  const { domain } = options;
  const now = options.now ?? new Date();
  const policyHost = `mta-sts.${domain}`;
  const policyUrl = `https://${policyHost}${POLICY_PATH}`;
  const findings: CheckFinding[] = [];
  const add = (f: CheckFinding): void => void findings.push(f);
  const skip = (check: string, why: string): void => add({ check, status: "skip", message: `not checked: ${why}` });

  // The DNS questions do not depend on one another, and the MX hosts can be connected to before
  // the policy is known: all are started at once, so that a domain costs about one round trip of
  // each kind instead of one after the other (what a fleet of hundreds waits for). Each answer is
  // still read, and judged, in the order a sender reads it.
  const stsName = `_mta-sts.${domain}`;
  const tlsRptName = `_smtp._tls.${domain}`;
  const asked = {
    sts: early(io.dns.txt(stsName)),
    policyHost: early(io.dns.addresses(policyHost)),
    mx: early(io.dns.mx(domain).then((records) => records.sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange)).map((r) => r.exchange.toLowerCase()))),
    tlsRpt: early(io.dns.txt(tlsRptName)),
  };
  const probeMx = io.probeMx;
  const mxProbed =
    !options.skipMxTls && probeMx
      ? early(asked.mx().catch((): string[] => []).then((hosts) => probeMxHosts(hosts, { dns: io.dns, probe: probeMx }, { ca: options.ca, timeoutMs: options.timeoutMs, port: options.smtpPort })))
      : undefined;

  // RFC 8461 §3.1: TXT at _mta-sts.<domain>; exactly one record starting with v=STSv1.
  let stsTxt: string[][];
  try {
    stsTxt = await asked.sts();
  } catch (err) {
    throw new CheckCouldNotRun(`${(err as Error).message}; the DNS gave no answer, so nothing could be checked (try --resolver)`);
  }
  const stsRecords = stsTxt.map((chunks) => chunks.join(""));
  // No record at all: first tell a domain that is not deployed from one that does not exist.
  if (stsTxt.length === 0 && !(await domainExists(domain, io))) return nonexistentDomainReport(options, now, policyUrl);
  const sts = selectStsRecord(stsTxt);
  let liveId: string | undefined;
  if (sts.ok) {
    liveId = sts.value.id;
    add({ check: "sts-record", status: "pass", message: `${stsName} has one valid record "${sts.record}" (RFC 8461 §3.1)` });
  } else if (sts.error.kind === "none") {
    add({
      check: "sts-record",
      status: "fail",
      message: `${stsName} has no TXT record starting with "v=STSv1"${stsRecords.length ? ` (found: ${stsRecords.map((r) => JSON.stringify(r)).join(", ")})` : ""}; senders treat ${domain} as not using MTA-STS (RFC 8461 §3.1)`,
      fix: `publish TXT ${stsName} "v=STSv1; id=<policy id>"`,
    });
  } else if (sts.error.kind === "multiple") {
    add({
      check: "sts-record",
      status: "fail",
      message: `${sts.error.message}: ${sts.error.records.map((r) => JSON.stringify(r)).join(", ")}`,
      fix: `keep exactly one "v=STSv1" TXT record at ${stsName}, with the id of the policy being served`,
    });
  } else {
    add({
      check: "sts-record",
      status: "fail",
      message: `${stsName} record ${JSON.stringify(sts.error.records[0])} is invalid: ${sts.error.message}; senders ignore it (RFC 8461 §3.1)`,
      fix: `write it as "v=STSv1; id=<1 to 32 letters and digits>"`,
    });
  }

  // RFC 8461 §3.3: the policy host; a sender connects to its addresses.
  let addresses: string[] = [];
  try {
    addresses = await asked.policyHost();
    if (addresses.length > 0) add({ check: "policy-host", status: "pass", message: `${policyHost} resolves to ${addresses.join(", ")}` });
    else add({ check: "policy-host", status: "fail", message: `${policyHost} has no A or AAAA record; senders cannot fetch the policy (RFC 8461 §3.3)`, fix: `point ${policyHost} at the server that serves ${POLICY_PATH}` });
  } catch (err) {
    add({ check: "policy-host", status: "fail", message: `${(err as Error).message}; senders cannot fetch the policy either`, fix: `fix the DNS of ${policyHost}` });
  }

  // RFC 8461 §3.3: HTTPS fetch; TLS ≥ 1.2, valid certificate, 200 with no redirect, text/plain.
  let fetched: FetchPolicyResult | undefined;
  let policy: Policy | undefined;
  let certificateValidTo: Date | undefined;
  const fetchChecks = ["policy-tls", "certificate-chain", "certificate-name", "certificate-expiry", "policy-http-status", "policy-content-type", "policy-size", "policy-syntax"];
  if (addresses.length === 0) {
    for (const check of fetchChecks) skip(check, `${policyHost} has no address`);
  } else {
    const request = { host: policyHost, address: addresses[0], port: options.httpsPort, ca: options.ca, timeoutMs: options.timeoutMs };
    fetched = await io.fetchPolicy(request).catch((err: Error): FetchPolicyResult => ({ ok: false, stage: "connect", message: err.message }));
    if (!fetched.ok) {
      const why = `fetching ${policyUrl} from ${addresses[0]} failed`;
      const fixes: Record<typeof fetched.stage, string> = {
        connect: `make ${policyHost} accept HTTPS connections on port ${options.httpsPort ?? 443}`,
        tls: `serve ${policyHost} over TLS 1.2 or 1.3 with a valid certificate`,
        timeout: `make ${policyHost} answer quickly; senders give up after a short time`,
        http: `make ${policyHost} answer ${POLICY_PATH} with a complete HTTP 200 response`,
      };
      const message =
        fetched.stage === "timeout"
          ? `${why}: ${fetched.message}, the time limit; senders give up too (RFC 8461 §3.3)`
          : fetched.stage === "tls"
            ? `${why}: no TLS 1.2+ handshake (${fetched.code ?? ""} ${fetched.message}); senders require TLS 1.2 or newer (RFC 8461 §3.3)`
            : `${why}: ${fetched.code ?? ""} ${fetched.message}; senders cannot get the policy (RFC 8461 §3.3)`;
      add({ check: fetched.stage === "tls" ? "policy-tls" : "policy-fetch", status: "fail", message: message.replace(/ {2,}/g, " "), fix: fixes[fetched.stage] });
      const failedStage = fetched.stage;
      for (const check of fetchChecks.filter((c) => !(c === "policy-tls" && failedStage === "tls"))) skip(check, "the policy could not be fetched");
    } else {
      add({ check: "policy-tls", status: "pass", message: `HTTPS with ${fetched.tlsVersion} (RFC 8461 §3.3 requires TLS 1.2 or newer)` });
      certificateValidTo = fetched.certificate.validTo;
      findings.push(...judgeCertificate(fetched.certificate, policyHost, now));
      policy = judgeResponse(fetched, policyUrl, add, skip);
    }
  }

  // RFC 8461 §4.1: every MX host the domain uses must be matched by an mx pattern of the policy.
  let mxHosts: string[] = [];
  try {
    mxHosts = await asked.mx();
  } catch (err) {
    add({ check: "mx-coverage", status: "fail", message: `${(err as Error).message}; senders cannot find the MX hosts either`, fix: `fix the MX records of ${domain}` });
  }
  if (!findings.some((f) => f.check === "mx-coverage")) {
    if (!policy) skip("mx-coverage", "no valid policy to compare the MX hosts with");
    else findings.push(mxCoverage(domain, policy, mxHosts));
  }

  // RFC 8461 §4.2: what each MX host presents after STARTTLS.
  let mxTls: MxHostLive[] | undefined;
  if (options.skipMxTls) skip("mx-starttls", "the MX hosts were not connected to (--skip-mx-tls)");
  else if (mxProbed) {
    const checked = judgeProbedMxHosts(await mxProbed(), policy, { port: options.smtpPort, now });
    findings.push(...checked.findings);
    mxTls = checked.live;
  }

  // RFC 8460 §3: TXT at _smtp._tls.<domain>; optional, but valid if present.
  let tlsRptTxt: string[][] = [];
  try {
    tlsRptTxt = await asked.tlsRpt();
    const tlsRpt = selectTlsRptRecord(tlsRptTxt);
    if (tlsRpt.ok) {
      add({ check: "tlsrpt-record", status: "pass", message: `${tlsRptName} is valid; reports go to ${tlsRpt.value.rua.join(", ")} (RFC 8460 §3)` });
    } else if (tlsRpt.error.kind === "none") {
      add({ check: "tlsrpt-record", status: "warn", message: `${tlsRptName} has no "v=TLSRPTv1" record, so senders send no TLS failure reports and you will not see MTA-STS problems (RFC 8460 §3)`, fix: `publish TXT ${tlsRptName} "v=TLSRPTv1; rua=mailto:tlsrpt@${domain}"` });
    } else {
      add({ check: "tlsrpt-record", status: "fail", message: `${tlsRptName}: ${tlsRpt.error.message}; senders ignore it and send no reports (RFC 8460 §3)`, fix: `keep exactly one valid record: "v=TLSRPTv1; rua=mailto:..." ` });
    }
  } catch (err) {
    add({ check: "tlsrpt-record", status: "fail", message: `${(err as Error).message}`, fix: `fix the DNS of ${tlsRptName}` });
  }
  const tlsRptRecords = tlsRptTxt.map((chunks) => chunks.join(""));

  if (options.expect) findings.push(...drift(options.expect, { stsRecords, tlsRptRecords, fetched }));

  return {
    domain,
    policyUrl,
    checkedAt: now.toISOString(),
    findings,
    summary: summarise(findings),
    ok: !findings.some((f) => f.status === "fail"),
    live: {
      stsRecords,
      ...(liveId ? { policyId: liveId } : {}),
      tlsRptRecords,
      mxHosts,
      policyHostAddresses: addresses,
      ...(policy ? { policy: { mode: policy.mode, mx: policy.mx, maxAge: policy.maxAge } } : {}),
      ...(certificateValidTo ? { certificateValidTo: certificateValidTo.toISOString(), daysUntilCertificateExpiry: daysUntil(certificateValidTo, now) } : {}),
      ...(mxTls ? { mxTls } : {}),
    },
  };
}

/**
 * A question asked now and read later: its failure waits as a value until it is read (never an
 * unhandled rejection, e.g. when the check stops before reading it), then is thrown as it came.
 */
function early<T>(question: Promise<T>): () => Promise<T> {
  const settled = question.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return async () => {
    const answer = await settled;
    if (answer.ok) return answer.value;
    throw answer.error;
  };
}

/** Whether the domain itself exists in DNS; a lookup that gets no answer stops the check (exit 2). */
async function domainExists(domain: string, io: CheckIo): Promise<boolean> {
  try {
    return await io.dns.nameExists(domain);
  } catch (err) {
    throw new CheckCouldNotRun(`${(err as Error).message}; the DNS gave no answer, so nothing could be checked (try --resolver)`);
  }
}

/** The checks a report lists, in order; for a domain that does not exist, all but the first are skipped. */
const ALL_CHECKS = [
  "sts-record",
  "policy-host",
  "policy-tls",
  "certificate-chain",
  "certificate-name",
  "certificate-expiry",
  "policy-http-status",
  "policy-content-type",
  "policy-size",
  "policy-syntax",
  "mx-coverage",
  "tlsrpt-record",
];

/**
 * NXDOMAIN for the domain itself: not a deployment missing its records but a name that does not
 * exist (a typo, an expired registration, a broken delegation). Still a finding (exit 1): no mail
 * reaches it.
 */
function nonexistentDomainReport(options: CheckOptions, now: Date, policyUrl: string): CheckReport {
  const { domain } = options;
  const findings: CheckFinding[] = [
    {
      check: "domain-exists",
      status: "fail",
      message: `${domain}: the domain does not exist in DNS (NXDOMAIN), so no mail can be delivered to it and there is no MTA-STS to check`,
      fix: `check the spelling of ${domain}, and that it is registered and delegated to your name servers`,
    },
    ...[...ALL_CHECKS, ...(options.expect ? ["expect-sts-record", "expect-tlsrpt-record", "expect-policy"] : [])].map(
      (check): CheckFinding => ({ check, status: "skip", message: `not checked: ${domain} does not exist` }),
    ),
  ];
  return {
    domain,
    policyUrl,
    checkedAt: now.toISOString(),
    findings,
    summary: summarise(findings),
    ok: false,
    live: { stsRecords: [], tlsRptRecords: [], mxHosts: [], policyHostAddresses: [] },
  };
}

/** Status, content type, size and grammar of a fetched policy; returns the policy if a sender would use it. */
function judgeResponse(
  fetched: Extract<FetchPolicyResult, { ok: true }>,
  policyUrl: string,
  add: (f: CheckFinding) => void,
  skip: (check: string, why: string) => void,
): Policy | undefined {
  const { status } = fetched;
  if (status === 200) {
    add({ check: "policy-http-status", status: "pass", message: `HTTP 200 for ${policyUrl}` });
  } else if (status >= 300 && status < 400) {
    add({
      check: "policy-http-status",
      status: "fail",
      message: `HTTP ${status} redirect${fetched.location ? ` to ${fetched.location}` : ""}; senders must not follow redirects, so they get no policy (RFC 8461 §3.3)`,
      fix: `serve the policy with HTTP 200 at exactly ${policyUrl}, without a redirect`,
    });
  } else {
    add({ check: "policy-http-status", status: "fail", message: `HTTP ${status} for ${policyUrl}; senders accept only 200 (RFC 8461 §3.3)`, fix: `serve the policy file at exactly ${policyUrl}` });
  }

  if (status !== 200) {
    // A redirect or error page is not a policy: its type and size say nothing about the policy.
    for (const check of ["policy-content-type", "policy-size", "policy-syntax"]) skip(check, `HTTP ${status} is not a policy`);
    return undefined;
  }

  const mediaType = (fetched.contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType === "text/plain") {
    add({ check: "policy-content-type", status: "pass", message: `Content-Type ${fetched.contentType}` });
  } else {
    add({
      check: "policy-content-type",
      status: "fail",
      message: `Content-Type is ${fetched.contentType ? `"${fetched.contentType}"` : "missing"}; the policy must be served as "text/plain" and senders refuse anything else (RFC 8461 §3.2)`,
      fix: `serve ${policyUrl} with "Content-Type: text/plain"`,
    });
  }

  if (fetched.tooLarge) {
    add({ check: "policy-size", status: "fail", message: `the body is larger than ${fetched.body.length} bytes; senders stop reading at 64 KiB and refuse it (RFC 8461 §3.3)`, fix: "serve only the policy file (a few hundred bytes)" });
    skip("policy-syntax", "the body is over the size limit");
    return undefined;
  }
  add({ check: "policy-size", status: "pass", message: `${fetched.body.length} bytes (limit 65536, RFC 8461 §3.3)` });

  const { value, findings } = analysePolicy(fetched.body.toString("utf8"));
  for (const f of findings) {
    add({
      check: "policy-syntax",
      status: f.severity === "error" ? "fail" : "warn",
      message: `${f.line ? `line ${f.line}: ` : ""}${f.message}${f.severity === "error" ? "; senders refuse the policy" : ""}`,
      fix: f.severity === "error" ? "correct the policy file (render it with `mta-sts render`)" : "tidy the policy file",
    });
  }
  if (!value) return undefined;
  add({ check: "policy-syntax", status: "pass", message: `valid STSv1 policy: mode ${value.mode}, ${value.mx.length} mx pattern(s), max_age ${value.maxAge} (RFC 8461 §3.2)` });
  return value;
}

function mxCoverage(domain: string, policy: Policy, mxHosts: string[]): CheckFinding {
  const coverage = judgeMxCoverage(policy.mode, policy.mx, mxHosts);
  switch (coverage.verdict) {
    case "not-restricted":
      return { check: "mx-coverage", status: "pass", message: `mode none: senders apply no MX restriction (RFC 8461 §3.2)` };
    case "no-mx":
      return { check: "mx-coverage", status: "warn", message: `${domain} has no MX records; senders use its address records instead (RFC 5321 §5.1), which MTA-STS does not cover`, fix: `publish MX records for ${domain} matched by the policy's mx patterns` };
    case "null-mx":
      return { check: "mx-coverage", status: "pass", message: `${domain} has a null MX (RFC 7505) and receives no mail` };
    case "covered":
      return { check: "mx-coverage", status: "pass", message: `every MX host (${coverage.hosts.join(", ")}) matches an mx pattern of the policy (RFC 8461 §4.1)` };
    case "uncovered": {
      const { uncovered } = coverage;
      const list = uncovered.join(", ");
      const fix = `add ${list} (or a matching "*." pattern) to the policy's mx, or remove ${uncovered.length > 1 ? "those MX records" : "that MX record"}`;
      if (coverage.severity === "error") {
        return {
          check: "mx-coverage",
          status: "fail",
          message: `MX host(s) ${list} match no mx pattern of the enforce policy (${policy.mx.join(", ")}); senders refuse to deliver to them, so that mail bounces (RFC 8461 §4.1, §5)`,
          fix,
        };
      }
      return {
        check: "mx-coverage",
        status: "warn",
        message: `MX host(s) ${list} match no mx pattern of the testing policy (${policy.mx.join(", ")}); senders report failures for them and mail would bounce under enforce (RFC 8461 §4.1, §5)`,
        fix,
      };
    }
  }
}

/** `--expect`: the live policy bytes, id and records must be exactly what the config renders. */
function drift(
  expect: RenderedMailDomain,
  live: { stsRecords: string[]; tlsRptRecords: string[]; fetched?: FetchPolicyResult },
): CheckFinding[] {
  const findings: CheckFinding[] = [];
  const redeploy = "deploy the config again (`pulumi up`), or update the config to what is live";
  const stsLive = live.stsRecords.filter((r) => r.startsWith("v=STSv1"));
  if (stsLive.length === 1 && stsLive[0] === expect.stsRecord) {
    findings.push({ check: "expect-sts-record", status: "pass", message: `${expect.stsRecordName} is "${expect.stsRecord}", as the config renders (id ${expect.policyId})` });
  } else {
    findings.push({
      check: "expect-sts-record",
      status: "fail",
      message: `${expect.stsRecordName} is ${stsLive.length ? stsLive.map((r) => `"${r}"`).join(" and ") : "absent"}, the config renders "${expect.stsRecord}"`,
      fix: redeploy,
    });
  }

  const tlsLive = live.tlsRptRecords.filter((r) => r.startsWith("v=TLSRPTv1"));
  if (expect.tlsRptRecord === undefined) {
    if (tlsLive.length === 0) findings.push({ check: "expect-tlsrpt-record", status: "pass", message: `no TLS-RPT record, as the config has none` });
    else findings.push({ check: "expect-tlsrpt-record", status: "fail", message: `${expect.tlsRptRecordName} is ${tlsLive.map((r) => `"${r}"`).join(" and ")}, but the config has no tlsRpt`, fix: redeploy });
  } else if (tlsLive.length === 1 && tlsLive[0] === expect.tlsRptRecord) {
    findings.push({ check: "expect-tlsrpt-record", status: "pass", message: `${expect.tlsRptRecordName} is what the config renders` });
  } else {
    findings.push({
      check: "expect-tlsrpt-record",
      status: "fail",
      message: `${expect.tlsRptRecordName} is ${tlsLive.length ? tlsLive.map((r) => `"${r}"`).join(" and ") : "absent"}, the config renders "${expect.tlsRptRecord}"`,
      fix: redeploy,
    });
  }

  const fetched = live.fetched;
  if (!fetched || !fetched.ok || fetched.status !== 200) {
    findings.push({ check: "expect-policy", status: "skip", message: "not checked: the policy could not be fetched" });
  } else if (fetched.body.equals(Buffer.from(expect.policyText, "utf8"))) {
    findings.push({ check: "expect-policy", status: "pass", message: `the served policy is byte for byte what the config renders (id ${expect.policyId})` });
  } else {
    findings.push({
      check: "expect-policy",
      status: "fail",
      message: `the served policy differs from what the config renders (${firstDifference(fetched.body.toString("utf8"), expect.policyText)}); senders that fetched it under id ${expect.policyId} apply the wrong policy until the id changes`,
      fix: `${redeploy}; make sure no cache serves an old copy`,
    });
  }
  return findings;
}

/** `line 3: live "mx: a.example", config "mx: b.example"`. */
export function firstDifference(live: string, expected: string): string {
  const a = live.split("\n");
  const b = expected.split("\n");
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      const show = (s: string | undefined) => (s === undefined ? "end of file" : JSON.stringify(s.replace(/\r$/, "")) + (s.endsWith("\r") ? " (CRLF)" : ""));
      return `line ${i + 1}: live ${show(a[i])}, config ${show(b[i])}`;
    }
  }
  return "same lines, different bytes";
}
