/**
 * `mta-sts check <domain>`: check a live mail domain as a careful sending MTA would (RFC 8461,
 * RFC 8460). This module only parses options and prints; the checking is `components/check`.
 *
 * Exit codes: 0 every check passed (warnings allowed), 1 at least one check failed, 2 could not
 * run (bad arguments, unreadable --ca-file or --expect file, no DNS answer at all).
 */
import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { createDnsLookup, parseServerAddress } from "../components/check/dns-lookup";
import { fetchPolicy } from "../components/check/fetch-policy";
import { formatReport, formatReportJson } from "../components/check/report";
import { CheckCouldNotRun, CheckIo, runCheck } from "../components/check/run-check";
import { normaliseHostname } from "../components/model/hostname";
import type { RenderedMailDomain } from "../components/model/rendered";
import { loadRenderedDomains } from "./config-file";
import { CliContext, EXIT_COULD_NOT_RUN, EXIT_FINDINGS, EXIT_OK, UsageError } from "./exit-codes";

export interface CheckCliDeps {
  /** Reads a config file into what it renders; throws `UsageError` on a bad config. */
  loadRenderedDomains(path: string): RenderedMailDomain[];
  /** Builds the DNS and HTTPS access; tests replace it. */
  io(options: { resolver?: string; timeoutMs: number }): CheckIo;
  /** Port of the policy host; 443 except for test servers. */
  httpsPort?: number;
}

export const defaultCheckDeps: CheckCliDeps = {
  loadRenderedDomains,
  io: ({ resolver, timeoutMs }) => ({ dns: createDnsLookup({ server: resolver, timeoutMs }), fetchPolicy }),
};

interface CheckFlags {
  json?: boolean;
  resolver?: string;
  caFile?: string;
  expect?: string;
  timeout: string;
}

export function registerCheck(program: Command, ctx: CliContext, deps: CheckCliDeps = defaultCheckDeps): Command {
  return program
    .command("check")
    .description("check a live mail domain's MTA-STS and TLS-RPT as a sending MTA would (exit 0 ok, 1 failures, 2 could not run)")
    .argument("<domain>", "the mail domain, e.g. example.com (an IDN is fine)")
    .option("--json", "print the report as JSON")
    .option("--resolver <host:port>", "ask this DNS server instead of the system's resolvers, e.g. 127.0.0.1:5353")
    .option("--ca-file <pem>", "trust the certificate authorities in this PEM file instead of the system's")
    .option("--expect <config file>", "also fail when the live policy, id or records differ from what this config renders")
    .addOption(new Option("--timeout <seconds>", "time limit of each DNS question and of the policy fetch").default("10"))
    .action(async (domainArg: string, flags: CheckFlags) => {
      const host = normaliseHostname(domainArg);
      if (!host.ok) throw new UsageError(`domain ${host.error.message}`);
      const domain = host.value;
      const seconds = Number(flags.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 300) throw new UsageError(`--timeout "${flags.timeout}" must be a number of seconds from 0 to 300`);
      const timeoutMs = Math.round(seconds * 1000);
      if (flags.resolver !== undefined) {
        try {
          parseServerAddress(flags.resolver);
        } catch (err) {
          throw new UsageError(`--resolver ${(err as Error).message}`);
        }
      }
      let ca: Buffer | undefined;
      if (flags.caFile !== undefined) {
        try {
          ca = readFileSync(flags.caFile);
        } catch (err) {
          throw new UsageError(`--ca-file ${flags.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a readable PEM file`);
        }
        if (!ca.toString("latin1").includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`--ca-file ${flags.caFile} contains no PEM certificate`);
      }
      let expect: RenderedMailDomain | undefined;
      if (flags.expect !== undefined) {
        const rendered = deps.loadRenderedDomains(flags.expect);
        expect = rendered.find((d) => d.domain === domain);
        if (!expect) {
          throw new UsageError(`--expect ${flags.expect} has no domain ${domain} (it has ${rendered.map((d) => d.domain).join(", ") || "none"})`);
        }
      }
      let report;
      try {
        report = await runCheck({ domain, expect, ca, timeoutMs, httpsPort: deps.httpsPort }, deps.io({ resolver: flags.resolver, timeoutMs }));
      } catch (err) {
        if (err instanceof CheckCouldNotRun) throw new UsageError(err.message, EXIT_COULD_NOT_RUN);
        throw err;
      }
      ctx.out(flags.json ? formatReportJson(report) : formatReport(report));
      ctx.exitCode = report.ok ? EXIT_OK : EXIT_FINDINGS;
    });
}
