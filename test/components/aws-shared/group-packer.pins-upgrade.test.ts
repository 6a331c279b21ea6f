/**
 * Upgrading a shared host deployed without pins: the first assignment pins every domain to the
 * group it is served from now (assignGroups in keep-hashed mode), so the pinned host declares
 * exactly what the unpinned one did, under Pulumi mocks; and for a stack file, the first
 * `mta-sts groups --write` and then `mta-sts plan`, compared with the plan the previous version
 * made of the same stack (test/fixtures/upgrade/deployed.plan.json, one routing function per
 * group): no certificate or distribution is replaced, every domain keeps its group.
 *
 * Trap guarded against: an upgrade that re-packs a live host. A moved domain replaces the
 * certificates of the group it leaves and the group it joins, and its alias cannot move between
 * distributions in one deployment (CloudFront keeps an alias on one distribution only).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { domainToASCII } from "node:url";
import { idle, installMocks, MockEngine } from "../../support/pulumi-mocks";
import { runCli, spawnCli } from "../../support/cli";
import { assignGroups } from "../../../components/aws-shared/group-packer";
import { hashedGroup } from "../../../components/aws-shared/grouping";
import { diffPlans } from "../../../cli/plan-diff";
import { Plan } from "../../../cli/plan-report";

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
  // Everything declared has been through the engine, the TXT records (declared last) included.
  await idle();
  if (!txts.every((t) => engine.resources.some((r) => r.name === t && r.completedAt !== undefined))) throw new Error("not every TXT record completed");
  const out = new Map<string, string>();
  for (const r of engine.resources) {
    if (!r.name.startsWith(`${name}-`)) continue;
    // Inputs name other children (bucket ids, ARNs); compare them without the host's own name.
    out.set(r.name.slice(name.length + 1), JSON.stringify(r.inputs).split(`${name}-`).join("<host>-"));
  }
  return out;
}

describe("the first pins of a deployed host move nothing", () => {
  /** The host as deployed, without pins: declared once, compared by both tests (a snapshot, not the engine's live list). */
  let unpinned: Map<string, string>;
  beforeAll(async () => {
    unpinned = await declare("nopins", hostArgs());
  });

  test("pinned in keep-hashed mode, the host declares the same children with the same inputs: no certificate or distribution replaced", async () => {
    const pins = assignGroups({}, LIVE, { groupSize: 10, groupCount: GROUP_COUNT, mode: "keep-hashed" }).assignment;
    const pinned = await declare("pinned", hostArgs(pins));

    expect([...pinned.keys()].sort()).toEqual([...unpinned.keys()].sort());
    const changed = [...unpinned].filter(([child, inputs]) => pinned.get(child) !== inputs).map(([child]) => child);
    expect(changed).toEqual([]);
    expect([...unpinned.keys()].filter((k) => /-cert$/.test(k)).length).toBe(8);
  });

  test("packing the same host instead would replace certificates and move aliases (what keep-hashed avoids)", async () => {
    const packed = assignGroups({}, LIVE, { groupSize: 10, groupCount: GROUP_COUNT }).assignment;
    const repacked = await declare("packed", hostArgs(packed));
    const certificates = (m: Map<string, string>) => [...m].filter(([k]) => /^g\d+-cert$/.test(k)).map(([k, v]) => `${k} ${v}`).sort();
    expect(certificates(repacked)).not.toEqual(certificates(unpinned));
    expect(certificates(repacked)).toHaveLength(3);
  });
});

describe("the first `groups --write` on a deployed stack file, then the plan", () => {
  const fixtures = join(__dirname, "..", "..", "fixtures", "upgrade");
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `mta-sts-upgrade-${process.pid}-`));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("pins each domain to its hashed group; against the previous version's plan nothing is replaced: the routing functions give way to one per slice, the distributions are updated in place", async () => {
    const stack = join(dir, "Pulumi.deployed.yaml");
    copyFileSync(join(fixtures, "Pulumi.deployed.yaml"), stack);
    const deployed = JSON.parse(readFileSync(join(fixtures, "deployed.plan.json"), "utf8")) as Plan;

    // Unpinned, this version refuses to plan the stack, and says which command pins it.
    const refused = await runCli(["plan", "--stack", stack]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("`mta-sts groups --stack <stack file> --write`");

    const pinned = await runCli(["groups", "--stack", stack, "--write"]);
    expect(pinned.code).toBe(0);
    expect(pinned.out).toContain("pins: 0 pinned before, 12 written to");
    for (const d of deployed.domains) expect(pinned.out).toContain(`pinned ${d.domain} to g0${hashedGroup(d.domain, 4)} (its hashed group)`);

    const planned = await spawnCli(["plan", "--stack", stack, "--json"]);
    expect(planned.code).toBe(0);
    const head = JSON.parse(planned.out) as Plan;
    const diff = diffPlans(deployed, head);
    const changes = (kind: string) => diff.resources.filter((r) => r.change === kind).map((r) => r.name).sort();

    expect(changes("replace")).toEqual([]);
    expect(changes("create")).toEqual(["aws-shared-cache", "aws-shared-routing"]);
    expect(changes("delete")).toEqual(["aws-shared-g00-routing", "aws-shared-g01-routing", "aws-shared-g02-routing", "aws-shared-g03-routing"]);
    // Only the distributions change, in place: the slice's cache policy and routing function.
    expect(changes("update")).toEqual(["aws-shared-g00-cdn", "aws-shared-g01-cdn", "aws-shared-g02-cdn", "aws-shared-g03-cdn"]);
    for (const r of diff.resources.filter((c) => c.change === "update")) {
      expect(r.properties.map((p) => [p.name, p.replaces])).toEqual([
        ["defaultCacheBehavior.cachePolicyId", false],
        ["defaultCacheBehavior.functionAssociations[0].functionArn", false],
      ]);
    }
    // The policy bytes, ids and records of every domain are what the deployed host serves.
    for (const d of diff.domains) expect([d.domain, d.policyLines, d.records]).toEqual([d.domain, [], []]);

    // And the review of this change blocks nothing.
    const review = await spawnCli(["plan", "--stack", stack, "--base", join(fixtures, "deployed.plan.json")]);
    expect(review.code).toBe(0);
  }, 240000);
});
