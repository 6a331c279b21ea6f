/**
 * What can go wrong when a mail domain's MTA-STS deployment changes from one state (the base of a
 * pull request) to another (its head): the review rules of `mta-sts plan --base`.
 *
 * A sender that fetched a policy keeps it for its `max_age` and refreshes it only when the
 * `_mta-sts` id changes (RFC 8461 §5.1). So the dangerous changes are the ones a sender cannot
 * undo by itself: a policy host that disappears while cached policies still say `enforce`, a
 * policy that starts refusing an MX host mail still goes to, an id that moves without the bytes
 * (senders would trust a plan that lies), and a `pulumi up` that fails half way because the new
 * host claims `mta-sts.<domain>` while the old one still holds it.
 *
 * Each rule has a code, a severity (`block`: do not merge as is; `warn`: look before merging;
 * `info`) and a one-line fix. The input is plain facts about the two states, taken from the plans
 * by the caller; this module does no I/O and knows nothing about plan files or Pulumi.
 */
import { mxMatches } from "./mx-match";
import { parsePolicy } from "./policy";

export type ReviewSeverity = "block" | "warn" | "info";

export type ReviewRiskCode =
  | "domain-removed-while-active"
  | "id-changed-without-policy-change"
  | "enforce-enabled"
  | "mx-removed-under-enforce"
  | "tlsrpt-removed"
  | "policy-host-replaced"
  | "max-age-lowered";

export interface ReviewRule {
  readonly code: ReviewRiskCode;
  /** The usual severity; `policy-host-replaced` blocks only when the change claims the host name twice. */
  readonly severity: ReviewSeverity;
  /** When the rule fires, in one sentence. */
  readonly when: string;
  /** What to do about it, in one line. */
  readonly fix: string;
}

/** The review rules, in the order a reviewer should read their findings. */
export const REVIEW_RULES: readonly ReviewRule[] = [
  {
    code: "domain-removed-while-active",
    severity: "block",
    when: "a domain in `testing` or `enforce` on the base is gone on the head: senders keep its policy for `max_age` and can no longer refresh it (RFC 8461 §5.1)",
    fix: "publish `mode: none` first and remove the domain one `max_age` later (see Retiring a domain); for the first step of a move between hosts, accept it with `--allow domain-removed-while-active`",
  },
  {
    code: "id-changed-without-policy-change",
    severity: "block",
    when: "the policy id changes while the policy bytes do not: the id must be the hash of the served bytes, so this never happens unless something is broken",
    fix: "find what changed the id without changing the policy; do not deploy until the id follows the bytes",
  },
  {
    code: "enforce-enabled",
    severity: "warn",
    when: "a domain goes to `enforce` (from `testing` or `none`, or added in `enforce`): senders refuse to deliver to an MX host its `mx` patterns do not match",
    fix: "check that every live MX host matches one of the listed patterns (`mta-sts check <domain>`) and that TLS-RPT reports show no failures",
  },
  {
    code: "mx-removed-under-enforce",
    severity: "warn",
    when: "an `mx` pattern is dropped while the domain stays in `enforce` (a host still covered by another pattern does not count)",
    fix: "take the MX records of those hosts out of DNS first, or keep the patterns until they are gone",
  },
  {
    code: "tlsrpt-removed",
    severity: "warn",
    when: "the `_smtp._tls` record of a domain that stays goes away: senders stop reporting TLS failures (RFC 8460 §3)",
    fix: "keep `tlsRpt` while the domain is served; remove it only when the domain is retired",
  },
  {
    code: "policy-host-replaced",
    severity: "block",
    when: "one change moves `mta-sts.<domain>` from one CloudFront distribution, DNS record or Cloudflare custom domain to another, which `pulumi up` cannot do in one deployment (block); or the host kind, the shared-host group, or a certificate, distribution, routing function, Worker or Pages resource that serves the policy is replaced (warn)",
    fix: "when it blocks, move in two deployments: remove the domain first (`--allow domain-removed-while-active`), then add it to its new host; after any host change, run `mta-sts check <domain>`",
  },
  {
    code: "max-age-lowered",
    severity: "info",
    when: "`max_age` goes down: senders that cached the old policy keep it for the old `max_age` (RFC 8461 §5.1)",
    fix: "nothing to do; the shorter cache time applies from each sender's next fetch",
  },
];

const RULES = new Map(REVIEW_RULES.map((r) => [r.code, r]));
const RULE_ORDER = new Map(REVIEW_RULES.map((r, i) => [r.code, i]));

/** Every risk code, for checking `--allow` arguments. */
export const REVIEW_RISK_CODES: readonly ReviewRiskCode[] = REVIEW_RULES.map((r) => r.code);

