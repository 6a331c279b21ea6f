/**
 * `mta-sts lint [file] [--kind policy|sts|tlsrpt] [--json]`: read a policy file or a TXT value
 * (from a file, or standard input when the file is `-` or omitted) the way a sender would, and
 * print each problem with its line. Exit 1 when there is an error, 0 when only warnings.
 * The input is read with the size bound of a policy or TXT value (bounded-read.ts), and the
 * text it contains is escaped before it reaches the terminal.
 *
 * `mta-sts lint --stack <file> [--json]`: validate a stack config exactly as `plan` and `render`
 * do (config-file.ts), shared host groups and pins included, without running the program: exit 2
 * with every problem and its path when the config is not valid, else 0 with its warnings, the
 * plan's quota warnings among them.
 */
import { Command, Option } from "commander";
import { Finding } from "../components/model/findings";
import { analysePolicy } from "../components/model/policy";
import { analyseStsRecord, analyseTlsRptRecord } from "../components/model/records";
import { terminalLines } from "../components/terminal-text";
import { INPUT_LIMITS, readBoundedFile } from "./bounded-read";
import { CliContext, EXIT_FINDINGS, UsageError } from "./verb-contract";
import { formatJson } from "./json-output";
import { loadDomainDeployments } from "./config-file";
import { stackQuotaWarnings } from "../components/stack/stack-groups";

export const LINT_KINDS = ["auto", "policy", "sts", "tlsrpt"] as const;
type LintKind = (typeof LINT_KINDS)[number];

const KIND_NAMES = { policy: "policy file (RFC 8461 §3.2)", sts: "_mta-sts TXT record (RFC 8461 §3.1)", tlsrpt: "_smtp._tls TXT record (RFC 8460 §3)" };

export interface LintReport {
  readonly kind: Exclude<LintKind, "auto">;
  readonly valid: boolean;
  readonly findings: readonly Finding[];
}

/** Lint one text; `auto` tells records from policies by their version tag. */
export function lintText(text: string, kind: LintKind = "auto"): LintReport {
  const resolved = kind === "auto" ? detectKind(text) : kind;
  const { findings } =
    resolved === "policy" ? analysePolicy(text) : resolved === "sts" ? analyseStsRecord(txtFromPresentation(text)) : analyseTlsRptRecord(txtFromPresentation(text));
  // In text order; findings about the whole text (no line) last.
  const ordered = [...findings].sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
  return { kind: resolved, valid: !findings.some((f) => f.severity === "error"), findings: ordered };
}

