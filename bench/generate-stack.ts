/**
 * Synthetic stack configs for the benchmark: N domains of one host kind, each with its own MX
 * and a TLS-RPT address, as a platform team with many brands would have. The shared AWS host is
 * laid out as `mta-sts groups --write` pins it on a new stack: ⌈N / 10⌉ × 1.1 groups of 10 (a
 * tenth to grow), every domain pinned by the packer, so the groups are full.
 */
import { assignGroups } from "../components/aws-shared/group-packer";
import { HostKind } from "../components/stack/stack-config";

/** The shared host's group size in the bench: ACM's default names per certificate. */
export const BENCH_GROUP_SIZE = 10;

/** ⌈N / groupSize⌉ × 1.1, rounded up: the groups the README advises for N domains. */
export function benchGroupCount(count: number, groupSize = BENCH_GROUP_SIZE): number {
  return Math.max(1, Math.ceil(Math.ceil(count / groupSize) * 1.1));
}

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
  if (mode === "aws-shared") {
    const groupCount = benchGroupCount(count);
    const { assignment } = assignGroups({}, domains.map((d) => d.domain), { groupSize: BENCH_GROUP_SIZE, groupCount, mode: "pack" });
    return { domains: domains.map((d) => ({ ...d, group: assignment.get(d.domain)! })), defaults, sharedAwsHost: { groupSize: BENCH_GROUP_SIZE, groupCount } };
  }
  return { domains, defaults };
}
