/**
 * `mta-sts check <domain>`: check a live mail domain as a careful sending MTA would (RFC 8461,
 * RFC 8460). `mta-sts check --stack FILE` without a domain checks every domain of the stack (the
 * fleet check), and can write a node_exporter textfile. This module only parses options and
 * prints; the checking is `components/check`.
 *
 * Exit codes: 0 every check passed (warnings allowed), 1 at least one check failed (a domain
 * that does not exist included; in the fleet, any domain failing, one whose DNS does not answer
 * included), 2 could not run (bad arguments, unreadable --ca-file or --expect file, no DNS
 * answer at all for a single domain, a textfile that could not be written).
 */
import { Command, Option } from "commander";
import { createDnsLookup, parseServerAddress } from "../components/check/dns-lookup";
import { fetchPolicy } from "../components/check/fetch-policy";
import { probeStarttls } from "../components/check/smtp-starttls";
import { runFleetCheck } from "../components/check/fleet";
import { formatFleetReport } from "../components/check/fleet-report";
import { formatPrometheus } from "../components/check/prometheus";
import { formatReport } from "../components/check/report";
import { CheckCouldNotRun, CheckIo, runCheck } from "../components/check/run-check";
import { normaliseHostname } from "../components/model/hostname";
import type { RenderedMailDomain } from "../components/model/rendered";
import { AtomicWriteError, writeFileAtomic } from "./atomic-write";
import { loadCaFile } from "./ca-file";
import { loadRenderedDomains } from "./config-file";
import { CliContext, CliError, EXIT_FINDINGS, EXIT_OK, UsageError } from "./verb-contract";
import { formatJson } from "./json-output";

export interface CheckCliDeps {
  /** Reads a config file into what it renders; throws `UsageError` on a bad config. */
  loadRenderedDomains(path: string): RenderedMailDomain[];
  /** Builds the DNS and HTTPS access; tests replace it. */
  io(options: { resolver?: string; timeoutMs: number }): CheckIo;
  /** Port of the policy host; 443 except for test servers. */
  httpsPort?: number;
  /** Port of the MX hosts; 25 except for test servers. */
  smtpPort?: number;
}

export const defaultCheckDeps: CheckCliDeps = {
  loadRenderedDomains,
  io: ({ resolver, timeoutMs }) => ({ dns: createDnsLookup({ server: resolver, timeoutMs }), fetchPolicy, probeMx: probeStarttls }),
};

/** `--timeout` bounds, in seconds: below 0.1 s not even a local resolver answers reliably. */
export const MIN_TIMEOUT_SECONDS = 0.1;
export const MAX_TIMEOUT_SECONDS = 60;
export const DEFAULT_TIMEOUT_SECONDS = 10;

interface CheckFlags {
  json?: boolean;
  resolver?: string;
  caFile?: string;
  expect?: string;
  stack?: string;
  timeout: string;
  skipMxTls?: boolean;
  concurrency?: string;
  domainTimeout?: string;
  prometheus?: string;
}

/** `--concurrency` of the fleet check: domains checked at once. */
export const DEFAULT_FLEET_CONCURRENCY = 16;
export const MAX_FLEET_CONCURRENCY = 256;
/** `--domain-timeout`, in seconds: one domain's whole check (many questions, a fetch, the MX hosts). */
export const DEFAULT_DOMAIN_TIMEOUT_SECONDS = 60;
export const MAX_DOMAIN_TIMEOUT_SECONDS = 600;

/** `--timeout` in milliseconds, or a usage error saying what the range is. */
export function parseTimeout(value: string): number {
  const seconds = Number(value);
  const range = `give ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS} seconds (the default is ${DEFAULT_TIMEOUT_SECONDS})`;
  if (value.trim() === "" || !Number.isFinite(seconds)) throw new UsageError(`--timeout "${value}" is not a number of seconds; ${range}`);
  if (seconds < MIN_TIMEOUT_SECONDS) throw new UsageError(`--timeout "${value}" is too short: the minimum is ${MIN_TIMEOUT_SECONDS} s, and there is no "no limit"; ${range}`);
  if (seconds > MAX_TIMEOUT_SECONDS) throw new UsageError(`--timeout "${value}" is too long: the maximum is ${MAX_TIMEOUT_SECONDS} s; ${range}`);
  return Math.round(seconds * 1000);
}

