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
import { AWS_DEFAULT_QUOTAS, AwsQuotaKey } from "../aws-shared/aws-quotas";
import { checkGroups, missingPinIssue } from "../aws-shared/group-rules";
import { DEFAULT_GROUP_COUNT, DEFAULT_GROUP_SIZE, MAX_GROUP_INDEX, MAX_GROUP_SIZE } from "../aws-shared/grouping";
import { dnsResolverIssues } from "../guard/mx-guard";
import { CloudflareIdKind, cloudflareIdProblem } from "../model/cloudflare-ids";
import { adoptionIssues, COPY_CLOUDFLARE_ZONE_ID, DNS_HOMES, DnsHome, dnsHomeIssues, dnsHomeOf } from "../model/dns-home";
import { normaliseHostname } from "../model/hostname";
import { defaultSiteName, siteNameProblem } from "../model/names";
import { ROLLOUT_SETTINGS, RolloutSetting } from "../model/rollout";
import {
  closest,
  ConfigIssue,
  formatPath,
  mailDomainSchema,
  MailDomainIntent,
  normaliseMailDomain,
  policyFields,
  zodIssues,
} from "../model/config";
import { readTlsRptReceiver, receiverDeployment, resolveTlsRpt, stackTlsRptSchema, TlsRptReceiverDeployment } from "./tlsrpt-receiver-config";

/** What serves the policy file. */
export const HOST_KINDS = ["aws", "cloudflare-worker", "cloudflare-pages"] as const;
export type HostKind = (typeof HOST_KINDS)[number];

/**
 * A Cloudflare zone or account id. Any value is taken here: whether it must be an id at all
 * depends on the host and DNS home, so the entry's refinement judges it (one mistake, one message).
 */
const cloudflareIdField = z.unknown().optional();

/** Deployment fields of one domain, beside the MTA-STS fields of `mailDomainSchema`. */
const deploymentShape = {
  host: z.enum(HOST_KINDS, { error: `must be one of ${HOST_KINDS.join(", ")}` }).default("aws"),
  dns: z.enum(DNS_HOMES, { error: `must be one of ${DNS_HOMES.join(", ")}` }).optional(),
  hostedZoneId: z.string({ error: "must be a Route 53 hosted zone id such as \"Z0123456789ABC\"" }).min(1, { error: "must not be empty" }).optional(),
  cloudflareZoneId: cloudflareIdField,
  cloudflareAccountId: cloudflareIdField,
  siteName: z
    .unknown()
    .transform((value, ctx) => {
      const problem = siteNameProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem, continue: true });
      return value as string;
    })
    .optional(),
  verifyLiveMx: z.boolean({ error: "must be true or false" }).default(true),
  dnsResolver: z
    .string({ error: "must be a DNS server address such as \"127.0.0.1:5353\" or \"[::1]:53\"" })
    .superRefine((value, ctx) => {
      for (const issue of dnsResolverIssues(value)) ctx.addIssue({ code: "custom", message: issue.message });
    })
    .optional(),
  adoptExistingRecords: z.boolean({ error: "must be true or false" }).default(false),
  // Read by `mta-sts promote` only: hold keeps the domain in its mode whatever its reports say.
  rollout: z.enum(ROLLOUT_SETTINGS, { error: `must be ${ROLLOUT_SETTINGS.join(" or ")} (hold keeps the domain out of mta-sts promote)` }).default("auto"),
  group: z
    .number({ error: `must be a group number (a whole number from 0 to ${MAX_GROUP_INDEX})` })
    .int({ error: "must be a whole group number" })
    .min(0, { error: "must not be negative" })
    .max(MAX_GROUP_INDEX, { error: `must be at most ${MAX_GROUP_INDEX} (group labels run g00 to g${MAX_GROUP_INDEX}): pin a lower one, or remove it and run \`mta-sts groups --write\`` })
    .optional(),
};

