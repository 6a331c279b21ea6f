/**
 * Typed configuration of one mail domain, and its normalised intent.
 *
 * Config is untrusted (stack YAML, a consumer's TypeScript): this module validates it with zod,
 * reports every problem with the path of the field and what would be right, and turns what passes
 * into an intent in one canonical form (A-labels, lowercase, sorted MX, defaults applied). Later
 * steps render bytes from the intent and never look at the raw config again.
 */
import { z } from "zod";
import { normaliseHostname, normaliseMxPattern } from "./hostname";
import { maxAgeAdvice } from "./max-age-advice";
import { canonicalMxPatterns, DEFAULT_MAX_AGE, MAX_AGE_LIMIT, MAX_POLICY_BYTES, PolicyMode, POLICY_MODES } from "./policy";
import { ruaUriProblem } from "./records";
import type { ConfigIssue } from "./config-error";
import { renderMailDomain } from "./rendered";

// The error and its issue type live in config-error.ts, without zod, for the CLI's error printer.
export type { ConfigIssue } from "./config-error";
export { MtaStsConfigError } from "./config-error";

const hostnameField = z.string({ error: "must be a host name (text) such as \"example.com\"" }).superRefine((value, ctx) => {
  const result = normaliseHostname(value);
  if (!result.ok) ctx.addIssue({ code: "custom", message: result.error.message });
});

const mxPatternField = z.string({ error: "must be an MX host or pattern (text) such as \"mx1.example.com\" or \"*.mail.example.com\"" }).superRefine((value, ctx) => {
  const result = normaliseMxPattern(value);
  if (!result.ok) ctx.addIssue({ code: "custom", message: result.error.message });
});

const ruaField = z.string({ error: "must be a reporting URI (text) such as \"mailto:tlsrpt@example.com\"" }).superRefine((value, ctx) => {
  // The rule the record parser applies too, so the record we render is one it accepts.
  const uri = value.trim();
  const problem = ruaUriProblem(uri);
  if (problem) ctx.addIssue({ code: "custom", message: `"${uri}" ${problem}; write "mailto:tlsrpt@example.com" or "https://reports.example.com/tlsrpt" (RFC 8460 §3)` });
});

/** The fields of the `policy` block, for schemas that reuse them (stack defaults). */
export const policyFields = {
  mode: z.enum(POLICY_MODES, { error: "must be \"enforce\", \"testing\" or \"none\" (RFC 8461 §3.2)" }),
  mx: z.array(mxPatternField, { error: "must be a list of MX hosts or patterns" }).default([]),
  maxAgeSeconds: z
    .number({ error: `must be a whole number of seconds from 0 to ${MAX_AGE_LIMIT}` })
    .int({ error: "must be a whole number of seconds, without a fraction" })
    .min(0, { error: "must not be negative; use 0 to 31557600 seconds (RFC 8461 §3.2)" })
    .max(MAX_AGE_LIMIT, { error: `must be at most ${MAX_AGE_LIMIT} seconds, about one year (RFC 8461 §3.2)` })
    // No schema default: normaliseMailDomain applies DEFAULT_MAX_AGE and warns only about a
    // value the config gave, never about our own default.
    .optional(),
};

/** What senders are told to do; the `policy` block of a domain. */
export const policySchema = z.strictObject(policyFields, { error: "must be a policy block such as { mode: testing, mx: [\"mx1.example.com\"] }" }).superRefine((policy, ctx) => {
  if (policy.mode !== "none" && policy.mx.length === 0) {
    ctx.addIssue({ code: "custom", path: ["mx"], message: `mode "${policy.mode}" needs at least one MX host or pattern, e.g. ["mx1.example.com"] (RFC 8461 §3.2)` });
  }
});

/** Where senders send daily TLS reports (RFC 8460); the `tlsRpt` block of a domain. */
export const tlsRptSchema = z.strictObject(
  {
    rua: z.array(ruaField, { error: "must be a list of mailto: or https: URIs" }).min(1, { error: "needs at least one mailto: or https: URI (RFC 8460 §3)" }),
  },
  { error: "must be a block such as { rua: [\"mailto:tlsrpt@example.com\"] }" },
);

/** The MTA-STS part of one mail domain. */
export const mailDomainSchema = z.strictObject(
  {
    domain: hostnameField,
    policy: policySchema,
    tlsRpt: tlsRptSchema.optional(),
  },
  { error: "must be a mail domain such as { domain: example.com, policy: { mode: testing, mx: [\"mx1.example.com\"] } }" },
);

export type PolicyConfig = z.input<typeof policySchema>;
export type TlsRptConfig = z.input<typeof tlsRptSchema>;
export type MailDomainConfig = z.input<typeof mailDomainSchema>;

/** A mail domain after validation and normalisation: what everything downstream works from. */
export interface MailDomainIntent {
  /** The mail domain as a lowercase A-label, e.g. `xn--bcher-kva.example`. */
  readonly domain: string;
  /** `mta-sts.<domain>`, the host that serves the policy (RFC 8461 §3.3). */
  readonly policyHost: string;
  readonly policy: { readonly mode: PolicyMode; readonly mx: readonly string[]; readonly maxAgeSeconds: number };
  readonly tlsRpt?: { readonly rua: readonly string[] };
}

export type Validation<T> = { ok: true; value: T; warnings: ConfigIssue[] } | { ok: false; issues: ConfigIssue[] };

/** Validate one mail domain's config; `path` prefixes every issue (e.g. `domains[2]`). */
export function validateMailDomain(input: unknown, path: readonly (string | number)[] = []): Validation<MailDomainIntent> {
  const parsed = mailDomainSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, input, path) };
  return normaliseMailDomain(parsed.data, path);
}

