/**
 * Does a policy's MX pattern admit a host? RFC 8461 §4.1: a pattern is either a fully qualified
 * name compared case-insensitively, or `*.` plus a name, where the `*` stands for exactly one
 * left-most label. So `*.example.com` matches `mx1.example.com` but neither `example.com` nor
 * `a.mx1.example.com`. Names are compared in A-label form, so a Unicode spelling and its
 * `xn--` form are the same host.
 */
import { normaliseHostname, normaliseMxPattern } from "./hostname";

/** True when `host` is admitted by `pattern` (RFC 8461 §4.1). Invalid input never matches. */
export function mxMatches(pattern: string, host: string): boolean {
  const p = normaliseMxPattern(pattern);
  const h = normaliseHostname(host);
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