/**
 * A whole-number option (`--concurrency 16`) in `min` to `max`, or a usage error naming the
 * option, the range and the default.
 */
export function parseWholeNumber(option: string, value: string, min: number, max: number, fallback?: number): number {
  const n = Number(value);
  const range = `give a whole number from ${min} to ${max}${fallback !== undefined ? ` (the default is ${fallback})` : ""}`;
  if (value.trim() === "" || !Number.isInteger(n)) throw new UsageError(`${option} "${value}" is not a whole number; ${range}`);
  if (n < min || n > max) throw new UsageError(`${option} ${value} is out of range; ${range}`);
  return n;
}

export function registerCheck(program: Command, ctx: CliContext, deps: CheckCliDeps = defaultCheckDeps): Command {
  return program
    .command("check")
    .description("check a live mail domain's MTA-STS and TLS-RPT as a sending MTA would, or with --stack and no domain every domain of a stack (exit 0 ok, 1 failures, 2 could not run)")
    .argument("[domain]", "the mail domain, e.g. example.com (an IDN is fine); without it, --stack checks every domain of the stack")
    .option("--json", "print the report as JSON")
    .option("--resolver <address>", "ask this DNS server instead of the system's resolvers: an IP address with an optional port, e.g. 127.0.0.1:5353 or [::1]:53")
    .option("--ca-file <pem>", "trust the certificate authorities in this PEM file instead of the system's")
    .option("-s, --stack <file>", "the stack config the domain is deployed from: also fail when the live policy, id or records differ from what it renders; without a domain, check every domain of it")
    .option("--expect <config file>", "the same as --stack")
    .addOption(
      new Option("--timeout <seconds>", `time limit of each DNS question, of the policy fetch and of each MX host's exchange, ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}`).default(String(DEFAULT_TIMEOUT_SECONDS)),
    )
    .option("--skip-mx-tls", "do not connect to the MX hosts on port 25 (for networks that block outbound port 25)")
    .option("--concurrency <n>", `with --stack and no domain: domains checked at once, 1 to ${MAX_FLEET_CONCURRENCY} (default ${DEFAULT_FLEET_CONCURRENCY})`)
    .option("--domain-timeout <seconds>", `with --stack and no domain: time limit of one domain's whole check, 1 to ${MAX_DOMAIN_TIMEOUT_SECONDS} (default ${DEFAULT_DOMAIN_TIMEOUT_SECONDS})`)
    .option("--prometheus <file>", "with --stack and no domain: also write the results as a node_exporter textfile (replaced in one step)")
    .action(async (domainArg: string | undefined, flags: CheckFlags) => {
      if (domainArg === undefined) {
        if (flags.stack !== undefined || flags.expect !== undefined) return checkFleet(flags, ctx, deps);
        throw new UsageError("missing the domain to check, e.g. `mta-sts check example.com`, or --stack <file> to check every domain of a stack");
      }
      for (const [given, option] of [[flags.concurrency, "--concurrency"], [flags.domainTimeout, "--domain-timeout"], [flags.prometheus, "--prometheus"]] as const) {
        if (given !== undefined) throw new UsageError(`${option} is for checking every domain of a stack (--stack <file> without a domain); leave it out when checking ${domainArg}`);
      }
      const host = normaliseHostname(domainArg);
      if (!host.ok) throw new UsageError(`domain ${host.error.message}`);
      const domain = host.value;
      const { timeoutMs, ca, stackFile: expectFile } = sharedFlags(flags);
      let expect: RenderedMailDomain | undefined;
      if (expectFile !== undefined) {
        const rendered = deps.loadRenderedDomains(expectFile);
        expect = rendered.find((d) => d.domain === domain);
        if (!expect) {
          throw new UsageError(`${expectFile} has no domain ${domain} (it has ${rendered.map((d) => d.domain).join(", ") || "none"})`);
        }
      }
      let report;
      try {
        report = await runCheck({ domain, expect, ca, timeoutMs, httpsPort: deps.httpsPort, smtpPort: deps.smtpPort, skipMxTls: flags.skipMxTls === true }, deps.io({ resolver: flags.resolver, timeoutMs }));
      } catch (err) {
        if (err instanceof CheckCouldNotRun) throw new CliError("dns", err.message);
        throw err;
      }
      ctx.out(flags.json ? formatJson(report.ok, report) : formatReport(report));
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_FINDINGS;
    });
}

