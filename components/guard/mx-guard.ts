/**
 * The enforce guard's lookup: before a policy is published, the domain's live MX hosts are looked
 * up and judged against its `mx` patterns. A sender that has the policy refuses to deliver to an
 * MX host the policy does not name (RFC 8461 §4.1, §5), so in `enforce` one forgotten MX means
 * bounced mail once the policy is live; in `testing` the same gap only produces TLS-RPT failure
 * reports, so it is a warning; `none` tells senders nothing about MX hosts.
 *
 * The judgement is the model's (`mxCoverage`, the one `mta-sts check` uses too); this module asks
 * the DNS (a default resolver on node:dns, or one the caller injects) and words the verdict for
 * an operator. No Pulumi import: component-guard.ts turns it into the Output that the policy
 * content and the `_mta-sts` value wait for, so an `error` fails `pulumi preview`/`up` before
 * either changes, and a `warning` is logged on the component.
 */
import { createDnsLookup, DnsLookupError, parseServerAddress } from "../check/dns-lookup";
import { ConfigIssue } from "../model/config";
import { PolicyMode } from "../model/policy";
import { modeRestrictsMx, mxCoverage, MxCoverageResult } from "../model/mx-match";

/** The live MX host names of a domain (exchange names, no trailing dot); empty when it has none. */
export type MxResolver = (domain: string) => Promise<string[]>;

export interface MxCoverageInput {
  /** The mail domain, e.g. `example.com`. */
  readonly domain: string;
  readonly mode: PolicyMode;
  /** The policy's mx patterns, e.g. `["mx1.example.com", "*.mail.example.com"]`. */
  readonly mx: readonly string[];
}

export interface MxCoverage {
  /** `error`: refuse to deploy; `warning`: deploy and tell the operator; `ok`: nothing to say. */
  readonly level: "error" | "warning" | "ok";
  /** Live MX hosts no pattern admits (RFC 8461 §4.1). */
  readonly uncovered: string[];
  /** Every live MX host that was looked up. */
  readonly live: string[];
  /** One readable sentence: what was found and how to fix it. */
  readonly message: string;
}

/**
 * Compare the live MX hosts of `domain` with the policy's patterns.
 *
 * - `enforce` with an uncovered host → `error` naming the hosts (that mail would bounce);
 * - `testing` with an uncovered host → `warning` (senders only report the failure);
 * - `none` → `ok` without a lookup (RFC 8461 §3.2: the policy no longer applies);
 * - no MX records → `warning`: nothing to compare (turn the check off until the MX is live);
 * - a null MX (`.`, RFC 7505) → `ok`: the domain receives no mail;
 * - a lookup that gets no answer → `error` in enforce (we cannot show it is safe), else `warning`.
 */
export async function checkMxCoverage(input: MxCoverageInput, resolveMx: MxResolver): Promise<MxCoverage> {
  const { domain, mode, mx } = input;
  let answer: string[] = [];
  // A policy that restricts nothing needs no lookup.
  if (modeRestrictsMx(mode)) {
    try {
      answer = await resolveMx(domain);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return {
        level: mode === "enforce" ? "error" : "warning",
        uncovered: [],
        live: [],
        message: `${domain}: could not look up the live MX records (${why}), so cannot show that mode ${mode} covers them; retry, or turn the MX check off if the domain's MX is not live yet`,
      };
    }
  }
  const coverage = mxCoverage(mode, mx, answer);
  const live = [...coverage.hosts];
  const uncovered = [...coverage.uncovered].sort();
  return { level: coverage.severity, uncovered, live, message: `${domain}: ${coverageSentence(coverage.verdict, mode, mx, live, uncovered)}` };
}

/** What the guard tells the operator about each verdict, and how to act on it. */
function coverageSentence(verdict: MxCoverageResult["verdict"], mode: PolicyMode, mx: readonly string[], live: readonly string[], uncovered: readonly string[]): string {
  switch (verdict) {
    case "not-restricted":
      return "mode none does not restrict MX hosts; MX coverage not checked";
    case "no-mx":
      return `has no MX records, so mode ${mode} could not be compared with the live MX hosts; publish the MX records, or turn the MX check off until they are live`;
    case "null-mx":
      return "has a null MX (RFC 7505) and receives no mail; nothing to cover";
    case "covered":
      return `every live MX host (${live.join(", ")}) is matched by the policy's mx patterns`;
    case "uncovered": {
      const consequence =
        mode === "enforce"
          ? "senders that honour the policy will refuse to deliver mail to them (RFC 8461 §4.1), so that mail would bounce"
          : "senders will report TLS failures for them (RFC 8461 §5); in enforce mode that mail would bounce";
      const many = uncovered.length > 1;
      return `live MX host${many ? "s" : ""} ${uncovered.join(", ")} not matched by the policy's mx patterns (${mx.join(", ") || "none"}); ${consequence}; add ${many ? "them" : "it"} (or a "*." pattern) to policy.mx`;
    }
  }
}

/**
 * The default `MxResolver`: node's DNS resolver, asking `server` (`host:port`) when given, else the
 * system's resolvers. A domain with no MX records resolves to `[]`; a lookup that gets no answer
 * rejects with a `DnsLookupError`.
 */
export function dnsMxResolver(options: { server?: string; timeoutMs?: number } = {}): MxResolver {
  const lookup = createDnsLookup(options);
  return async (domain) => (await lookup.mx(domain)).map((r) => r.exchange);
}

/**
 * The problem with a component's `dnsResolver` arg (the server `dnsMxResolver` asks), if any:
 * it must be an IP address with an optional port. Checked with the other args, before anything
 * is declared (docs/invariants.md: bad input never reaches the cloud).
 */
export function dnsResolverIssues(value: unknown): ConfigIssue[] {
  if (value === undefined) return [];
  if (typeof value !== "string") return [{ path: "dnsResolver", message: 'must be text such as "127.0.0.1:5353"' }];
  try {
    parseServerAddress(value);
    return [];
  } catch (err) {
    return [{ path: "dnsResolver", message: (err as Error).message }];
  }
}

export { DnsLookupError };
