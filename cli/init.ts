/**
 * `mta-sts init DOMAIN... | --domains-file F [--resolver IP:PORT] [--rua mailto:...] [--host ...]
 * [--dns ...] [--cloudflare-zones FILE] [--cloudflare-account-id ID] [--shared-aws-host]
 * [--out FILE]`: a stack config for many domains from what their DNS says today.
 *
 * Each domain's live MX, `_mta-sts` and `_smtp._tls` records and served policy are read
 * (components/check/observe-domain.ts, at most `--concurrency` domains at a time), turned into
 * an entry by the onboarding model (components/model/onboarding.ts) and written as a stack file
 * with a comment on every value (components/stack/init-stack-file.ts). The file is validated by
 * the same schema `plan` and the program use before it is written; `--out` replaces the file in
 * one step.
 *
 * Exit codes: 0 every domain was read (some may be left out: they receive no mail); 1 the DNS of
 * some domain did not answer (the file lists them at the top, and lacks them), or no domain
 * could be onboarded at all (nothing is written); 2 could not run (bad arguments, a missing
 * Cloudflare id, an unreadable file).
 */
import { Command, Option } from "commander";
import { parse as parseYaml } from "yaml";
import { assignGroups } from "../components/aws-shared/group-packer";
import { DEFAULT_GROUP_SIZE, MAX_GROUP_INDEX, MAX_GROUP_SIZE } from "../components/aws-shared/grouping";
import { mapConcurrently } from "../components/check/concurrency";
import { createDnsLookup, DnsLookup, parseServerAddress } from "../components/check/dns-lookup";
import { fetchPolicy, PolicyFetcher } from "../components/check/fetch-policy";
import { observeDomain } from "../components/check/observe-domain";
import { cloudflareIdProblem } from "../components/model/cloudflare-ids";
import { tlsRptSchema } from "../components/model/config";
import { normaliseHostname } from "../components/model/hostname";
import { Onboarding, onboardDomain, OnboardedDomain } from "../components/model/onboarding";
import { renderInitStackFile } from "../components/stack/init-stack-file";
import { DNS_HOMES, DnsHome } from "../components/model/dns-home";
import { HOST_KINDS, HostKind, stackConfigInput, validateStackConfig } from "../components/stack/stack-config";
import { terminalLines } from "../components/terminal-text";
import { AtomicWriteError, writeFileAtomic } from "./atomic-write";
import { INPUT_LIMITS, readBoundedFile } from "./bounded-read";
import { loadCaFile } from "./ca-file";
import { DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, MIN_TIMEOUT_SECONDS, parseTimeout, parseWholeNumber } from "./check";
import { CONFIG_NAMESPACE } from "./config-file";
import { CliContext, CliError, EXIT_FINDINGS, EXIT_OK, UsageError } from "./verb-contract";
import { formatJson } from "./json-output";

export interface InitCliDeps {
  /** The DNS and HTTPS access; tests replace it. */
  io(options: { resolver?: string; timeoutMs: number }): { dns: DnsLookup; fetchPolicy: PolicyFetcher };
  /** Port of the policy hosts; 443 except for test servers. */
  httpsPort?: number;
  /** The time written into the header; tests fix it. */
  now?(): Date;
}

export const defaultInitDeps: InitCliDeps = {
  io: ({ resolver, timeoutMs }) => ({ dns: createDnsLookup({ server: resolver, timeoutMs }), fetchPolicy }),
};

export const DEFAULT_CONCURRENCY = 16;
export const MAX_CONCURRENCY = 256;

interface InitFlags {
  domainsFile?: string;
  resolver?: string;
  timeout: string;
  caFile?: string;
  rua: string[];
  host: HostKind;
  dns?: DnsHome;
  cloudflareZones?: string;
  cloudflareAccountId?: string;
  sharedAwsHost?: boolean;
  groupSize?: string;
  groupCount?: string;
  concurrency: string;
  out?: string;
  json?: boolean;
}