function detectKind(text: string): Exclude<LintKind, "auto"> {
  const start = text.trimStart().replace(/^"/, "");
  if (start.startsWith("v=STSv1")) return "sts";
  if (start.startsWith("v=TLSRPTv1")) return "tlsrpt";
  return "policy";
}

/**
 * A TXT value as pasted: plain (`v=STSv1; id=1`), or in DNS presentation form as `dig` prints it
 * (`"v=TLSRPTv1; rua=..." "more"`), whose character-strings are joined (RFC 1035 §5.1). A scan
 * rather than a regular expression, so that an unterminated string of escaped quotes costs linear
 * time, not quadratic.
 */
export function txtFromPresentation(text: string): string {
  const trimmed = text.endsWith("\r\n") ? text.slice(0, -2) : text.endsWith("\n") ? text.slice(0, -1) : text;
  if (!trimmed.trimStart().startsWith('"')) return trimmed;
  const strings: string[] = [];
  for (let open = trimmed.indexOf('"'); open >= 0; ) {
    const bytes: number[] = [];
    let i = open + 1;
    // RFC 1035 §5.1: inside quotes, \DDD is the octet DDD (decimal; dig writes UTF-8 so), and a
    // backslash makes any other next character literal.
    while (i < trimmed.length && trimmed[i] !== '"') {
      const octet = trimmed[i] === "\\" ? decimalOctet(trimmed, i + 1) : undefined;
      if (octet !== undefined) {
        bytes.push(octet);
        i += 4;
        continue;
      }
      if (trimmed[i] === "\\" && i + 1 < trimmed.length) i++;
      const code = trimmed.charCodeAt(i);
      if (code < 0x80) {
        bytes.push(code);
        i++;
        continue;
      }
      const char = String.fromCodePoint(trimmed.codePointAt(i)!);
      for (const b of Buffer.from(char, "utf8")) bytes.push(b);
      i += char.length;
    }
    if (i >= trimmed.length) break; // unterminated: not a character-string
    strings.push(Buffer.from(bytes).toString("utf8"));
    open = trimmed.indexOf('"', i + 1);
  }
  return strings.join("");
}

/** The octet written as three decimal digits at `at` (`\\027`), if there are. */
function decimalOctet(text: string, at: number): number | undefined {
  let value = 0;
  for (let k = at; k < at + 3; k++) {
    const digit = text.charCodeAt(k) - 0x30;
    if (!(digit >= 0 && digit <= 9)) return undefined;
    value = value * 10 + digit;
  }
  return value <= 255 ? value : undefined;
}

export function registerLint(program: Command, ctx: CliContext): void {
  program
    .command("lint")
    .description("check a policy file or a _mta-sts / _smtp._tls TXT value against the RFC grammar; with --stack, a stack config as plan validates it")
    .argument("[file]", "file to read; `-` or nothing reads standard input")
    .addOption(new Option("--kind <kind>", "what the text is").choices(LINT_KINDS as unknown as string[]).default("auto"))
    .option("-s, --stack <file>", "validate this stack config (Pulumi.<stack>.yaml) instead, exactly as `mta-sts plan` does; exit 2 on problems")
    .option("--json", "print one JSON document")
    .action(async (file: string | undefined, options: { kind: LintKind; stack?: string; json?: boolean }) => {
      if (options.stack !== undefined) {
        if (file !== undefined) throw new UsageError(`lint takes a file to read or --stack, not both (${file} and --stack ${options.stack})`);
        return lintStack(options.stack, options.json === true, ctx);
      }
      const text = await readInput(file, ctx);
      const report = lintText(text, options.kind);
      if (options.json) {
        ctx.out(formatJson(report.valid, report));
      } else {
        const source = file && file !== "-" ? file : "<stdin>";
        const lines = report.findings.map((f) => `${f.severity} ${source}${f.line !== undefined ? `:${f.line}` : ""}: ${f.message}`);
        lines.push(report.valid ? `ok ${source}: valid ${KIND_NAMES[report.kind]}` : `fail ${source}: not a valid ${KIND_NAMES[report.kind]}; senders would ignore it`);
        // Messages quote the input's own bytes: escaped, so a hostile line cannot rewrite the report.
        ctx.out(terminalLines(lines));
      }
      if (!report.valid) ctx.exitCode = EXIT_FINDINGS;
    });
}

/** `lint --stack`: the plan's validation and warnings, without the plan. A bad config throws (exit 2). */
function lintStack(file: string, json: boolean, ctx: CliContext): void {
  const { domains, sharedAwsHost, awsQuotas, warnings } = loadDomainDeployments(file);
  const all = [...warnings, ...stackQuotaWarnings(domains, { ...(sharedAwsHost ? { sharedAwsHost } : {}), quotaLimits: awsQuotas })];
  const shared = sharedAwsHost ? domains.filter((d) => d.host === "aws") : [];
  const groups = new Set(shared.map((d) => d.group)).size;
  if (json) {
    ctx.out(formatJson(true, { kind: "stack", stack: file, domains: domains.length, sharedHostDomains: shared.length, sharedHostGroups: groups, warnings: all }));
    return;
  }
  const onShared = shared.length > 0 ? `, ${shared.length} of them on the shared AWS host in ${groups} group${groups === 1 ? "" : "s"}` : "";
  const lines = all.map((w) => `warning ${file} ${w.path}: ${w.message}`);
  lines.push(`ok ${file}: valid stack config, ${domains.length} domain${domains.length === 1 ? "" : "s"}${onShared}`);
  ctx.out(terminalLines(lines));
}

async function readInput(file: string | undefined, ctx: CliContext): Promise<string> {
  if (file === undefined || file === "-") return ctx.readStdin(INPUT_LIMITS.policyOrTxt);
  return readBoundedFile(file, INPUT_LIMITS.policyOrTxt).toString("utf8");
}
