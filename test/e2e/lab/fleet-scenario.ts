/**
 * The domains of the fleet lab (fleet-lab.ts), what their DNS says before `init`, and what is
 * published once the stack file init wrote is deployed, with the changes that happen after init
 * outside the stack. Shared by the end-to-end test (test/e2e/fleet.e2e.ts) and the benchmark
 * (bench/fleet.bench.ts).
 *
 * Fillers `d0001.test`...: Google's legacy MX set, a Microsoft 365 host, the platform's shared
 * MX hosts, or two MX hosts of their own; every tenth already publishes a `testing` policy and a
 * TLS-RPT record. The MX hosts are spread over pools of aiosmtpd processes (about a hundred names
 * per certificate), as the policy hosts are over certificates. The cases, each one thing that
 * onboarding and watching a fleet is about:
 *
 * | domain | before init | after the deployment | check --stack |
 * |---|---|---|---|
 * | google-new.test | the single smtp.google.com | as deployed | passes |
 * | nullmx.test | a null MX (RFC 7505) | (left out) | (not in the stack) |
 * | nomx.test | no MX, an A record | (left out) | (not in the stack) |
 * | partial.test | an enforce policy missing its second live MX | as deployed (init added it) | passes |
 * | dark-init.test | its DNS dropped by nftables | (init failed it) | (not in the stack) |
 * | dark-check.test | answers | its DNS dropped by nftables | fails: domain-dns |
 * | grown.test | enforce, one MX | a second MX appears outside the stack | fails: mx-coverage |
 * | mxname.test | enforce; its MX's certificate names another host | as deployed | fails: mx-certificate-name |
 * | mxexpiring.test | enforce; its MX's certificate expires in 5 days | as deployed | fails: mx-certificate-expiry |
 * | expiring.test | new | the policy host's certificate expires in 5 days | fails: certificate-expiry |
 * | drift.test | new | serves other bytes than the config renders | fails: expect-policy |
 * | unreachable.test | new; its second MX does not listen | as deployed | passes, with "not reachable from here" |
 * | mxname-testing.test | new (so testing); its MX's certificate names another host | as deployed | passes, with a warning |
 */
import { renderPolicy, renderStsRecord, policyId, splitTxtValue } from "../../../components/model";
import type { RenderedMailDomain } from "../../../components/model/rendered";
import { FLEET_ADDRESS, FleetCertificates, mxPoolAddress, PublishedDomain, PublishedState } from "./fleet-lab";

const GOOGLE_LEGACY = ["aspmx.l.google.com", "alt1.aspmx.l.google.com", "alt2.aspmx.l.google.com", "alt3.aspmx.l.google.com", "alt4.aspmx.l.google.com"];

interface CaseDomain {
  readonly before: PublishedDomain;
  /** MX records added after init, outside the stack. */
  readonly mxAdded?: readonly { priority: number; host: string }[];
  /** Served instead of the rendered policy after the deployment. */
  readonly drifted?: string;
  readonly policyCertificate?: "expiring";
}

export interface FleetScenario {
  /** The domains given to init, in order. */
  readonly domains: readonly string[];
  /** What DNS and the policy hosts say before init. */
  readonly before: PublishedState;
  /** What is published once `rendered` (from the stack file) is deployed, plus the changes made since. */
  deployed(rendered: readonly RenderedMailDomain[]): PublishedState;
  /** The live MX hosts before init, per domain (what init's mx lists must admit). */
  readonly liveMxBefore: ReadonlyMap<string, readonly string[]>;
  /** For FleetLab.start. */
  readonly certificates: FleetCertificates;
  /** What init and check must find. */
  readonly expect: {
    readonly initFailed: readonly string[];
    readonly initLeftOut: readonly string[];
    readonly initAlerts: readonly string[];
    /** Failing domain → its one failed check. */
    readonly checkFailures: Readonly<Record<string, string>>;
    /** Passing domain → a warning it must carry. */
    readonly checkWarnings: Readonly<Record<string, { check: string; message: RegExp }>>;
  };
}

const published = (domain: string, mode: "enforce" | "testing", mx: string[], maxAgeSeconds: number) => {
  const policy = renderPolicy({ mode, mx, maxAgeSeconds });
  return { policy, stsTxt: [[renderStsRecord(policyId(policy))]] };
};
const own = (domain: string, ...hosts: string[]) => hosts.map((h, i) => ({ priority: 10 * (i + 1), host: `${h}.${domain}` }));