export function registerInit(program: Command, ctx: CliContext, deps: InitCliDeps = defaultInitDeps): Command {
  return program
    .command("init")
    .description("write a stack config for mail domains from what their DNS says today (exit 0 ok, 1 some domain's DNS did not answer, 2 could not run)")
    .argument("[domains...]", "the mail domains, e.g. example.com example.org")
    .option("--domains-file <file>", "read the domains from a file: one per line, # starts a comment")
    .option("--resolver <address>", "ask this DNS server instead of the system's resolvers: an IP address with an optional port, e.g. 127.0.0.1:5353")
    .addOption(new Option("--timeout <seconds>", `time limit of each DNS question and policy fetch, ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}`).default(String(DEFAULT_TIMEOUT_SECONDS)))
    .option("--ca-file <pem>", "trust the certificate authorities in this PEM file when fetching the policies domains serve now")
    .option("--rua <uri>", "where TLS reports go for a domain without a TLS-RPT record of its own, e.g. mailto:tlsrpt@example.com (repeatable)", (v: string, all: string[]) => [...all, v], [])
    .addOption(new Option("--host <kind>", "what serves the policies").choices([...HOST_KINDS]).default("aws"))
    .addOption(new Option("--dns <home>", "where the records go (default: route53 for --host aws, cloudflare for the Cloudflare hosts)").choices([...DNS_HOMES]))
    .option("--cloudflare-zones <file>", "YAML or JSON mapping each domain to its Cloudflare zone id (required when the records go to Cloudflare)")
    .option("--cloudflare-account-id <id>", "the Cloudflare account id (required for --host cloudflare-worker or cloudflare-pages)")
    .option("--shared-aws-host", "serve every domain from one shared AWS host (mta-sts:sharedAwsHost), each pinned to a packed group")
    .option("--group-size <n>", `with --shared-aws-host: domains per group, 1 to ${MAX_GROUP_SIZE} (default ${DEFAULT_GROUP_SIZE})`)
    .option("--group-count <n>", "with --shared-aws-host: groupCount (default: the groups the domains fill, plus a tenth)")
    .addOption(new Option("--concurrency <n>", `domains read at once, 1 to ${MAX_CONCURRENCY}`).default(String(DEFAULT_CONCURRENCY)))
    .option("--out <file>", "write the stack file here (replaced in one step) instead of standard output")
    .option("--json", "print one JSON document (the stack file is in it unless --out is given)")
    .action(async (args: string[], flags: InitFlags) => {
      const plan = checkArguments(args, flags);
      const timeoutMs = parseTimeout(flags.timeout);
      const ca = flags.caFile !== undefined ? loadCaFile(flags.caFile) : undefined;
      const io = deps.io({ resolver: flags.resolver, timeoutMs });
      const now = deps.now?.() ?? new Date();

      const observations = await mapConcurrently(plan.domains, plan.concurrency, (domain) => observeDomain(domain, io, { ca, timeoutMs, httpsPort: deps.httpsPort, now }));
      let results: Onboarding[] = observations.map((o) => onboardDomain(o, { dns: plan.dns, rua: plan.rua }));
      const render = () => renderInitStackFile(results, {
        host: plan.host,
        dns: plan.dns,
        ...(plan.cloudflareAccountId !== undefined ? { cloudflareAccountId: plan.cloudflareAccountId } : {}),
        ...(plan.cloudflareZones ? { cloudflareZones: plan.cloudflareZones } : {}),
        ...(plan.shared ? { sharedAwsHost: { ...plan.shared, pins: pinsFor(results, plan.shared) } } : {}),
        generatedAt: now,
        ...(flags.resolver !== undefined ? { resolver: flags.resolver } : {}),
      });
      let text = render();
      // An entry the stack schema refuses is a domain init could not onboard, never a bad file.
      const refused = refusedEntries(text, results);
      if (refused.size > 0) {
        results = results.map((r) => (refused.has(r.domain) ? { kind: "failed", domain: r.domain, reason: `its entry is not a valid config: ${refused.get(r.domain)}; write it by hand` } : r));
        text = render();
        const again = refusedEntries(text, results);
        if (again.size > 0) throw new Error(`init wrote a stack file the schema refuses: ${[...again.values()][0]}`);
      }

      const entries = results.filter((r): r is OnboardedDomain => r.kind === "entry");
      const failed = results.filter((r) => r.kind === "failed");
      const leftOut = results.filter((r) => r.kind === "left-out");
      const nothing = entries.length === 0;
      if (!nothing && flags.out !== undefined) {
        try {
          writeFileAtomic(flags.out, text);
        } catch (err) {
          if (err instanceof AtomicWriteError) throw new CliError("io", `${err.message}; nothing was written`);
          throw err;
        }
      }
      ctx.exitCode = failed.length > 0 || nothing ? EXIT_FINDINGS : EXIT_OK;
      const summary = { domains: results.length, written: entries.length, leftOut: leftOut.length, failed: failed.length };

      if (flags.json) {
        ctx.out(
          formatJson(ctx.exitCode === EXIT_OK, {
            summary,
            ...(flags.out !== undefined && !nothing ? { out: flags.out } : {}),
            domains: results.map((r) =>
              r.kind === "entry"
                ? { domain: r.domain, result: "written", mode: r.mode, mx: r.mx.map((m) => m.pattern), liveMx: r.liveMx, notes: r.notes, alerts: r.alerts }
                : { domain: r.domain, result: r.kind, reason: r.reason },
            ),
            ...(flags.out === undefined && !nothing ? { stackFile: text } : {}),
          }),
        );
        return;
      }
      if (flags.out === undefined && !nothing) ctx.out(text);
      ctx.err(terminalLines(reportLines(results, summary, flags.out, nothing)));
    });
}

