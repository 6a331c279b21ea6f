/**
 * The stack config of this repository's own Pulumi program: many mail domains, each with where
 * its DNS lives and what serves its policy, plus defaults merged under every domain.
 *
 * ```yaml
 * config:
 *   mta-sts:defaults:
 *     policy: { maxAgeSeconds: 1209600 }
 *     tlsRpt: { rua: ["mailto:tlsrpt@example.com"] }
 *   mta-sts:domains:
 *     - domain: example.com
 *       host: aws                # aws | cloudflare-worker | cloudflare-pages
 *       dns: route53             # route53 | cloudflare
 *       policy: { mode: testing, mx: ["mx1.example.com"] }
 * ```
 *
 * Pure (no Pulumi import): the program, `mta-sts plan`, `render` and `check --expect` all read
 * the same file through this module and get the same answers and the same error paths.
 */
import { z } from "zod";
import { normaliseHostname } from "../model/hostname";
import {
  ConfigIssue,
  formatPath,
  mailDomainSchema,
  MailDomainIntent,
  normaliseMailDomain,
  policyFields,
  tlsRptSchema,
  zodIssues,
} from "../model/config";

/** What serves the policy file. */
export const HOST_KINDS = ["aws", "cloudflare-worker", "cloudflare-pages"] as const;
export type HostKind = (typeof HOST_KINDS)[number];
/** Where the domain's DNS records are written. */
export const DNS_HOMES = ["route53", "cloudflare"] as const;
export type DnsHome = (typeof DNS_HOMES)[number];

/** Deployment fields of one domain, beside the MTA-STS fields of `mailDomainSchema`. */
const deploymentShape = {
  host: z.enum(HOST_KINDS, { error: `must be one of ${HOST_KINDS.join(", ")}` }).default("aws"),
  dns: z.enum(DNS_HOMES, { error: `must be one of ${DNS_HOMES.join(", ")}` }).optional(),
  hostedZoneId: z.string({ error: "must be a Route 53 hosted zone id such as \"Z0123456789ABC\"" }).min(1, { error: "must not be empty" }).optional(),
  cloudflareZoneId: z.string({ error: "must be a Cloudflare zone id (32 hex characters)" }).min(1, { error: "must not be empty" }).optional(),
  cloudflareAccountId: z.string({ error: "must be a Cloudflare account id (32 hex characters)" }).min(1, { error: "must not be empty" }).optional(),
  verifyLiveMx: z.boolean({ error: "must be true or false" }).default(true),
  adoptExistingRecords: z.boolean({ error: "must be true or false" }).default(false),
  group: z
    .number({ error: "must be a group number (a whole number from 0)" })
    .int({ error: "must be a whole group number" })
    .min(0, { error: "must not be negative" })
    .optional(),
};

/**
 * `mta-sts:sharedAwsHost`: when present, every `host: aws` domain of the stack is served by one
 * shared host (one bucket; one distribution and certificate per group of domains) instead of a
 * distribution and certificate of its own.
 */
const sharedAwsHostSchema = z.strictObject({
  groupSize: z
    .number({ error: "must be a whole number from 1 to 100" })
    .int({ error: "must be a whole number from 1 to 100" })
    .min(1, { error: "must be at least 1" })
    .max(100, { error: "must be at most 100 (names on one ACM certificate)" })
    .optional(),
  groupCount: z
    .number({ error: "must be a whole number from 1 to 1000" })
    .int({ error: "must be a whole number from 1 to 1000" })
    .min(1, { error: "must be at least 1" })
    .max(1000, { error: "must be at most 1000" })
    .optional(),
});
export type SharedAwsHostConfig = z.output<typeof sharedAwsHostSchema>;