/** `fillers` ordinary domains, and with `cases` the thirteen above. */
export function fleetScenario(fillers: number, options: { cases: boolean }): FleetScenario {
  const cases = new Map<string, CaseDomain>();
  const mxAddress = new Map<string, string>();
  const domains: PublishedDomain[] = [];

  for (let i = 1; i <= fillers; i++) {
    const domain = `d${String(i).padStart(4, "0")}.test`;
    const mx =
      i % 5 === 1
        ? GOOGLE_LEGACY.map((host, k) => ({ priority: [1, 5, 5, 10, 10][k], host }))
        : i % 5 === 2
          ? [{ priority: 0, host: `${domain.replace(/\./g, "-")}.mail.protection.outlook.com` }]
          : i % 5 === 3
            ? [{ priority: 10, host: "mx1.mail.platform.test" }, { priority: 20, host: "mx2.mail.platform.test" }]
            : own(domain, "mx1", "mx2");
    const existing = i % 10 === 0 ? { ...published(domain, "testing", mx.map((m) => m.host), 86400), tlsRptTxt: [[`v=TLSRPTv1; rua=mailto:tls@${domain}`]] } : {};
    domains.push({ domain, mx, ...existing });
  }

  if (options.cases) {
    const add = (domain: string, c: Omit<CaseDomain, "before"> & { before: Omit<PublishedDomain, "domain"> }) => {
      const before = { domain, ...c.before };
      cases.set(domain, { ...c, before });
      domains.push(before);
    };
    add("google-new.test", { before: { mx: [{ priority: 1, host: "smtp.google.com" }] } });
    add("nullmx.test", { before: { mx: null } });
    add("nomx.test", { before: { mx: [], address: "192.0.2.1" } });
    add("partial.test", { before: { mx: own("partial.test", "mx1", "mx2"), ...published("partial.test", "enforce", ["mx1.partial.test"], 1209600), tlsRptTxt: [["v=TLSRPTv1; rua=mailto:tls@partial.test"]] } });
    add("dark-init.test", { before: { mx: [{ priority: 10, host: "mx.dark-hosting.test" }], zone: "dark-init" } });
    add("dark-check.test", { before: { mx: [{ priority: 10, host: "mx.dark-hosting.test" }], zone: "dark-check" } });
    add("grown.test", { before: { mx: own("grown.test", "mx1"), ...published("grown.test", "enforce", ["mx1.grown.test"], 1209600) }, mxAdded: [{ priority: 30, host: "relay.grown.test" }] });
    add("mxname.test", { before: { mx: own("mxname.test", "mx"), ...published("mxname.test", "enforce", ["mx.mxname.test"], 1209600) } });
    add("mxexpiring.test", { before: { mx: own("mxexpiring.test", "mx"), ...published("mxexpiring.test", "enforce", ["mx.mxexpiring.test"], 1209600) } });
    add("expiring.test", { before: { mx: own("expiring.test", "mx1") }, policyCertificate: "expiring" });
    add("drift.test", { before: { mx: own("drift.test", "mx1") }, drifted: renderPolicy({ mode: "testing", mx: ["mx1.drift.test"], maxAgeSeconds: 2419200 }) });
    add("unreachable.test", { before: { mx: own("unreachable.test", "mx1", "mx2") } });
    add("mxname-testing.test", { before: { mx: own("mxname-testing.test", "mx") } });
  }

  const special: Record<string, string> = {
    "mx.mxname.test": FLEET_ADDRESS.mxOtherName,
    "mx.mxname-testing.test": FLEET_ADDRESS.mxOtherName,
    "mx.mxexpiring.test": FLEET_ADDRESS.mxExpiring,
    "mx2.unreachable.test": FLEET_ADDRESS.mxUnreachable,
  };
  const allMx = new Set<string>();
  for (const d of domains) for (const m of d.mx ?? []) allMx.add(m.host);
  for (const c of cases.values()) for (const m of c.mxAdded ?? []) allMx.add(m.host);
  // About a hundred names per aiosmtpd and certificate; at least four, so that no one process takes every handshake.
  const pools = Math.max(4, Math.ceil(allMx.size / 100));
  const poolNames: string[][] = Array.from({ length: pools }, () => []);
  let next = 0;
  for (const host of allMx) {
    if (special[host]) {
      mxAddress.set(host, special[host]);
      continue;
    }
    const pool = next++ % pools;
    poolNames[pool].push(host);
    mxAddress.set(host, mxPoolAddress(pool));
  }
  const mxHosts = Object.fromEntries(mxAddress);

  const liveMxBefore = new Map(domains.map((d) => [d.domain, (d.mx ?? []).map((m) => m.host)]));
  const names = domains.map((d) => d.domain);
  return {
    domains: names,
    before: { domains, mxHosts },
    liveMxBefore,
    deployed(rendered) {
      const byDomain = new Map(rendered.map((r) => [r.domain, r]));
      return {
        mxHosts,
        domains: domains.map((d): PublishedDomain => {
          const r = byDomain.get(d.domain);
          const c = cases.get(d.domain);
          const mx = d.mx === null ? null : [...d.mx, ...(c?.mxAdded ?? [])];
          // Not in the stack (left out, or failed at init): its DNS stays as it was.
          if (!r) return { ...d, mx };
          return {
            domain: d.domain,
            mx,
            ...(d.zone ? { zone: d.zone } : {}),
            stsTxt: [splitTxtValue(r.stsRecord)],
            ...(r.tlsRptRecord ? { tlsRptTxt: [splitTxtValue(r.tlsRptRecord)] } : {}),
            policy: c?.drifted ?? r.policyText,
            ...(c?.policyCertificate ? { policyCertificate: c.policyCertificate } : {}),
          };
        }),
      };
    },
    certificates: {
      mxPools: poolNames.map((names, i) => ({ address: mxPoolAddress(i), names })),
      policyHostGroups: chunks(names.filter((n) => !cases.get(n)?.policyCertificate).map((n) => `mta-sts.${n}`), 100),
      otherName: "someone-else.test",
      expiringMxNames: ["mx.mxexpiring.test"],
      expiringPolicyHost: "mta-sts.expiring.test",
    },
    expect: options.cases
      ? {
          initFailed: ["dark-init.test"],
          initLeftOut: ["nullmx.test", "nomx.test"],
          initAlerts: ["partial.test"],
          checkFailures: {
            "dark-check.test": "domain-dns",
            "grown.test": "mx-coverage",
            "mxname.test": "mx-certificate-name",
            "mxexpiring.test": "mx-certificate-expiry",
            "expiring.test": "certificate-expiry",
            "drift.test": "expect-policy",
          },
          checkWarnings: {
            "unreachable.test": { check: "mx-starttls", message: /^mx2\.unreachable\.test: not reachable from here: / },
            "mxname-testing.test": { check: "mx-certificate-name", message: /^mx\.mxname-testing\.test: the certificate does not name mx\.mxname-testing\.test/ },
          },
        }
      : { initFailed: [], initLeftOut: [], initAlerts: [], checkFailures: {}, checkWarnings: {} },
  };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