/** What the command line asks for, checked before any DNS question is asked. */
interface InitPlan {
  domains: string[];
  host: HostKind;
  dns: DnsHome;
  rua?: string[];
  cloudflareZones?: Map<string, string>;
  cloudflareAccountId?: string;
  shared?: { groupSize: number; groupCount: number };
  concurrency: number;
}

function checkArguments(args: readonly string[], flags: InitFlags): InitPlan {
  const named: { text: string; where: string }[] = args.map((text, i) => ({ text, where: `argument ${i + 1}` }));
  if (flags.domainsFile !== undefined) named.push(...readDomainsFile(flags.domainsFile));
  if (named.length === 0) throw new UsageError("give the domains to onboard, e.g. `mta-sts init example.com example.org`, or --domains-file <file>");
  const domains: string[] = [];
  const seen = new Map<string, string>();
  for (const { text, where } of named) {
    const host = normaliseHostname(text);
    if (!host.ok) throw new UsageError(`${where}: domain ${host.error.message}`);
    const earlier = seen.get(host.value);
    if (earlier !== undefined) throw new UsageError(`${where}: ${host.value} is already given (${earlier}); give each domain once`);
    seen.set(host.value, where);
    domains.push(host.value);
  }

  if (flags.resolver !== undefined) {
    try {
      parseServerAddress(flags.resolver);
    } catch (err) {
      throw new UsageError(`--resolver ${(err as Error).message}`);
    }
  }
  const concurrency = parseWholeNumber("--concurrency", flags.concurrency, 1, MAX_CONCURRENCY, DEFAULT_CONCURRENCY);

  let rua: string[] | undefined;
  if (flags.rua.length > 0) {
    const parsed = tlsRptSchema.safeParse({ rua: flags.rua });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const index = typeof issue.path[1] === "number" ? issue.path[1] : 0;
      throw new UsageError(`--rua ${JSON.stringify(flags.rua[index])}: ${issue.message}`);
    }
    rua = parsed.data.rua;
  }

  const host = flags.host;
  const dns: DnsHome = flags.dns ?? (host === "aws" ? "route53" : "cloudflare");
  if (host !== "aws" && dns !== "cloudflare") throw new UsageError(`--host ${host} keeps its records at Cloudflare; leave out --dns or give --dns cloudflare`);

  let cloudflareZones: Map<string, string> | undefined;
  if (dns === "cloudflare") {
    if (flags.cloudflareZones === undefined) {
      throw new UsageError(`the records go to Cloudflare, whose zone ids DNS cannot tell: give --cloudflare-zones <file>, a YAML or JSON mapping of each domain to its zone id (from the zone's overview page)`);
    }
    cloudflareZones = readZonesFile(flags.cloudflareZones);
    const missing = domains.filter((d) => !cloudflareZones!.has(d));
    if (missing.length > 0) {
      throw new UsageError(`--cloudflare-zones ${flags.cloudflareZones} has no zone id for ${missing.length} domain(s): ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""}; add them`);
    }
  } else if (flags.cloudflareZones !== undefined) {
    throw new UsageError("--cloudflare-zones is for records at Cloudflare; give --dns cloudflare, or leave it out");
  }
  if (host !== "aws") {
    if (flags.cloudflareAccountId === undefined) throw new UsageError(`--host ${host} needs --cloudflare-account-id <id> (the account id from the Cloudflare dashboard)`);
    const problem = cloudflareIdProblem(flags.cloudflareAccountId, "account");
    if (problem) throw new UsageError(`--cloudflare-account-id ${problem}`);
  } else if (flags.cloudflareAccountId !== undefined) {
    throw new UsageError("--cloudflare-account-id is only used by --host cloudflare-worker and cloudflare-pages; leave it out");
  }

  let shared: InitPlan["shared"];
  if (flags.sharedAwsHost) {
    if (host !== "aws") throw new UsageError(`--shared-aws-host serves domains from AWS; it cannot be combined with --host ${host}`);
    const groupSize = flags.groupSize !== undefined ? parseWholeNumber("--group-size", flags.groupSize, 1, MAX_GROUP_SIZE, DEFAULT_GROUP_SIZE) : DEFAULT_GROUP_SIZE;
    // The README's rule: the groups the domains fill, plus a tenth, so that growth needs no change.
    const fitting = Math.min(MAX_GROUP_INDEX + 1, Math.max(1, Math.ceil(Math.ceil(domains.length / groupSize) * 1.1)));
    const groupCount = flags.groupCount !== undefined ? parseWholeNumber("--group-count", flags.groupCount, 1, MAX_GROUP_INDEX + 1) : fitting;
    if (groupCount * groupSize < domains.length) {
      throw new UsageError(`--group-count ${groupCount} × --group-size ${groupSize} holds ${groupCount * groupSize} domains, fewer than the ${domains.length} given; give at least --group-count ${Math.ceil(domains.length / groupSize)}`);
    }
    shared = { groupSize, groupCount };
  } else if (flags.groupSize !== undefined || flags.groupCount !== undefined) {
    throw new UsageError("--group-size and --group-count are for --shared-aws-host; add it, or leave them out");
  }
  return { domains, host, dns, ...(rua ? { rua } : {}), ...(cloudflareZones ? { cloudflareZones } : {}), ...(host !== "aws" ? { cloudflareAccountId: flags.cloudflareAccountId } : {}), ...(shared ? { shared } : {}), concurrency };
}

