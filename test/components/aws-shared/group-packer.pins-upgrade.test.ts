/**
 * Upgrading a shared host deployed without pins: the first assignment pins every domain to the
 * group it is served from now (assignGroups in keep-hashed mode), so the pinned host declares
 * exactly what the unpinned one did, under Pulumi mocks.
 *
 * Trap guarded against: an upgrade that re-packs a live host. A moved domain replaces the
 * certificates of the group it leaves and the group it joins, and its alias cannot move between
 * distributions in one deployment (CloudFront keeps an alias on one distribution only).
 */
import { domainToASCII } from "node:url";
import { installMocks, MockEngine } from "../../support/pulumi-mocks";
import { assignGroups } from "../../../components/aws-shared/group-packer";

type Module = typeof import("../../../components/aws-shared/aws-shared-mta-sts-host");
type Args = import("../../../components/aws-shared/aws-shared-mta-sts-host").AwsSharedMtaStsHostArgs;

let engine: MockEngine;
let AwsSharedMtaStsHost: Module["AwsSharedMtaStsHost"];

beforeAll(async () => {
  engine = await installMocks({ invokes: {} });
  ({ AwsSharedMtaStsHost } = await import("../../../components/aws-shared/aws-shared-mta-sts-host"));
});

/** 24 domains hashed over 8 groups of 10: a host that deploys as it is (no group overflows). */
const LIVE = Array.from({ length: 24 }, (_, i) => `live${i}.example`);
const GROUP_COUNT = 8;

function hostArgs(groups?: ReadonlyMap<string, number>): Args {
  return {
    groupCount: GROUP_COUNT,
    domains: LIVE.map((domain) => ({
      domain,
      hostedZoneId: `Z-${domain}`,
      policy: { mode: "testing" as const, mx: [`mx1.${domain}`], maxAgeSeconds: 604800 },
      verifyLiveMx: false,
      ...(groups ? { group: groups.get(domain)! } : {}),
    })),
  };
}

/** Declare the host, wait for every `_mta-sts` record, and return its children: name (without the host's name) → inputs. */
async function declare(name: string, args: Args): Promise<Map<string, string>> {
  new AwsSharedMtaStsHost(name, args);
  const txts = args.domains.map((d) => `${name}-${domainToASCII(d.domain)}-sts-txt`);
  const start = Date.now();
  while (!txts.every((t) => engine.resources.some((r) => r.name === t && r.completedAt !== undefined))) {
    if (Date.now() - start > 10000) throw new Error("not every TXT record completed");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await new Promise((resolve) => setTimeout(resolve, 30));
  const out = new Map<string, string>();
  for (const r of engine.resources) {
    if (!r.name.startsWith(`${name}-`)) continue;
    // Inputs name other children (bucket ids, ARNs); compare them without the host's own name.
    out.set(r.name.slice(name.length + 1), JSON.stringify(r.inputs).split(`${name}-`).join("<host>-"));
  }
  return out;
}

describe("the first pins of a deployed host move nothing", () => {
  test("pinned in keep-hashed mode, the host declares the same children with the same inputs: no certificate or distribution replaced", async () => {
    const unpinned = await declare("nopins", hostArgs());
    const pins = assignGroups({}, LIVE, { groupSize: 10, groupCount: GROUP_COUNT, mode: "keep-hashed" }).assignment;
    const pinned = await declare("pinned", hostArgs(pins));

    expect([...pinned.keys()].sort()).toEqual([...unpinned.keys()].sort());
    const changed = [...unpinned].filter(([child, inputs]) => pinned.get(child) !== inputs).map(([child]) => child);
    expect(changed).toEqual([]);
    expect([...unpinned.keys()].filter((k) => /-cert$/.test(k)).length).toBe(8);
  });

  test("packing the same host instead would replace certificates and move aliases (what keep-hashed avoids)", async () => {
    const unpinned = await declare("nopins2", hostArgs());
    const packed = assignGroups({}, LIVE, { groupSize: 10, groupCount: GROUP_COUNT }).assignment;
    const repacked = await declare("packed", hostArgs(packed));
    const certificates = (m: Map<string, string>) => [...m].filter(([k]) => /^g\d+-cert$/.test(k)).map(([k, v]) => `${k} ${v}`).sort();
    expect(certificates(repacked)).not.toEqual(certificates(unpinned));
    expect(certificates(repacked)).toHaveLength(3);
  });
});
