/**
 * `mta-sts groups --stack FILE [--write] [--pack] [--json]`, in-process on stack files in a
 * temporary directory: the assignment it prints, the pins it writes (in place, nothing else in
 * the file changed), what the shared host then plans, and the exit codes.
 *
 * Traps guarded against: a hashed host that overflows dozens of groups at a third of its
 * capacity; a second pin run that moves domains; a first pin run that re-packs a deployed host;
 * a stack file rewritten wholesale, so the pull request that adds one domain shows every line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planSharedHost } from "../../components/aws-shared/plan-shared-host";
import { hashedGroup } from "../../components/aws-shared/grouping";
import { MtaStsConfigError } from "../../components/model/config";
import { validateStackConfig } from "../../components/stack/stack-config";
import { readStackConfigFile } from "../../cli/config-file";
import { runCli } from "../support/cli";
import { unifiedDiff } from "../support/unified-diff";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `mta-sts-groups-${process.pid}-`));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function stackFile(text: string): string {
  const path = join(dir, `Pulumi.s${fileCount++}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** A stack file as a person writes it: a comment per entry, block policies, a shared host. */
function stackText(domains: readonly { domain: string; group?: number }[], shared: { groupSize?: number; groupCount?: number } | null = { groupSize: 10, groupCount: 110 }, eol = "\n"): string {
  const lines = [
    "# Mail domains of the platform team.",
    "config:",
    "  aws:region: eu-west-1",
    "  mta-sts:defaults:",
    "    policy: { mode: testing, maxAgeSeconds: 1209600 }",
    ...(shared ? [`  mta-sts:sharedAwsHost: { ${Object.entries(shared).map(([k, v]) => `${k}: ${v}`).join(", ")} }`] : []),
    "  mta-sts:domains:",
  ];
  for (const d of domains) {
    lines.push(`    # ${d.domain}`, `    - domain: ${d.domain}`, `      hostedZoneId: Z-${d.domain}`, "      policy:", `        mx: ["mx1.${d.domain}"]`);
    if (d.group !== undefined) lines.push(`      group: ${d.group}`);
  }
  return lines.join(eol) + eol;
}