/**
 * `mta-sts:sharedAwsHost`: when present, every `host: aws` domain of the stack is served by one
 * shared host (one bucket; one distribution and certificate per group of domains) instead of a
 * distribution and certificate of its own.
 */
const sharedAwsHostSchema = z.strictObject({
  groupSize: z
    .number({ error: `must be a whole number from 1 to ${MAX_GROUP_SIZE}` })
    .int({ error: `must be a whole number from 1 to ${MAX_GROUP_SIZE}` })
    .min(1, { error: "must be at least 1" })
    .max(MAX_GROUP_SIZE, { error: `must be at most ${MAX_GROUP_SIZE} (names on one ACM certificate)` })
    .optional(),
  groupCount: z
    .number({ error: `must be a whole number from 1 to ${MAX_GROUP_INDEX + 1}` })
    .int({ error: `must be a whole number from 1 to ${MAX_GROUP_INDEX + 1}` })
    .min(1, { error: "must be at least 1" })
    .max(MAX_GROUP_INDEX + 1, { error: `must be at most ${MAX_GROUP_INDEX + 1}` })
    .optional(),
});
export type SharedAwsHostConfig = z.output<typeof sharedAwsHostSchema>;

/** The quotas an account can have raised, by the keys `mta-sts groups` and the plan print. */
const ADJUSTABLE_QUOTA_KEYS = AWS_DEFAULT_QUOTAS.filter((q) => q.adjustable).map((q) => q.key);

/**
 * `mta-sts:awsQuotas`: the account's own figures for AWS quotas it had raised, e.g.
 * `{ cloudfront-distributions-per-account: 1000 }`, counted against instead of the defaults by
 * the plan's quota guard and by `mta-sts groups`. Fixed limits (S3's bucket policy size) have no key.
 */
const awsQuotasSchema = z.strictObject(
  Object.fromEntries(
    ADJUSTABLE_QUOTA_KEYS.map((key) => [key, z.number({ error: "must be the raised quota, a whole number from 1" }).int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).optional()]),
  ) as Record<AwsQuotaKey, z.ZodOptional<z.ZodNumber>>,
);
export type AwsQuotasConfig = Partial<Record<AwsQuotaKey, number>>;

// `tlsRpt` of the stack config also takes `receiver: true` (tlsrpt-receiver-config.ts).
const domainEntrySchema = mailDomainSchema.extend({ ...deploymentShape, tlsRpt: stackTlsRptSchema.optional() }).superRefine((entry, ctx) => {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const cloudflareId = (path: "cloudflareZoneId" | "cloudflareAccountId", kind: CloudflareIdKind, missing: string) => {
    const value = entry[path];
    if (value === undefined || value === "") return issue(path, missing);
    const problem = cloudflareIdProblem(value, kind);
    if (problem) issue(path, problem);
  };
  if (entry.host !== "aws") {
    // One mistake, one message: the rest is judged as if dns said cloudflare, as the host needs.
    if (entry.dns !== undefined && entry.dns !== "cloudflare") issue("dns", `host "${entry.host}" keeps its records at Cloudflare; set dns: cloudflare or remove dns`);
    cloudflareId("cloudflareZoneId", "zone", `is required for host "${entry.host}"; ${COPY_CLOUDFLARE_ZONE_ID}`);
    if (entry.hostedZoneId) issue("hostedZoneId", `is a Route 53 zone, but host "${entry.host}" keeps its records at Cloudflare; remove it`);
    cloudflareId("cloudflareAccountId", "account", `is required for host "${entry.host}"; copy the account id from the Cloudflare dashboard`);
    if (entry.group !== undefined) issue("group", `pins a domain to a group of the shared AWS host; host "${entry.host}" has no groups, remove it`);
    for (const found of adoptionIssues(entry)) issue(found.path, found.message);
  } else {
    // Where the records go, and which zone ids go with it: the rule the AWS components use too.
    for (const found of dnsHomeIssues(entry)) issue(found.path, found.message);
    if (entry.cloudflareAccountId !== undefined) issue("cloudflareAccountId", "is only used by the cloudflare-worker and cloudflare-pages hosts; remove it");
    if (entry.siteName !== undefined) issue("siteName", "names a Worker script or Pages project; host aws has neither, remove it");
  }
});