/** One side of a change: what a domain publishes. */
export interface PublishedDomain {
  /** The exact policy bytes served. */
  readonly policyText: string;
  /** The id in `_mta-sts.<domain>`. */
  readonly policyId: string;
  /** The `_smtp._tls.<domain>` value, or undefined when there is none. */
  readonly tlsRptRecord?: string;
  /** What serves the policy host, e.g. `aws`, `aws (shared host)`, `cloudflare-worker`. */
  readonly host: string;
}

/**
 * A resource that claims the policy host name `mta-sts.<domain>`: as a CloudFront alternate
 * domain name, as a DNS record of that name, or as a Cloudflare Worker or Pages custom domain.
 */
export interface HostNameClaim {
  /** The resource, as the reader should see it (its name). */
  readonly resource: string;
  readonly kind: "cloudfront-alias" | "dns-record" | "worker-custom-domain" | "pages-domain";
  /** For a DNS record: its type (`A`, `AAAA`, `CNAME`). */
  readonly recordType?: string;
  /**
   * Where the name is claimed: the DNS zone of a record or a Worker custom domain (with its DNS
   * service), the account of a Pages domain. Claims in different zones never collide.
   */
  readonly zone?: string;
}

/** Everything the rules need about one domain's change. */
export interface DomainChange {
  /** The mail domain (A-label). */
  readonly domain: string;
  /** The base's state; undefined when the head adds the domain. */
  readonly before?: PublishedDomain;
  /** The head's state; undefined when the head removes the domain. */
  readonly after?: PublishedDomain;
  /** Claims on `mta-sts.<domain>` the head makes and the base did not (a new or replaced resource). */
  readonly newClaims: readonly HostNameClaim[];
  /** Claims on `mta-sts.<domain>` the base made and the head drops (a deleted, replaced or changed resource). */
  readonly releasedClaims: readonly HostNameClaim[];
  /** Resources that serve the policy and are replaced, as `certificate aws-shared-g03-cert`. */
  readonly replacedHostResources: readonly string[];
}

export interface ReviewRisk {
  readonly code: ReviewRiskCode;
  readonly severity: ReviewSeverity;
  /** What happens, naming the domain and the values involved. */
  readonly message: string;
  readonly fix: string;
}

/**
 * Do two claims on the same host name collide while both exist? `pulumi up` creates new
 * resources before it deletes old ones and updates unrelated resources in any order, so during a
 * change the new claim and the released one exist at the same time.
 */
export function claimsCollide(a: HostNameClaim, b: HostNameClaim): boolean {
  // CloudFront: an alternate domain name can be on one distribution only (CNAMEAlreadyExists),
  // account-wide.
  if (a.kind === "cloudfront-alias" && b.kind === "cloudfront-alias") return true;
  if (a.zone !== undefined && b.zone !== undefined && a.zone !== b.zone) return false;
  // Cloudflare creates the record of a Worker custom domain itself and refuses when the name has one.
  if (a.kind === "worker-custom-domain" || b.kind === "worker-custom-domain") return a.kind !== "cloudfront-alias" && b.kind !== "cloudfront-alias";
  // A Pages custom domain belongs to one project.
  if (a.kind === "pages-domain" && b.kind === "pages-domain") return true;
  if (a.kind === "dns-record" && b.kind === "dns-record") {
    // RFC 1034 §3.6.2: a CNAME cannot share its name with any other record; and one record set
    // of a type and name is written by one resource.
    return a.recordType === "CNAME" || b.recordType === "CNAME" || a.recordType === b.recordType;
  }
  return false;
}