const domainEntrySchema = mailDomainSchema.extend(deploymentShape).superRefine((entry, ctx) => {
  const dns = entry.dns ?? (entry.host === "aws" ? "route53" : "cloudflare");
  if (entry.host !== "aws" && dns !== "cloudflare") {
    ctx.addIssue({ code: "custom", path: ["dns"], message: `host "${entry.host}" keeps its records at Cloudflare; set dns: cloudflare or remove dns` });
  }
  if (dns === "cloudflare" && !entry.cloudflareZoneId) {
    ctx.addIssue({ code: "custom", path: ["cloudflareZoneId"], message: "is required when the DNS is at Cloudflare; copy the zone id from the zone's overview page" });
  }
  if (dns === "route53" && entry.cloudflareZoneId) {
    ctx.addIssue({ code: "custom", path: ["cloudflareZoneId"], message: "is set but dns is route53; remove it, or set dns: cloudflare" });
  }
  if (dns === "cloudflare" && entry.hostedZoneId) {
    ctx.addIssue({ code: "custom", path: ["hostedZoneId"], message: "is set but dns is cloudflare; remove it, or set dns: route53" });
  }
  if (entry.host !== "aws" && !entry.cloudflareAccountId) {
    ctx.addIssue({ code: "custom", path: ["cloudflareAccountId"], message: `is required for host "${entry.host}"; copy the account id from the Cloudflare dashboard` });
  }
  if (entry.group !== undefined && entry.host !== "aws") {
    ctx.addIssue({ code: "custom", path: ["group"], message: `pins a domain to a group of the shared AWS host; host "${entry.host}" has no groups, remove it` });
  }
  if (entry.host === "aws" && entry.cloudflareAccountId) {
    ctx.addIssue({ code: "custom", path: ["cloudflareAccountId"], message: "is only used by the cloudflare-worker and cloudflare-pages hosts; remove it" });
  }
});

/** Every field of a domain entry but `domain`, optional: merged under each domain. */
const defaultsSchema = z.strictObject({
  ...Object.fromEntries(Object.entries(deploymentShape).map(([key, schema]) => [key, schema.optional()])),
  policy: z
    .strictObject({ mode: policyFields.mode.optional(), mx: policyFields.mx.optional(), maxAgeSeconds: policyFields.maxAgeSeconds.optional() })
    .optional(),
  tlsRpt: tlsRptSchema.optional(),
});

/** The whole stack config: `mta-sts:domains` and `mta-sts:defaults`. */
export interface StackConfigInput {
  domains?: unknown;
  defaults?: unknown;
  /** `mta-sts:sharedAwsHost`; absent: each AWS domain gets a host of its own. */
  sharedAwsHost?: unknown;
}

/** One domain, validated, normalised, with its deployment choices resolved. */
export interface DomainDeployment {
  /** Index in `mta-sts:domains`, for messages. */
  readonly index: number;
  readonly intent: MailDomainIntent;
  readonly host: HostKind;
  readonly dns: DnsHome;
  readonly hostedZoneId?: string;
  readonly cloudflareZoneId?: string;
  readonly cloudflareAccountId?: string;
  readonly verifyLiveMx: boolean;
  readonly adoptExistingRecords: boolean;
  /** Pinned group of the shared AWS host, if any. */
  readonly group?: number;
}

export type StackValidation =
  | { ok: true; domains: DomainDeployment[]; sharedAwsHost?: SharedAwsHostConfig; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[] };

/**
 * Validate the whole stack config and report every problem at once, each with its path
 * (`domains[2].policy.mx[0]`); nothing is declared unless this returns ok.
 */