/**
 * Every field of a domain entry but `domain` and `siteName`, optional: merged under each domain.
 * Both name one domain's own things; a shared value would collide.
 */
const defaultsSchema = z.strictObject({
  ...Object.fromEntries(Object.entries(deploymentShape).filter(([key]) => key !== "siteName").map(([key, schema]) => [key, schema.optional()])),
  policy: z
    .strictObject({ mode: policyFields.mode.optional(), mx: policyFields.mx.optional(), maxAgeSeconds: policyFields.maxAgeSeconds.optional() })
    .optional(),
  tlsRpt: stackTlsRptSchema.optional(),
});

/** The keys of the stack config the program reads, each `mta-sts:<key>` in a stack file. */
export const STACK_CONFIG_KEYS = ["domains", "defaults", "sharedAwsHost", "awsQuotas", "skipLiveChecks", "tlsRptReceiver"] as const;

/** The whole stack config: `mta-sts:domains`, `mta-sts:defaults` and the stack-wide switches. */
export interface StackConfigInput {
  domains?: unknown;
  defaults?: unknown;
  /** `mta-sts:sharedAwsHost`; absent: each AWS domain gets a host of its own. */
  sharedAwsHost?: unknown;
  /** `mta-sts:awsQuotas`: the account's raised AWS quotas; absent: AWS's defaults. */
  awsQuotas?: unknown;
  /** `mta-sts:skipLiveChecks`: true skips the live MX lookups of every domain. */
  skipLiveChecks?: unknown;
  /** `mta-sts:tlsRptReceiver`: the kit's own TLS-RPT receiver (tlsrpt-receiver-config.ts); absent: none. */
  tlsRptReceiver?: unknown;
  /**
   * Keys found beside these that the program does not read, as written (`mta-sts:sharedAWSHost`):
   * each is an error with a did-you-mean, since an ignored key silently switches off what it asks for.
   */
  unknownKeys?: readonly string[];
}

/**
 * The stack config out of a map of config keys: with `namespace` (a Pulumi stack file's
 * `config:`, or the program's own config), the `<namespace>:<key>` entries, other namespaces
 * (`aws:region`) belonging to other packages; without (a plain config file), every key.
 */
export function stackConfigInput(entries: Readonly<Record<string, unknown>>, namespace?: string): StackConfigInput {
  const input: Record<string, unknown> = {};
  const unknownKeys: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    let name = key;
    if (namespace !== undefined) {
      if (!key.startsWith(`${namespace}:`)) continue;
      name = key.slice(namespace.length + 1);
    }
    if ((STACK_CONFIG_KEYS as readonly string[]).includes(name)) Object.defineProperty(input, name, { value, enumerable: true });
    else unknownKeys.push(key);
  }
  return { ...input, ...(unknownKeys.length > 0 ? { unknownKeys } : {}) } as StackConfigInput;
}

/** One issue per unknown key, with the key it most likely means. */
function unknownKeyIssues(keys: readonly string[]): ConfigIssue[] {
  return keys.map((key) => {
    const colon = key.lastIndexOf(":");
    const prefix = colon >= 0 ? key.slice(0, colon + 1) : "";
    const suggestion = closest(key.slice(prefix.length), STACK_CONFIG_KEYS);
    const known = STACK_CONFIG_KEYS.map((k) => `${prefix}${k}`);
    return {
      path: key,
      message: `unknown key; ${suggestion ? `did you mean "${prefix}${suggestion}"?` : `the program reads ${known.join(", ")}`}`,
    };
  });
}