/** The risks of one domain's change, in the order of `REVIEW_RULES`. */
export function judgeDomainChange(change: DomainChange): ReviewRisk[] {
  const risks: ReviewRisk[] = [];
  const risk = (code: ReviewRiskCode, message: string, severity = RULES.get(code)!.severity) =>
    risks.push({ code, severity, message, fix: RULES.get(code)!.fix });
  const { domain, before, after } = change;
  const was = before ? parsePolicy(before.policyText) : undefined;
  const is = after ? parsePolicy(after.policyText) : undefined;
  const old = was?.ok ? was.value : undefined;
  const now = is?.ok ? is.value : undefined;

  if (before && !after && old && old.mode !== "none") {
    risk(
      "domain-removed-while-active",
      `${domain} is removed while its policy says ${old.mode}: senders that cached it keep it for up to ${duration(old.maxAge)} (max_age ${old.maxAge}) and can no longer refresh it`,
    );
  }

  if (before && after && before.policyId !== after.policyId && before.policyText === after.policyText) {
    risk("id-changed-without-policy-change", `${domain}: the policy id changes (${before.policyId} → ${after.policyId}) but the policy bytes do not`);
  }

  if (before && after) {
    const hostChange = before.host !== after.host ? [`the host changes from ${before.host} to ${after.host}`] : [];
    // Each new claim with the claims it collides with: "CNAME record x while A record y still has it".
    const collisions = change.newClaims.flatMap((n) => {
      const held = change.releasedClaims.filter((r) => claimsCollide(n, r)).map(describeClaim);
      return held.length > 0 ? [`${describeClaim(n)} takes mta-sts.${domain} while ${held.join(" and ")} still ${held.length === 1 ? "has" : "have"} it`] : [];
    });
    if (collisions.length > 0) {
      risk(
        "policy-host-replaced",
        `${domain}: ${[...hostChange, ...collisions].join("; ")}; pulumi up adds the new before it removes the old, so it fails: this takes two deployments`,
        "block",
      );
    } else {
      const reasons = [...hostChange];
      const moved = change.newClaims.filter((c) => c.kind !== "dns-record").map(describeClaim);
      const left = change.releasedClaims.filter((c) => c.kind !== "dns-record").map(describeClaim);
      if (moved.length > 0 || left.length > 0) reasons.push(`mta-sts.${domain} is served by ${list(moved) || "nothing new"} instead of ${list(left) || "the same resources"}`);
      if (change.replacedHostResources.length > 0) reasons.push(`replaced: ${list(change.replacedHostResources)}`);
      if (reasons.length > 0) risk("policy-host-replaced", `${domain}: ${reasons.join("; ")}; the policy is served by the new resources once pulumi up has run`, "warn");
    }
  }

  // Adding a domain to a group, or removing one, replaces the group's certificate (its names).
  if ((!before || !after) && change.replacedHostResources.length > 0) {
    risk(
      "policy-host-replaced",
      `${domain}: ${after ? "adding" : "removing"} it replaces ${list(change.replacedHostResources)}; the other domains are served by the new one once pulumi up has run`,
      "warn",
    );
  }

  if (now && now.mode === "enforce" && (!old || old.mode !== "enforce")) {
    const from = !before ? "is added in enforce" : `goes from ${old?.mode ?? "an unreadable policy"} to enforce`;
    risk("enforce-enabled", `${domain} ${from}: senders will refuse to deliver to any MX host that matches none of ${now.mx.join(", ")}`);
  }

  if (old && now && old.mode === "enforce" && now.mode === "enforce") {
    // A dropped name still admitted by a remaining pattern (a host under a kept wildcard) is harmless.
    const stillAdmitted = (host: string) => !host.startsWith("*.") && now.mx.some((pattern) => mxMatches(pattern, host));
    const dropped = old.mx.filter((p) => !now.mx.includes(p) && !stillAdmitted(p));
    if (dropped.length > 0) {
      risk("mx-removed-under-enforce", `${domain} stays in enforce and drops mx ${dropped.join(", ")}: senders refuse to deliver there once they fetch the new policy`);
    }
  }

  if (before?.tlsRptRecord && after && !after.tlsRptRecord) {
    risk("tlsrpt-removed", `${domain}: _smtp._tls.${domain} is removed; senders stop sending TLS reports, so failures go unseen`);
  }

  if (old && now && now.maxAge < old.maxAge) {
    risk("max-age-lowered", `${domain}: max_age goes from ${old.maxAge} to ${now.maxAge}; senders that cached the old policy keep it for up to ${duration(old.maxAge)}`);
  }
  return risks.sort((a, b) => RULE_ORDER.get(a.code)! - RULE_ORDER.get(b.code)!);
}

function describeClaim(c: HostNameClaim): string {
  switch (c.kind) {
    case "cloudfront-alias":
      return `distribution ${c.resource}`;
    case "dns-record":
      return `${c.recordType ?? "DNS"} record ${c.resource}`;
    case "worker-custom-domain":
      return `Worker custom domain ${c.resource}`;
    case "pages-domain":
      return `Pages domain ${c.resource}`;
  }
}

function list(items: readonly string[]): string {
  return items.join(", ");
}

/** `1209600` → `14 days`; `3600` → `1 hour`. */
function duration(seconds: number): string {
  const units: [number, string][] = [
    [86400, "day"],
    [3600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (seconds >= size && seconds % size === 0) return `${seconds / size} ${name}${seconds / size === 1 ? "" : "s"}`;
  }
  if (seconds >= 86400) return `${(seconds / 86400).toFixed(1)} days`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