/** `--domains-file`: one domain per line; blank lines and `#` comments are skipped. */
function readDomainsFile(path: string): { text: string; where: string }[] {
  const text = readBoundedFile(path, INPUT_LIMITS.stackFile, { label: `--domains-file ${path}` }).toString("utf8");
  const out: { text: string; where: string }[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line !== "") out.push({ text: line, where: `${path}:${i + 1}` });
  });
  return out;
}

/** `--cloudflare-zones`: a mapping of domain to zone id, each id checked. */
function readZonesFile(path: string): Map<string, string> {
  const text = readBoundedFile(path, INPUT_LIMITS.stackFile, { label: `--cloudflare-zones ${path}` }).toString("utf8");
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new UsageError(`--cloudflare-zones ${path} is not YAML or JSON: ${(err as Error).message.split("\n")[0]}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) throw new UsageError(`--cloudflare-zones ${path} must map each domain to its zone id, e.g. "example.com: 023e105f4ecef8ad9ca31a8372d0c353"`);
  const zones = new Map<string, string>();
  for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
    const name = normaliseHostname(key);
    if (!name.ok) throw new UsageError(`--cloudflare-zones ${path}: key ${name.error.message}`);
    const problem = cloudflareIdProblem(value, "zone");
    if (problem) throw new UsageError(`--cloudflare-zones ${path}: ${name.value} ${problem}`);
    zones.set(name.value, value as string);
  }
  return zones;
}

/** Each written domain's group: packed, as for a stack never deployed (nothing to keep yet). */
function pinsFor(results: readonly Onboarding[], shared: { groupSize: number; groupCount: number }): Map<string, number> {
  const domains = results.filter((r) => r.kind === "entry").map((r) => r.domain);
  const { assignment, unplaced } = assignGroups(new Map(), domains, { ...shared, mode: "pack" });
  if (unplaced.length > 0) throw new Error(`assignGroups left ${unplaced.length} domain(s) without a group although the groups hold them all`);
  return new Map(assignment);
}

/** The entries (by domain) of `text` that the stack schema refuses, with the first problem of each. */
function refusedEntries(text: string, results: readonly Onboarding[]): Map<string, string> {
  const doc = parseYaml(text) as { config: Record<string, unknown> };
  const validation = validateStackConfig(stackConfigInput(doc.config, CONFIG_NAMESPACE));
  const refused = new Map<string, string>();
  if (validation.ok) return refused;
  const entries = results.filter((r) => r.kind === "entry");
  for (const issue of validation.issues) {
    const at = /^domains\[(\d+)\]/.exec(issue.path);
    // An empty list is not an entry's fault: nothing is written then.
    if (!at) {
      if (entries.length === 0 && issue.path === "domains") continue;
      throw new Error(`init wrote a stack file the schema refuses: ${issue.path}: ${issue.message}`);
    }
    const domain = entries[Number(at[1])]?.domain;
    if (domain !== undefined && !refused.has(domain)) refused.set(domain, `${issue.path.slice(at[0].length + 1) || "entry"}: ${issue.message}`);
  }
  return refused;
}

/** One line per domain that needs a word (status first), then the summary. */
function reportLines(results: readonly Onboarding[], summary: { domains: number; written: number; leftOut: number; failed: number }, out: string | undefined, nothing: boolean): string[] {
  const lines: string[] = [];
  for (const r of results) {
    if (r.kind === "failed") lines.push(`FAIL ${r.domain}: ${r.reason}; not in the file, run init for it again once its DNS answers`);
    else if (r.kind === "left-out") lines.push(`SKIP ${r.domain}: ${r.reason}`);
    else if (r.kind === "entry") {
      for (const alert of r.alerts) lines.push(`ALERT ${alert}`);
      for (const note of r.notes) lines.push(`NOTE ${r.domain}: ${note}`);
    }
  }
  if (nothing) {
    lines.push(`init: nothing written: no domain could be onboarded (0 of ${summary.domains}); ${summary.leftOut} left out, ${summary.failed} failed`);
    return lines;
  }
  const where = out !== undefined ? `written to ${out}` : "written to standard output";
  lines.push(`init: ${summary.written} of ${summary.domains} domain(s) ${where}; ${summary.leftOut} left out, ${summary.failed} failed${summary.failed > 0 ? " (the file says so at the top)" : ""}`);
  return lines;
}