/** One domain, validated, normalised, with its deployment choices resolved. */
export interface DomainDeployment {
  /** Index in `mta-sts:domains`, for messages. */
  readonly index: number;
  readonly intent: MailDomainIntent;
  /** Whether the config (the entry or the defaults) gave `policy.maxAgeSeconds`, rather than our default. */
  readonly maxAgeSecondsGiven: boolean;
  readonly host: HostKind;
  readonly dns: DnsHome;
  readonly hostedZoneId?: string;
  readonly cloudflareZoneId?: string;
  readonly cloudflareAccountId?: string;
  /** The Worker script or Pages project name (Cloudflare hosts): `siteName`, or the default for the domain. */
  readonly siteName?: string;
  readonly verifyLiveMx: boolean;
  /** The DNS server the live MX check asks, if not the system's resolvers. */
  readonly dnsResolver?: string;
  readonly adoptExistingRecords: boolean;
  /** Pinned group of the shared AWS host, if any. */
  readonly group?: number;
  /** `rollout`: whether `mta-sts promote` may move the domain (`auto`) or must leave it (`hold`). */
  readonly rollout: RolloutSetting;
}

export type StackValidation =
  | { ok: true; domains: DomainDeployment[]; sharedAwsHost?: SharedAwsHostConfig; awsQuotas: AwsQuotasConfig; skipLiveChecks: boolean; tlsRptReceiver?: TlsRptReceiverDeployment; warnings: ConfigIssue[] }
  | { ok: false; issues: ConfigIssue[] };

export interface StackValidationOptions {
  /**
   * Check the shared host's groups: every `host: aws` domain pinned with `group:`, no group over
   * `groupSize` (group-rules.ts). Defaults to true; only `mta-sts groups`, which writes the pins
   * these rules judge, validates without them.
   */
  readonly checkGroups?: boolean;
}

/**
 * Validate the whole stack config and report every problem at once, each with its path
 * (`domains[2].policy.mx[0]`); nothing is declared unless this returns ok.
 */
