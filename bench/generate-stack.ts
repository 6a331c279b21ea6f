/**
 * Synthetic stack configs for the benchmark: N domains of one host kind, each with its own MX
 * and a TLS-RPT address, as a platform team with many brands would have.
 */
import { HostKind } from "../components/stack/stack-config";

export function generateStack(count: number, host: HostKind): { domains: unknown[]; defaults: unknown } {
  const domains = Array.from({ length: count }, (_, i) => {
    const domain = `brand${String(i).padStart(4, "0")}.example`;
    const base = { domain, host, policy: { mode: i % 2 ? "enforce" : "testing", mx: [`mx1.${domain}`, `*.mail.${domain}`] } };
    if (host === "aws") return { ...base, dns: "route53", hostedZoneId: `Z${String(i).padStart(12, "0")}` };
    return { ...base, cloudflareZoneId: `zone${i}`, cloudflareAccountId: "account0" };
  });
  return { domains, defaults: { policy: { maxAgeSeconds: 1209600 }, tlsRpt: { rua: ["mailto:tlsrpt@example.com"] } } };
}
