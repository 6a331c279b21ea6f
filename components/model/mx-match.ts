/**
 * Does a policy's MX pattern admit a host? RFC 8461 §4.1: a pattern is either a name compared
 * case-insensitively, or `*.` plus a name, where the `*` stands for exactly one left-most label.
 * So `*.example.com` matches `mx1.example.com` but neither `example.com` nor `a.mx1.example.com`.
 * Names are compared in A-label form, so a Unicode spelling and its `xn--` form are the same host.
 *
 * This is the sender's reading of a live policy, exactly as RFC 8461 §4.1 has it: `*.com` matches
 * `foo.com`, and a single-label name matches itself, as other implementations' matchers do.
 * That our own config refuses such patterns is config validation (`normaliseMxPattern`), not
 * matching.
 */
import { normaliseDomainName, readMxPattern } from "./hostname";
import type { PolicyMode } from "./policy";

/** True when `host` is admitted by `pattern` (RFC 8461 §4.1). Input that is not a name or pattern never matches. */
export function mxMatches(pattern: string, host: string): boolean {
  const p = readMxPattern(pattern);
  const h = normaliseDomainName(host);
  if (!p.ok || !h.ok) return false;
  if (!p.value.startsWith("*.")) return p.value === h.value;
  const suffix = p.value.slice(1); // ".example.com"
  if (!h.value.endsWith(suffix)) return false;
  const first = h.value.slice(0, h.value.length - suffix.length);
  // RFC 8461 §4.1: the wildcard matches only the left-most label, never several.
  return first.length > 0 && !first.includes(".");
}

/** The hosts of `hosts` that no pattern admits: in `enforce`, mail to them would bounce. */
export function uncoveredMxHosts(patterns: readonly string[], hosts: readonly string[]): string[] {
  return hosts.filter((host) => !patterns.some((pattern) => mxMatches(pattern, host)));
}

/** Whether a policy of `mode` restricts MX hosts at all: `none` tells senders nothing (RFC 8461 §3.2, §5). */
export function modeRestrictsMx(mode: PolicyMode): boolean {
  return mode !== "none";
}

/** What a policy's MX patterns say about a domain's live MX hosts. */
export interface MxCoverageResult {
  /**
   * - `not-restricted`: mode `none` (the hosts are not compared);
   * - `no-mx`: the domain has no MX records, so there is nothing to compare; senders then use its
   *   address records (RFC 5321 §5.1), which MTA-STS does not cover;
   * - `null-mx`: a single MX of "." (RFC 7505): the domain receives no mail;
   * - `covered`: every live host matches a pattern;
   * - `uncovered`: some do not (`uncovered`).
   */
  readonly verdict: "not-restricted" | "no-mx" | "null-mx" | "covered" | "uncovered";
  /**
   * `error`: mail to a live host would bounce (an uncovered host in `enforce`: RFC 8461 §4.1, §5);
   * `warning`: worth telling the operator (an uncovered host in `testing`, which senders only
   * report, or no MX records); `ok`: nothing to say.
   */
  readonly severity: "ok" | "warning" | "error";
  /** The live hosts as compared: lowercase, without the trailing dot, each once, in the order given. */
  readonly hosts: readonly string[];
  /** The live hosts no pattern admits, in the order given. */
  readonly uncovered: readonly string[];
}

/**
 * Judge a domain's live MX hosts (`liveHosts`, exchange names as the DNS gives them) against a
 * policy's `mode` and mx `patterns`, as a sender that has the policy would (RFC 8461 §4.1). The
 * one decision behind the deploy-time guard and `mta-sts check`.
 */
export function mxCoverage(mode: PolicyMode, patterns: readonly string[], liveHosts: readonly string[]): MxCoverageResult {
  const hosts = [...new Set(liveHosts.map((h) => h.replace(/\.$/, "").toLowerCase()))];
  if (!modeRestrictsMx(mode)) return { verdict: "not-restricted", severity: "ok", hosts, uncovered: [] };
  if (hosts.length === 0) return { verdict: "no-mx", severity: "warning", hosts, uncovered: [] };
  // RFC 7505: a single MX of "." (priority 0) says the domain accepts no mail at all.
  if (hosts.length === 1 && hosts[0] === "") return { verdict: "null-mx", severity: "ok", hosts, uncovered: [] };
  const uncovered = uncoveredMxHosts(patterns, hosts);
  if (uncovered.length === 0) return { verdict: "covered", severity: "ok", hosts, uncovered };
  return { verdict: "uncovered", severity: mode === "enforce" ? "error" : "warning", hosts, uncovered };
}