export function validateStackConfig(config: StackConfigInput, options: StackValidationOptions = {}): StackValidation {
  const issues: ConfigIssue[] = [...unknownKeyIssues(config.unknownKeys ?? [])];
  const warnings: ConfigIssue[] = [];

  let defaults: Record<string, unknown> = {};
  if (config.defaults !== undefined) {
    const parsed = defaultsSchema.safeParse(config.defaults);
    if (!parsed.success) {
      issues.push(
        ...zodIssues(parsed.error, config.defaults, ["defaults"], knownDefaultsKeys).map((i) =>
          i.path === "defaults.siteName" ? { path: i.path, message: "names one domain's Worker script or Pages project, so it cannot be shared; set it in that domain's entry" } : i,
        ),
      );
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

  let awsQuotas: AwsQuotasConfig = {};
  if (config.awsQuotas !== undefined && config.awsQuotas !== null) {
    const parsed = awsQuotasSchema.safeParse(config.awsQuotas);
    if (!parsed.success) issues.push(...zodIssues(parsed.error, config.awsQuotas, ["awsQuotas"], () => ADJUSTABLE_QUOTA_KEYS));
    else awsQuotas = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) as AwsQuotasConfig;
  }
  const receiverBlock = config.tlsRptReceiver === undefined || config.tlsRptReceiver === null ? undefined : readTlsRptReceiver(config.tlsRptReceiver);
  issues.push(...(receiverBlock?.issues ?? []));

  const skipLiveChecks = config.skipLiveChecks ?? false;
  if (typeof skipLiveChecks !== "boolean") issues.push({ path: "skipLiveChecks", message: `must be true or false, not ${JSON.stringify(skipLiveChecks)}` });

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
    const tlsRpt = resolveTlsRpt(entry.tlsRpt, receiverBlock?.config, receiverBlock !== undefined, ["domains", index]);
    if (tlsRpt.issues.length > 0) {
      issues.push(...tlsRpt.issues);
      return;
    }
    const normalised = normaliseMailDomain({ ...entry, tlsRpt: tlsRpt.tlsRpt }, ["domains", index]);
    if (!normalised.ok) {
      issues.push(...normalised.issues);
      return;
    }
    warnings.push(...normalised.warnings);
    const intent = normalised.value;
    const dns = dnsHomeOf(entry);
    if (entry.group !== undefined && config.sharedAwsHost === undefined) {
      issues.push({ path: formatPath(["domains", index, "group"]), message: "pins a domain to a group of the shared AWS host, but mta-sts:sharedAwsHost is not set; set it, or remove group" });
      return;
    }
    domains.push({
      index,
      intent,
      maxAgeSecondsGiven: entry.policy.maxAgeSeconds !== undefined,
      host: entry.host,
      dns,
      ...(entry.hostedZoneId ? { hostedZoneId: entry.hostedZoneId } : {}),
      // Checked to be ids by the entry's refinement wherever they are used.
      ...(dns === "cloudflare" ? { cloudflareZoneId: entry.cloudflareZoneId as string } : {}),
      ...(entry.host !== "aws" ? { cloudflareAccountId: entry.cloudflareAccountId as string } : {}),
      ...(entry.host !== "aws" ? { siteName: entry.siteName ?? defaultSiteName(intent.domain) } : {}),
      verifyLiveMx: entry.verifyLiveMx,
      ...(entry.dnsResolver !== undefined ? { dnsResolver: entry.dnsResolver } : {}),
      adoptExistingRecords: entry.adoptExistingRecords,
      ...(entry.group !== undefined ? { group: entry.group } : {}),
      rollout: entry.rollout,
    });
  });

  issues.push(...siteNameCollisions(domains, config.domains), ...sharedResolverIssues(domains, sharedAwsHost !== undefined || config.sharedAwsHost !== undefined));
  const shared = config.sharedAwsHost !== undefined && config.sharedAwsHost !== null;
  if (shared && options.checkGroups !== false) issues.push(...sharedHostGroupIssues(config.domains, defaults, domains, sharedAwsHost));
  const receiver = receiverBlock?.config ? receiverDeployment(receiverBlock.config, domains) : undefined;
  if (receiver) issues.push(...receiver.issues);
  if (issues.length > 0) return { ok: false, issues };
  if (receiver) warnings.push(...receiver.warnings);
  return { ok: true, domains, ...(sharedAwsHost ? { sharedAwsHost } : {}), awsQuotas, skipLiveChecks: skipLiveChecks as boolean, ...(receiver ? { tlsRptReceiver: receiver.deployment } : {}), warnings };
}

/**
 * The shared host's groups, judged in the same round as everything else (group-rules.ts): every
 * entry the host would serve carries its pin (read from the entry itself, so that an entry with
 * other problems is reported for its pin at once too), and the pinned groups fit. Without a valid
 * `mta-sts:sharedAwsHost` (its own issue is reported) only the pins are checked.
 */
function sharedHostGroupIssues(raw: readonly unknown[], defaults: Record<string, unknown>, valid: readonly DomainDeployment[], host: SharedAwsHostConfig | undefined): ConfigIssue[] {
  const unpinned: string[] = [];
  raw.forEach((entry, index) => {
    const merged = mergeDefaults(defaults, entry);
    if (!isPlainObject(merged)) return;
    const onHost = merged.host === undefined || merged.host === "aws";
    if (onHost && merged.group === undefined) unpinned.push(formatPath(["domains", index]));
  });
  const issues: ConfigIssue[] = [];
  const missing = missingPinIssue(unpinned);
  if (missing) issues.push(missing);
  if (host) {
    const pinned = valid.filter((d) => d.host === "aws" && d.group !== undefined);
    const { issues: groupIssues } = checkGroups(
      pinned.map((d) => ({ at: formatPath(["domains", d.index]), domain: d.intent.domain, group: d.group })),
      {
        groupSize: host.groupSize ?? DEFAULT_GROUP_SIZE,
        groupCount: host.groupCount ?? DEFAULT_GROUP_COUNT,
        groupSizePath: "sharedAwsHost.groupSize",
        roomHint: "`mta-sts groups` lists each group's free slots",
      },
    );
    issues.push(...groupIssues);
  }
  return issues;
}