const names = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, "0")}.example`);

/** The pins of a stack file, domain → group. */
function pinsOf(path: string): Map<string, number | undefined> {
  const result = validateStackConfig(readStackConfigFile(path), { checkGroups: false });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return new Map(result.domains.map((d) => [d.intent.domain, d.group]));
}

/**
 * The groups (sizes) the plan declares for the stack: the stack config validated as the plan
 * validates it (every domain pinned, no group over groupSize), then the shared host's own plan.
 * `{ pinsRequired: false }`: what the component would declare from these entries used directly,
 * hashing the domains without a pin; it throws when a group overflows.
 */
function hostGroups(path: string, options: { pinsRequired: boolean } = { pinsRequired: true }): number[] {
  const result = validateStackConfig(readStackConfigFile(path), { checkGroups: options.pinsRequired });
  if (!result.ok) throw new MtaStsConfigError(result.issues);
  const plan = planSharedHost({
    ...(result.sharedAwsHost?.groupSize !== undefined ? { groupSize: result.sharedAwsHost.groupSize } : {}),
    ...(result.sharedAwsHost?.groupCount !== undefined ? { groupCount: result.sharedAwsHost.groupCount } : {}),
    domains: result.domains.map((d) => ({
      domain: d.intent.domain,
      hostedZoneId: d.hostedZoneId,
      policy: { mode: d.intent.policy.mode, mx: [...d.intent.policy.mx], maxAgeSeconds: d.intent.policy.maxAgeSeconds },
      verifyLiveMx: false,
      ...(d.group !== undefined ? { group: d.group } : {}),
    })),
  });
  return plan.groups.map((g) => g.domains.length);
}

function expectUnmoved(before: Map<string, number | undefined>, after: Map<string, number | undefined>): void {
  const moved = [...before].filter(([d, g]) => g !== undefined && after.has(d) && after.get(d) !== g).map(([d]) => d);
  expect(moved).toEqual([]);
}

describe("1,000 domains at groupSize 10: pinned, then planned", () => {
  test("pin, add 20 and pin again, remove 50 and add 50: nothing moves, groups stay at most 110, none over 10", async () => {
    const first = names("brand", 1000);
    const path = stackFile(stackText(first.map((domain) => ({ domain }))));
    // Unpinned, the plan refuses the stack with one line naming the command that pins it; and
    // hashed (the component used without pins), dozens of groups would overflow.
    expect(() => hostGroups(path)).toThrow(/ - domains\[0\]\.group: is not set, and so is the group of 999 more shared-host domains \(domains\[1\], domains\[2\], domains\[3\], …\): .*`mta-sts groups --stack <stack file> --write`/);
    expect(() => hostGroups(path, { pinsRequired: false })).toThrow(/would hold 1\d domains/);

    const pinned = await runCli(["groups", "--stack", path, "--write", "--pack"]);
    expect(pinned.code).toBe(0);
    expect(pinned.out).toContain("100 groups in use (the fewest possible is 100), 1000 of 1000 slots filled, 0 free");
    const sizes = hostGroups(path);
    expect(sizes.length).toBeLessThanOrEqual(110);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10);
    const afterFirst = pinsOf(path);
    expect([...afterFirst.values()].every((g) => g !== undefined)).toBe(true);

    // Add 20 (at the end of the file, as a pull request would) and pin again: none of the first 1,000 moved.
    const withNew = readFileSync(path, "utf8") + stackText(names("new", 20).map((domain) => ({ domain }))).split("  mta-sts:domains:\n")[1];
    writeFileSync(path, withNew);
    const again = await runCli(["groups", "--stack", path, "--write"]);
    // 102 groups, within every default quota: groups g100 and g101 have an origin access
    // control, a routing function and a cache policy of their own.
    expect(again.code).toBe(0);
    expect(again.out.split("\n").filter((l) => l.startsWith("FAIL"))).toEqual([]);
    expect(again.out).toContain("AWS use: 102 CloudFront distributions, 102 ACM certificates with 1020 names, 2 origin access controls, 2 CloudFront Functions, 2 cache policies");
    expect(again.out).toContain("pins: 1000 pinned before, 20 written to");
    expect(unifiedDiff(withNew, readFileSync(path, "utf8")).split("\n").filter((l) => l.startsWith("+"))).toHaveLength(20);
    const afterAdd = pinsOf(path);
    expectUnmoved(afterFirst, afterAdd);
    expect(hostGroups(path).length).toBeLessThanOrEqual(110);

    // Remove 50: nothing is written, no other domain moves.
    const removed = new Set([...afterAdd.keys()].filter((_, i) => i % 20 === 3).slice(0, 50));
    const kept = [...afterAdd].filter(([d]) => !removed.has(d)).map(([domain, group]) => ({ domain, group }));
    const shrunk = stackText(kept);
    writeFileSync(path, shrunk);
    const afterRemoval = await runCli(["groups", "--stack", path, "--write"]);
    expect(afterRemoval.code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(shrunk);
    expect(afterRemoval.out).toContain("50 free");

    // The next 50 fill exactly the freed slots: the same groups, all full again.
    writeFileSync(path, stackText([...kept, ...names("later", 50).map((domain) => ({ domain }))]));
    const refill = await runCli(["groups", "--stack", path, "--write"]);
    expect(refill.code).toBe(0);
    expectUnmoved(afterAdd, pinsOf(path));
    expect(refill.out).toContain("102 groups in use (the fewest possible is 102), 1020 of 1020 slots filled, 0 free");
    expect(Math.max(...hostGroups(path))).toBe(10);
    expect(hostGroups(path).length).toBe(102);
  });
});

describe("a stack deployed without pins", () => {
  const live = names("live", 24);
  const shared = { groupSize: 10, groupCount: 8 };

  test("its first --write pins every domain to the group it is served from now, so the groups do not change", async () => {
    const path = stackFile(stackText(live.map((domain) => ({ domain })), shared));
    const before = hostGroups(path, { pinsRequired: false });
    const result = await runCli(["groups", "--stack", path, "--write"]);
    expect(result.code).toBe(0);
    for (const d of live) expect(result.out).toContain(`pinned ${d} to g0${hashedGroup(d, 8)} (its hashed group)`);
    const pins = pinsOf(path);
    for (const d of live) expect(pins.get(d)).toBe(hashedGroup(d, 8));
    expect(hostGroups(path)).toEqual(before);
  });

  test("without --write it says what it would pin, and that --pack would use fewer groups on a new stack", async () => {
    const text = stackText(live.map((domain) => ({ domain })), shared);
    const path = stackFile(text);
    const result = await runCli(["groups", "--stack", path]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("pins: 0 pinned before, 24 to write; run with --write to write them into the stack file");
    expect(result.out).toContain("a stack that was never deployed fits in 3 groups with --pack");
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});

describe("what the command prints", () => {
  test("a new stack pinned with --write --pack: its three domains in one group, counted in the singular", async () => {
    const path = stackFile(stackText(names("new", 3).map((domain) => ({ domain })), { groupSize: 10, groupCount: 110 }));
    const before = await runCli(["groups", "--stack", path]);
    expect(before.out).toContain("a stack that was never deployed fits in 1 group with --pack");
    const result = await runCli(["groups", "--stack", path, "--write", "--pack"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("1 group in use (the fewest possible is 1), 3 of 10 slots filled, 7 free");
    expect(new Set(pinsOf(path).values()).size).toBe(1);
  });

  test("the groups with fill and free slots, and the AWS use against each default quota", async () => {
    const domains = names("d", 25).map((domain, i) => ({ domain, group: i < 10 ? 0 : i < 17 ? 1 : 4 }));
    const path = stackFile(stackText(domains, { groupSize: 10, groupCount: 5 }));
    const result = await runCli(["groups", "--stack", path]);
    expect(result.code).toBe(0);
    expect(result.out.split("\n")).toEqual([
      `groups ${path}: 25 domains on the shared AWS host, groupSize 10, groupCount 5`,
      "  g00  10/10",
      "  g01   7/10  3 free",
      "  g04   8/10  2 free",
      "3 groups in use (the fewest possible is 3), 25 of 30 slots filled, 5 free",
      "pins: 25 pinned before, every domain has one",
      "AWS use: 3 CloudFront distributions, 3 ACM certificates with 25 names, 1 origin access control, 1 CloudFront Function, 1 cache policy",
      'PASS quota CloudFront "Distributions per AWS account": 3 of 500',
      'PASS quota CloudFront "Alternate domain names (CNAMEs) per distribution": 10 of 100 (group g00)',
      'PASS quota CloudFront "Origin access controls per AWS account": 1 of 100',
      'PASS quota CloudFront "Distributions per origin access control": 3 of 100 (the origin access control of groups g00 to g99)',
      'PASS quota CloudFront "Functions per AWS account": 1 of 100',
      'PASS quota CloudFront "Distributions associated with the same function": 3 of 100 (the routing function of groups g00 to g99)',
      'PASS quota CloudFront "Cache policies per AWS account": 1 of 20',
      'PASS quota CloudFront "Distributions associated with the same cache policy": 3 of 100 (the cache policy of groups g00 to g99)',
      'PASS quota ACM "Number of domain names per ACM certificate": 10 of 10 (group g00)',
      'PASS quota ACM "Number of ACM certificates": 3 of 2500',
      "PASS quota S3 \"Bucket policy size (bytes)\": 857 of 20480 (the shared host's bucket policy)",
      "",
    ]);
  });

  test("without a shared host: nothing to pin, and the per-domain hosts counted (101 pass the origin access controls)", async () => {
    const path = stackFile(stackText(names("solo", 101).map((domain) => ({ domain })), null));
    const result = await runCli(["groups", "--stack", path, "--write"]);
    expect(result.code).toBe(1);
    expect(result.out).toContain("no shared AWS host (mta-sts:sharedAwsHost), so nothing to pin; 101 AWS domains served by a host of their own (AwsMtaSts)");
    expect(result.out).toContain('FAIL quota CloudFront "Origin access controls per AWS account": this stack needs 101, the quota is 100; serve the domains from the shared host');
  });

  test("an account's raised quotas come from mta-sts:awsQuotas and are counted against instead of the defaults", async () => {
    const text = stackText(names("solo", 101).map((domain) => ({ domain })), null).replace(
      "  mta-sts:domains:",
      "  mta-sts:awsQuotas: { cloudfront-origin-access-controls-per-account: 200, cloudfront-distributions-per-cache-policy: 150 }\n  mta-sts:domains:",
    );
    const result = await runCli(["groups", "--stack", stackFile(text)]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('PASS quota CloudFront "Origin access controls per AWS account": 101 of 200');
  });

  test("--json: ok true with the groups, the pins and the quotas", async () => {
    const path = stackFile(stackText([{ domain: "a.example", group: 2 }, { domain: "b.example" }], { groupSize: 10, groupCount: 5 }));
    const result = await runCli(["groups", "--stack", path, "--json"]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out);
    expect(json).toMatchObject({
      ok: true,
      written: false,
      sharedHost: { groupSize: 10, groupCount: 5, mode: "pack", modeReason: "pins-exist", domains: 2, pinnedBefore: 1, groups: [{ index: 2, label: "g02", size: 2, free: 8, placed: 1 }], unplaced: [] },
      // b.example hashes to group 2 of 5, which is in use and has room.
      newPins: [{ index: 1, domain: "b.example", group: 2, label: "g02", reason: hashedGroup("b.example", 5) === 2 ? "hashed" : "first-fit" }],
      findings: [],
    });
    expect(json.quotas.usage.find((u: { key: string }) => u.key === "cloudfront-distributions-per-account")).toMatchObject({ used: 1, limit: 500, over: false });
  });
});

describe("findings: exit 1, one line per problem with the fix", () => {
  test("pins that overfill a group are reported with counts, not moved, and the other domains are still pinned", async () => {
    const crowd = names("crowd", 12).map((domain) => ({ domain, group: 3 }));
    const text = stackText([...crowd, { domain: "new.example" }], { groupSize: 10, groupCount: 5 });
    const path = stackFile(text);
    const result = await runCli(["groups", "--stack", path, "--write"]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      "FAIL overfull-group group g03 has 12 domains pinned to it, 2 more than groupSize 10: change the `group:` of 2 of them to g04, which has 9 free, or raise groupSize",
    );
    expect(result.out).not.toContain("crowd0000.example");
    const pins = pinsOf(path);
    for (const d of crowd) expect(pins.get(d.domain)).toBe(3);
    // The new domain found no group with room, so it opened one; nothing joined g03.
    expect(pins.get("new.example")).toBe(4);
  });

  test("a groupCount too small for the domains: the ones without room are counted, with the groupCount that fits them", async () => {
    const path = stackFile(stackText(names("x", 25).map((domain) => ({ domain })), { groupSize: 10, groupCount: 2 }));
    const result = await runCli(["groups", "--stack", path, "--pack", "--json"]);
    expect(result.code).toBe(1);
    const json = JSON.parse(result.out);
    // Findings: ok false, and no `error` (the verb ran), as every verb's --json says it.
    expect(Object.keys(json)[0]).toBe("ok");
    expect(json.ok).toBe(false);
    expect(json.error).toBeUndefined();
    expect(json.findings).toEqual([
      { kind: "no-room", message: "5 domains have no group: groups g00 to g01 are full (2 × 10); raise mta-sts:sharedAwsHost.groupCount to at least 3 (that moves no pinned domain) and pin again" },
    ]);
    expect(json.sharedHost.unplaced).toHaveLength(5);
  });

  test("a group over ACM's 10 names per certificate is a quota finding naming the increase to request", async () => {
    const path = stackFile(stackText(names("big", 12).map((domain) => ({ domain, group: 0 })), { groupSize: 20, groupCount: 2 }));
    const result = await runCli(["groups", "--stack", path]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      'FAIL quota ACM "Number of domain names per ACM certificate": group g00 needs 12, the quota is 10; lower groupSize to 10, or request a higher ACM "Number of domain names per ACM certificate" (up to 100) for us-east-1',
    );
  });
});

describe("the stack file is edited in place", () => {
  test("only the new `group:` lines are added; comments, flow mappings and CRLF line ends stay", async () => {
    const text = stackText([{ domain: "a.example", group: 0 }, { domain: "b.example" }, { domain: "c.example" }], { groupSize: 10, groupCount: 3 }, "\r\n");
    const path = stackFile(text);
    const result = await runCli(["groups", "--stack", path, "--write"]);
    expect(result.code).toBe(0);
    expect(unifiedDiff(text, readFileSync(path, "utf8"))).toBe(["@@ -18,0 +19 @@", "+      group: 0␍", "@@ -23,0 +25 @@", "+      group: 0␍"].join("\n"));
  });

  test("a plain config file with `domains:` at the top is pinned too", async () => {
    const path = stackFile("sharedAwsHost: { groupCount: 4 }\ndomains:\n  - { domain: a.example, policy: { mode: testing, mx: [mx.a.example] } }\n");
    expect((await runCli(["groups", "--stack", path, "--write"])).code).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(
      `sharedAwsHost: { groupCount: 4 }\ndomains:\n  - { domain: a.example, policy: { mode: testing, mx: [mx.a.example] }, group: ${hashedGroup("a.example", 4)} }\n`,
    );
  });

  test("a shape it cannot edit safely: exit 2, the path in the message, the file untouched", async () => {
    const text = ["config:", "  mta-sts:sharedAwsHost: {}", "  mta-sts:domains:", "    - &first", "      domain: a.example", "      policy: { mode: testing, mx: [mx.a.example] }", ""].join("\n");
    const path = stackFile(text);
    const result = await runCli(["groups", "--stack", path, "--write", "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toEqual({
      ok: false,
      error: {
        code: "io",
        message: `cannot write the pins into ${path}: config.mta-sts:domains[0]: has an anchor (&first) that other parts of the file repeat; edit it by hand; nothing was written`,
      },
    });
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});

describe("could not run: exit 2", () => {
  test("a bad config lists every problem with its path, in the JSON envelope too", async () => {
    const path = stackFile("config:\n  mta-sts:sharedAwsHost: { groupSize: 10 }\n  mta-sts:domains:\n    - domain: a.example\n      policy: { mode: testng, mx: [mx.a.example] }\n");
    const human = await runCli(["groups", "--stack", path]);
    expect(human.code).toBe(2);
    expect(human.err).toMatch(/^mta-sts: .* has 1 problem; nothing was grouped:\n {2}domains\[0\]\.policy\.mode: /);
    const json = JSON.parse((await runCli(["groups", "--stack", path, "--json"])).out);
    expect(json).toMatchObject({ ok: false, error: { code: "config", issues: [{ path: "domains[0].policy.mode" }] } });
  });

  test("a pin above group 999 is a config problem with its path, not an internal error", async () => {
    const path = stackFile(stackText([{ domain: "a.example" }, { domain: "b.example", group: 1500 }]));
    const result = await runCli(["groups", "--stack", path]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("  domains[1].group: must be at most 999 (group labels run g00 to g999): pin a lower one, or remove it and run `mta-sts groups --write`");
  });

  test("an unreadable file", async () => {
    const result = await runCli(["groups", "--stack", join(dir, "missing.yaml"), "--json"]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.out)).toEqual({ ok: false, error: { code: "io", message: `cannot read ${join(dir, "missing.yaml")}: ENOENT` } });
  });

  test("an mta-sts:awsQuotas key that is not a quota that can be raised: its path and a did-you-mean", async () => {
    const path = stackFile(stackText([{ domain: "a.example" }]).replace("  mta-sts:domains:", "  mta-sts:awsQuotas: { cloudfront-functions-per-acount: 200, s3-bucket-policy-size: 40000 }\n  mta-sts:domains:"));
    const result = await runCli(["groups", "--stack", path, "--json"]);
    expect(result.code).toBe(2);
    const issues = JSON.parse(result.out).error.issues;
    expect(issues).toEqual([
      expect.objectContaining({ path: "awsQuotas.cloudfront-functions-per-acount", message: expect.stringContaining('did you mean "cloudfront-functions-per-account"') }),
      expect.objectContaining({ path: "awsQuotas.s3-bucket-policy-size" }),
    ]);
  });

  test("--help describes the verb", async () => {
    const result = await runCli(["groups", "--help"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain("--write");
    expect(result.out).toContain("--pack");
  });
});