/**
 * The flags one domain's check and the fleet check read alike: the stack file (given as --stack or
 * --expect), the time limit, the resolver and the CA file; a UsageError naming the flag.
 */
function sharedFlags(flags: CheckFlags): { timeoutMs: number; ca: string | undefined; stackFile: string | undefined } {
  if (flags.stack !== undefined && flags.expect !== undefined && flags.stack !== flags.expect) {
    throw new UsageError(`--stack ${flags.stack} and --expect ${flags.expect} name two files; give one`);
  }
  const timeoutMs = parseTimeout(flags.timeout);
  if (flags.resolver !== undefined) {
    try {
      parseServerAddress(flags.resolver);
    } catch (err) {
      throw new UsageError(`--resolver ${(err as Error).message}`);
    }
  }
  const ca = flags.caFile !== undefined ? loadCaFile(flags.caFile) : undefined;
  return { timeoutMs, ca, stackFile: flags.expect ?? flags.stack };
}

/** `check --stack FILE` without a domain: every domain of the stack, in one process (fleet.ts). */
async function checkFleet(flags: CheckFlags, ctx: CliContext, deps: CheckCliDeps): Promise<void> {
  const shared = sharedFlags(flags);
  const { timeoutMs, ca } = shared;
  // Called only with --stack or --expect.
  const stackFile = shared.stackFile!;
  const concurrency = flags.concurrency !== undefined ? parseWholeNumber("--concurrency", flags.concurrency, 1, MAX_FLEET_CONCURRENCY, DEFAULT_FLEET_CONCURRENCY) : DEFAULT_FLEET_CONCURRENCY;
  const domainTimeoutMs =
    (flags.domainTimeout !== undefined ? parseSeconds("--domain-timeout", flags.domainTimeout, 1, MAX_DOMAIN_TIMEOUT_SECONDS, DEFAULT_DOMAIN_TIMEOUT_SECONDS) : DEFAULT_DOMAIN_TIMEOUT_SECONDS) * 1000;
  const domains = deps.loadRenderedDomains(stackFile);
  const fleet = await runFleetCheck(
    domains,
    { concurrency, domainTimeoutMs, check: { ca, timeoutMs, httpsPort: deps.httpsPort, smtpPort: deps.smtpPort, skipMxTls: flags.skipMxTls === true } },
    deps.io({ resolver: flags.resolver, timeoutMs }),
  );
  // Written before anything is printed: a failure to write is the one JSON object of the run.
  if (flags.prometheus !== undefined) {
    try {
      writeFileAtomic(flags.prometheus, formatPrometheus(fleet));
    } catch (err) {
      if (err instanceof AtomicWriteError) throw new CliError("io", `${err.message}; the fleet was checked (${fleet.summary.failed} of ${fleet.summary.domains} domain(s) failed) but the textfile was not replaced`);
      throw err;
    }
  }
  ctx.out(flags.json ? formatJson(fleet.ok, { summary: fleet.summary, domains: fleet.domains }) : formatFleetReport(fleet, stackFile));
  ctx.exitCode = fleet.ok ? EXIT_OK : EXIT_FINDINGS;
}

/** A number of seconds in `min` to `max`, or a usage error naming the option and the range. */
function parseSeconds(option: string, value: string, min: number, max: number, fallback: number): number {
  const n = Number(value);
  const range = `give ${min} to ${max} seconds (the default is ${fallback})`;
  if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${option} "${value}" is not a number of seconds; ${range}`);
  if (n < min || n > max) throw new UsageError(`${option} ${value} is out of range; ${range}`);
  return n;
}