/**
 * Intent from an already schema-checked config, with the warnings for risky but legal values.
 * Fails when what would be published is something senders or DNS refuse although every field is
 * valid on its own: a policy over 64 KiB, or a domain so long that `_mta-sts.<domain>` is not a
 * DNS name.
 */
export function normaliseMailDomain(config: z.output<typeof mailDomainSchema>, path: readonly (string | number)[] = []): Validation<MailDomainIntent> {
  const domain = (normaliseHostname(config.domain) as { value: string }).value;
  const given = config.policy.maxAgeSeconds;
  const policy = { mode: config.policy.mode, mx: canonicalMxPatterns(config.policy.mx), maxAgeSeconds: given ?? DEFAULT_MAX_AGE };
  const warnings: ConfigIssue[] = [];
  const at = formatPath([...path, "policy", "maxAgeSeconds"]);
  // Only about a value someone wrote: the default (one week) is ours, and changing it would
  // republish every domain that relies on it.
  const advice = given !== undefined ? maxAgeAdvice(policy.mode, given) : undefined;
  if (advice) warnings.push({ path: at, message: advice.message });
  const tlsRpt = config.tlsRpt ? { rua: config.tlsRpt.rua.map((u) => u.trim()) } : undefined;
  const intent: MailDomainIntent = { domain, policyHost: `mta-sts.${domain}`, policy, ...(tlsRpt ? { tlsRpt } : {}) };
  const issues = publishedIssues(intent, path);
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, value: intent, warnings };
}

/** Longest DNS name in text form, without the root dot (RFC 1035 §2.3.4: 255 octets on the wire). */
const MAX_DNS_NAME = 253;

/**
 * Problems with what would be published, judged on the rendered values themselves: the policy
 * bytes senders fetch and the names the records go to.
 */
function publishedIssues(intent: MailDomainIntent, path: readonly (string | number)[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const rendered = renderMailDomain(intent);
  const names = [rendered.stsRecordName, rendered.policyHost, ...(rendered.tlsRptRecord !== undefined ? [rendered.tlsRptRecordName] : [])];
  const tooLong = names.filter((name) => name.length > MAX_DNS_NAME);
  if (tooLong.length > 0) {
    const longest = Math.max(...names.map((n) => n.length - intent.domain.length));
    issues.push({
      path: formatPath([...path, "domain"]),
      message:
        `"${intent.domain}" is ${intent.domain.length} octets, so ${tooLong.map((n) => `${n.slice(0, n.length - intent.domain.length)}<domain> would be ${n.length}`).join(" and ")}, ` +
        `over DNS's ${MAX_DNS_NAME} (RFC 1035 §2.3.4); a mail domain with MTA-STS${rendered.tlsRptRecord !== undefined ? " and TLS-RPT" : ""} can be at most ${MAX_DNS_NAME - longest} octets`,
    });
  }
  const size = Buffer.byteLength(rendered.policyText, "utf8");
  if (size > MAX_POLICY_BYTES) {
    issues.push({
      path: formatPath([...path, "policy", "mx"]),
      message: `${intent.policy.mx.length} patterns make a policy of ${size} bytes, over the ${MAX_POLICY_BYTES} senders read (RFC 8461 §3.3: larger policies are refused); list fewer, e.g. one "*.mail.example.com" pattern for the hosts of one subdomain`,
    });
  }
  return issues;
}

/**
 * A mail domain's warning as the components log it, domain first, so that it names the domain
 * wherever it is printed: `example.com: policy.maxAgeSeconds: 3600 s is under one day: ...`.
 */
export function domainWarningText(domain: string, warning: ConfigIssue): string {
  return `${domain}: ${warning.path}: ${warning.message}`;
}

/** `["domains", 3, "policy", "mx", 1]` → `domains[3].policy.mx[1]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(config)" : out;
}

/** zod's issues as ConfigIssues with full paths and messages that say what would be right. */
export function zodIssues(
  error: z.ZodError,
  input: unknown,
  prefix: readonly (string | number)[] = [],
  shapeOf?: (path: readonly PropertyKey[]) => readonly string[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of error.issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const known = shapeOf?.(issue.path) ?? knownKeysAt(issue.path);
        const suggestion = closest(key, known);
        const hint = suggestion ? `did you mean "${suggestion}"?` : known.length ? `known fields: ${known.join(", ")}` : "remove it";
        out.push({ path: formatPath([...path, key]), message: `unknown field; ${hint}` });
      }
      continue;
    }
    if (issue.code === "invalid_type" && valueAt(input, issue.path) === undefined) {
      out.push({ path: formatPath(path), message: `is required; ${issue.message}` });
      continue;
    }
    out.push({ path: formatPath(path), message: issue.message });
  }
  return out;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Field names known at a path inside a mail-domain config (for "did you mean"). */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const last = [...path].reverse().find((p) => typeof p === "string");
  if (last === "policy") return Object.keys(policyFields);
  if (last === "tlsRpt") return Object.keys(tlsRptSchema.shape);
  return Object.keys(mailDomainSchema.shape);
}

/** The known name closest to a typo (case-insensitive, small edit distance), if any. */
export function closest(typo: string, known: readonly string[]): string | undefined {
  const t = typo.toLowerCase().replace(/[_-]/g, "");
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const n = name.toLowerCase();
    // A truncated or extended name ("maxage" for "maxAgeSeconds") is a candidate however far
    // apart, but candidates are ranked by edit distance, so "hostedZoneld" means "hostedZoneId",
    // not its prefix "host".
    const distance = editDistance(t, n);
    const candidate = distance <= Math.max(2, Math.floor(n.length / 3)) || n.startsWith(t) || t.startsWith(n);
    if (candidate && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}