export function validateStackConfig(config: StackConfigInput): StackValidation {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];

  let defaults: Record<string, unknown> = {};
  if (config.defaults !== undefined) {
    const parsed = defaultsSchema.safeParse(config.defaults);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, config.defaults, ["defaults"], knownDefaultsKeys));
      // Merge what is valid: without it every domain would also report, say, a missing mode that
      // the defaults do set, and the real problem would drown in consequences.
      defaults = withoutIssues(config.defaults, parsed.error.issues);
    } else defaults = config.defaults as Record<string, unknown>;
  }

  let sharedAwsHost: SharedAwsHostConfig | undefined;
  if (config.sharedAwsHost !== undefined && config.sharedAwsHost !== null) {
    const parsed = sharedAwsHostSchema.safeParse(config.sharedAwsHost);
    if (!parsed.success) issues.push(...zodIssues(parsed.error, config.sharedAwsHost, ["sharedAwsHost"], () => Object.keys(sharedAwsHostSchema.shape)));
    else sharedAwsHost = parsed.data;
  }

  if (!Array.isArray(config.domains)) {
    issues.push({ path: "domains", message: "must be a list of domains, e.g. `- domain: example.com` with a policy (set mta-sts:domains in the stack config)" });
    return { ok: false, issues };
  }
  if (config.domains.length === 0) {
    issues.push({ path: "domains", message: "is empty; list at least one mail domain" });
  }

  const seen = new Map<string, number>();
  const domains: DomainDeployment[] = [];
  config.domains.forEach((raw, index) => {
    // Duplicates are found from the domain name alone, so that they are reported even when one
    // of the two entries has other problems.
    const name = isPlainObject(raw) && typeof raw.domain === "string" ? normaliseHostname(raw.domain) : undefined;
    if (name?.ok) {
      const earlier = seen.get(name.value);
      if (earlier !== undefined) {
        issues.push({ path: formatPath(["domains", index, "domain"]), message: `"${name.value}" is already listed at domains[${earlier}]; each domain once` });
      } else seen.set(name.value, index);
    }
    const merged = mergeDefaults(defaults, raw);
    const parsed = domainEntrySchema.safeParse(merged);
    if (!parsed.success) {
      issues.push(...zodIssues(parsed.error, merged, ["domains", index], knownKeys));
      return;
    }
    const entry = parsed.data;
    const normalised = normaliseMailDomain(entry, ["domains", index]);
    if (!normalised.ok) {
      issues.push(...normalised.issues);
      return;
    }
    warnings.push(...normalised.warnings);
    const intent = normalised.value;
    if (entry.group !== undefined && config.sharedAwsHost === undefined) {
      issues.push({ path: formatPath(["domains", index, "group"]), message: "pins a domain to a group of the shared AWS host, but mta-sts:sharedAwsHost is not set; set it, or remove group" });
      return;
    }
    domains.push({
      index,
      intent,
      host: entry.host,
      dns: entry.dns ?? (entry.host === "aws" ? "route53" : "cloudflare"),
      ...(entry.hostedZoneId ? { hostedZoneId: entry.hostedZoneId } : {}),
      ...(entry.cloudflareZoneId ? { cloudflareZoneId: entry.cloudflareZoneId } : {}),
      ...(entry.cloudflareAccountId ? { cloudflareAccountId: entry.cloudflareAccountId } : {}),
      verifyLiveMx: entry.verifyLiveMx,
      adoptExistingRecords: entry.adoptExistingRecords,
      ...(entry.group !== undefined ? { group: entry.group } : {}),
    });
  });

  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, domains, ...(sharedAwsHost ? { sharedAwsHost } : {}), warnings };
}

/** Defaults under a domain entry: objects merge field by field, lists and scalars replace. */
export function mergeDefaults(defaults: Record<string, unknown>, entry: unknown): unknown {
  if (!isPlainObject(entry)) return entry;
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(entry)) {
    out[key] = isPlainObject(value) && isPlainObject(defaults[key]) ? { ...(defaults[key] as object), ...value } : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `defaults` with every field that has an issue removed (unknown keys and invalid values). */
function withoutIssues(defaults: unknown, zodIssueList: readonly z.core.$ZodIssue[]): Record<string, unknown> {
  if (!isPlainObject(defaults)) return {};
  const copy = structuredClone(defaults);
  for (const issue of zodIssueList) {
    const paths = issue.code === "unrecognized_keys" ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) {
      if (path.length === 0) return {};
      // Only the top-level field and its direct child matter for merging (objects merge one level).
      const cut = path.slice(0, Math.min(path.length, 2));
      const parent = cut.length === 1 ? copy : copy[cut[0] as string];
      if (isPlainObject(parent)) delete parent[cut[cut.length - 1] as string];
      if (cut.length === 2 && isPlainObject(parent) && Object.keys(parent).length === 0) delete copy[cut[0] as string];
    }
  }
  return copy;
}

/** Known field names in `defaults`: every domain field but `domain`, which is per entry. */
function knownDefaultsKeys(path: readonly PropertyKey[]): readonly string[] {
  return path.some((p) => typeof p === "string") ? knownKeys(path) : Object.keys(defaultsSchema.shape);
}

/** Known field names at a path of the stack config, for "did you mean". */
function knownKeys(path: readonly PropertyKey[]): readonly string[] {
  const last = [...path].reverse().find((p) => typeof p === "string");
  if (last === "policy") return Object.keys(policyFields);
  if (last === "tlsRpt") return Object.keys(tlsRptSchema.shape);
  return [...Object.keys(mailDomainSchema.shape), ...Object.keys(deploymentShape)];
}
