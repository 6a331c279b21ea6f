/**
 * Names derived from a mail domain: the Pulumi name of a domain's component, and the
 * account-wide name of its Cloudflare Worker script or Pages project (and, from its host name,
 * those of the TLS-RPT receiver).
 *
 * Two rules hold for every one of them:
 * - **one name, one domain**: two domains never get the same name. Replacing dots with hyphens
 *   alone is not enough (`shop.acme-example.org` and `shop-acme.example.org` would share
 *   `shop-acme-example-org`, and in one Cloudflare account the second Worker upload would
 *   overwrite the first, serving one domain's policy for the other);
 * - **a function of the domain alone**: never of the other domains or of their order in a list,
 *   so adding, removing or reordering domains renames nothing (a rename would make Pulumi replace
 *   the resources).
 *
 * Both come from one encoding: `.` becomes `-` and `-` becomes `--`. A host name is LDH labels
 * (RFC 5321 §4.1.2: a label neither starts nor ends with a hyphen), so a hyphen is never next to
 * a dot, and the encoding can be read back: a single `-` was a dot, each `--` a hyphen. Domains
 * without a hyphen keep the names earlier versions gave them (`example.com` → `example-com`).
 *
 * Pure: no Pulumi import, no I/O.
 */
import { createHash } from "node:crypto";

/** `shop.acme-example.org` → `shop-acme--example-org`: injective over host names (see above). */
export function encodeDomainName(domain: string): string {
  return domain.replace(/-/g, "--").replace(/\./g, "-");
}

/** The Pulumi name of a domain's component (and so the prefix of its children, `<name>-<role>`). */
export function componentName(domain: string): string {
  return encodeDomainName(domain);
}

/**
 * The component names earlier versions gave: dots as hyphens, and when two domains came out
 * the same, a hash suffix on whichever was listed second. Order-dependent, which is why it was
 * replaced; kept only to alias existing stacks to the names they were deployed with.
 */
export function previousComponentNames(domains: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const used = new Set<string>();
  for (const domain of domains) {
    let name = domain.replace(/\./g, "-");
    if (used.has(name)) name = `${name}-${createHash("sha256").update(domain).digest("hex").slice(0, 6)}`;
    used.add(name);
    names.set(domain, name);
  }
  return names;
}

/** Longest Worker script / Pages project name generated or accepted (Pages allows 58 characters). */
export const SITE_NAME_MAX_LENGTH = 58;
const SITE_NAME_PREFIX = "mta-sts-";
/** Hex digits of SHA-256 in a shortened name: 64 bits, so two long domains do not meet by chance. */
const SITE_NAME_HASH_LENGTH = 16;

/**
 * `mta-sts-` plus the encoded domain (`mta-sts-shop-acme--example-org`). Longer than
 * SITE_NAME_MAX_LENGTH: cut, and `---` plus 16 hex digits of the domain's SHA-256 appended.
 * In an encoded domain every run of hyphens is one (a dot) or even (hyphens, which no dot
 * touches), never three, so a shortened name can never equal an unshortened one.
 */
export function defaultSiteName(domain: string): string {
  return prefixedName(SITE_NAME_PREFIX, domain);
}

/** `prefix` plus the encoded name, shortened with a hash past SITE_NAME_MAX_LENGTH (see above). */
function prefixedName(prefix: string, name: string): string {
  const full = `${prefix}${encodeDomainName(name)}`;
  if (full.length <= SITE_NAME_MAX_LENGTH) return full;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, SITE_NAME_HASH_LENGTH);
  const kept = full.slice(0, SITE_NAME_MAX_LENGTH - SITE_NAME_HASH_LENGTH - 3).replace(/-+$/, "");
  return `${kept}---${hash}`;
}

const RECEIVER_NAME_PREFIX = "tlsrpt-";

/**
 * The Worker script and R2 bucket name of a TLS-RPT receiver: `tlsrpt-` plus its encoded host
 * name (`tlsrpt.example.com` → `tlsrpt-tlsrpt-example-com`), shortened like a site name. It
 * never starts with `mta-sts-`, so it can never be the default name of a domain's policy Worker.
 */
export function defaultReceiverName(hostname: string): string {
  return prefixedName(RECEIVER_NAME_PREFIX, hostname);
}

/** Why a Worker script / Pages project name is unusable, or undefined when it is fine. */
export function siteNameProblem(value: unknown): string | undefined {
  if (typeof value === "string" && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(value) && value.length <= SITE_NAME_MAX_LENGTH) return undefined;
  return `${JSON.stringify(value)} must be lowercase letters, digits and inner hyphens, 1 to ${SITE_NAME_MAX_LENGTH} characters, e.g. "mta-sts-example-com"`;
}