/**
 * One name, one domain: two domains of one Cloudflare account whose Worker scripts (or Pages
 * projects) would have the same name would share one, and the second upload would serve its
 * policy for both. The defaults never collide; an explicit `siteName` can.
 */
function siteNameCollisions(domains: readonly DomainDeployment[], raw: readonly unknown[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const owner = new Map<string, DomainDeployment>();
  for (const d of domains) {
    if (d.siteName === undefined) continue;
    const kind = d.host === "cloudflare-pages" ? "Pages project" : "Worker script";
    const key = `${d.cloudflareAccountId} ${kind} ${d.siteName}`;
    const first = owner.get(key);
    if (!first) {
      owner.set(key, d);
      continue;
    }
    const explicit = (i: number) => isPlainObject(raw[i]) && Object.hasOwn(raw[i] as object, "siteName");
    issues.push({
      path: formatPath(["domains", d.index, explicit(d.index) || !explicit(first.index) ? "siteName" : "domain"]),
      message:
        `the ${kind} "${d.siteName}" of ${d.intent.domain} is also the one of ${first.intent.domain} (domains[${first.index}]) in account ${d.cloudflareAccountId}: ` +
        `one ${kind} would serve one policy for both domains; give one of them another siteName, or remove siteName to get a name of its own`,
    });
  }
  return issues;
}

/** The shared AWS host asks one DNS server for every domain's live MX check. */
function sharedResolverIssues(domains: readonly DomainDeployment[], shared: boolean): ConfigIssue[] {
  if (!shared) return [];
  const onShared = domains.filter((d) => d.host === "aws");
  const first = onShared[0];
  const differing = onShared.find((d) => d.dnsResolver !== first?.dnsResolver);
  if (!first || !differing) return [];
  const says = (d: DomainDeployment) => (d.dnsResolver === undefined ? "the system's resolvers" : `"${d.dnsResolver}"`);
  return [
    {
      path: formatPath(["domains", differing.index, "dnsResolver"]),
      message: `asks ${says(differing)} but ${first.intent.domain} (domains[${first.index}]) asks ${says(first)}; the shared AWS host asks one DNS server for all its domains, so give every host: aws domain the same dnsResolver (e.g. in mta-sts:defaults)`,
    },
  ];
}

/**
 * Defaults under a domain entry: objects merge field by field, lists and scalars replace. Every
 * key becomes an own property (never `out[key] = ...`, which for `__proto__` would set the
 * prototype and let a YAML `__proto__:` block supply fields no validator sees), so such a key
 * reaches the schema and is reported as an unknown field.
 */
export function mergeDefaults(defaults: Record<string, unknown>, entry: unknown): unknown {
  if (!isPlainObject(entry)) return entry;
  const out: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(entry)) {
    const base = Object.hasOwn(defaults, key) ? defaults[key] : undefined;
    Object.defineProperty(out, key, { value: isPlainObject(value) && isPlainObject(base) ? { ...base, ...value } : value, enumerable: true, writable: true, configurable: true });
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
      const parent = cut.length === 1 ? copy : Object.hasOwn(copy, cut[0] as string) ? copy[cut[0] as string] : undefined;
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
  if (last === "tlsRpt") return Object.keys(stackTlsRptSchema.shape);
  return [...Object.keys(mailDomainSchema.shape), ...Object.keys(deploymentShape)];
}
