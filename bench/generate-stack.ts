/**
 * Synthetic stack configs for the benchmark: N domains of one host kind, each with its own MX
 * and a TLS-RPT address, as a platform team with many brands would have.
 */
import { HostKind } from "../components/stack/stack-config";

/** How the benchmark lays domains out: one host kind each, or AWS with the shared host. */
export const BENCH_MODES = ["aws", "aws-shared", "cloudflare-worker", "cloudflare-pages"] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

export function generateStack(count: number, mode: BenchMode): { domains: unknown[]; defaults: unknown; sharedAwsHost?: unknown } {
  const host: HostKind = mode === "aws-shared" ? "aws" : mode;
  const domains = Array.from({ length: count }, (_, i) => {
    const domain = `brand${String(i).padStart(4, "0")}.example`;
    const base = { domain, host, policy: { mode: i % 2 ? "enforce" : "testing", mx: [`mx1.${domain}`, `*.mail.${domain}`] } };
    if (host === "aws") return { ...base, dns: "route53", hostedZoneId: `Z${String(i).padStart(12, "0")}` };
    // Cloudflare ids are 32 hex characters: one zone per domain, one account for all.
    return { ...base, cloudflareZoneId: i.toString(16).padStart(32, "0"), cloudflareAccountId: "a".repeat(32) };
  });
  const defaults = { policy: { maxAgeSeconds: 1209600 }, tlsRpt: { rua: ["mailto:tlsrpt@example.com"] } };
  // About one group per three domains keeps every hashed group under the ACM default of 10 names.
  if (mode === "aws-shared") return { domains, defaults, sharedAwsHost: { groupSize: 10, groupCount: Math.max(1, Math.ceil(count / 3)) } };
  return { domains, defaults };
}
